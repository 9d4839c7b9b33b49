"""Journey: on a site that offers English and French, an intake officer opens a case, presses
"Français" in the page header, and reads the case page and the case file page in French (dates
too); axe-core checks the French pages at 1280 pixels, and their screenshots are kept under
artifacts/french/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.browser_kit import ROOT, fill_report, open_case, send_report, sign_in
from tests.browser.conftest import Live, server_of_its_own, watched_visits

pytestmark = pytest.mark.browser

FRENCH = ROOT / "artifacts" / "french"


@pytest.fixture(scope="module")
def live_fr(chromium, tmp_path_factory) -> Iterator[Live]:
    """A server of its own, offering English and French (CASEWORK_LANGUAGES=en,fr)."""
    with server_of_its_own(tmp_path_factory, "browser-fr-staff", {"CASEWORK_LANGUAGES": "en,fr"}) \
            as live:
        yield live


def test_an_officer_reads_a_case_in_french(chromium, live_fr, auditor):
    with watched_visits(chromium, live_fr.base, auditor) as visit:
        reporter = visit()
        reporter.goto("/report")
        fill_report(reporter.page, kind="Public interest disclosure (whistleblowing)",
                    category="policy_breach", summary="Invoices paid twice",
                    details="The same supplier invoices were paid twice in March.")
        reference, _ = send_report(reporter)
        reporter.close()

        officer = visit()
        sign_in(officer, live_fr.logins["intake"])
        open_case(officer, reference)
        page = officer.page
        page.locator("form.language").get_by_role("button", name="Français").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Dossier {reference}")
        assert page.locator("html").get_attribute("lang") == "fr"
        expect(page.get_by_role("heading", name="Échéances")).to_be_visible()
        expect(page.get_by_role("heading", name="Franchir une étape")).to_be_visible()
        expect(page.get_by_text("Acheminé vers", exact=False).first).to_be_visible()
        FRENCH.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=FRENCH / "staff-case-1280.png", full_page=True)
        officer.check("french-staff-case")

        page.get_by_role("link", name="Produire un dossier (PDF)").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Produire un dossier pour {reference}")
        page.screenshot(path=FRENCH / "staff-case-file-1280.png", full_page=True)
        officer.check("french-staff-case-file")
