"""Journey (issue 17), in French, on the canada-federal pack (English and French): the reporter
chooses Français on the start page, reads how a report is protected, makes a report (a first
try refused, in French, naming the field), gets the receipt, comes back with reference and
receipt, sends a message and leaves. Every page says `lang="fr"`, has French headings, passes
axe at WCAG 2.2 AA, shows none of the English of the catalogs, and keeps the language out of
every address; each is saved under artifacts/french/ for the closing note."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from casework import i18n
from tests.browser.browser_kit import ROOT, Visit, format_violations
from tests.browser.conftest import Live, server_of_its_own, watched_visits

pytestmark = pytest.mark.browser

FEDERAL = {"CASEWORK_POLICY": "canada-federal"}
SHOTS = ROOT / "artifacts" / "french"
SUMMARY = "Des fonds publics ont servi à payer un voyage personnel"
DETAILS = "Le directeur a réglé ses vacances avec la carte de crédit du ministère, en mars."
MESSAGE = "J'ai retrouvé le reçu de l'hôtel; je peux l'envoyer."


def english_sentences() -> list[str]:
    """The English sentences of the shipped catalogs that a reporter's page could show (with no
    placeholder or markup), for finding any left untranslated on a French page."""
    found = set()
    for path in sorted((Path(i18n.SHIPPED) / "fr" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale="fr"):
                text = message.id if isinstance(message.id, str) else ""
                if text and len(text.split()) >= 3 and "%" not in text and "<" not in text \
                        and message.string and message.string != text:
                    found.add(text)
    return sorted(found)


@pytest.fixture(scope="module")
def federal_live(chromium, tmp_path_factory) -> Iterator[Live]:
    """A server of its own under the canada-federal pack (English and French)."""
    with server_of_its_own(tmp_path_factory, "browser-fr", FEDERAL,
                           CASEWORK_RATE_LIMIT_SCALE="20") as server:
        yield server


@pytest.fixture
def federal_visit(chromium, federal_live, auditor):
    with watched_visits(chromium, federal_live.base, auditor) as open_visit:
        yield open_visit


def in_french(visit: Visit, name: str, heading: str, english: list[str]) -> None:
    """A page of the French journey: lang="fr", its French heading, no catalog English, no
    language in its address; saved to artifacts/french/; axe finds nothing; own origin only."""
    page = visit.page
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    assert page.locator("html").get_attribute("lang") == "fr", name
    assert not re.search(r"[?&](lang|language|locale)=", page.url), page.url
    text = " ".join(page.locator("body").inner_text().split())
    left = [sentence for sentence in english if sentence in text]
    assert not left, f"English left on {name}: {left}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    violations = visit.auditor.violations(page, visit.javascript)
    assert not violations, format_violations(name, page.url, violations)
    visit.assert_clean()


def test_a_french_reporter_reports_gets_the_receipt_and_comes_back(federal_visit):
    english = english_sentences()
    assert "Report a concern of this kind" in english  # the check reads the catalogs
    reporter = federal_visit()
    page = reporter.page
    reporter.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", level=1)).to_have_text("Speak up safely")
    page.get_by_role("button", name="Français").click()  # the chooser, in the page's header
    assert page.url.rstrip("/") == reporter.base.rstrip("/")  # back where it was chosen
    in_french(reporter, "01-start", "Signaler en toute sécurité", english)
    expect(page.locator(".language-current")).to_have_text("Français")

    page.get_by_role("link", name="Comment votre signalement est protégé").first.click()
    in_french(reporter, "02-protections", "Comment votre signalement est protégé", english)

    page.locator("footer").get_by_role("link", name="Signaler une préoccupation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signaler en toute sécurité")
    page.locator("main").get_by_role("link", name="Signaler une préoccupation",
                                     exact=True).click()
    in_french(reporter, "03-kind", "Signaler une préoccupation", english)
    page.locator('input[name="kind"][value="disclosure"]').check()
    page.get_by_role("button", name="Continuer").click()
    page.locator("#category").select_option("misuse_of_funds")
    page.get_by_label("Dites-nous ce qui s’est passé", exact=True).fill(DETAILS)
    page.get_by_role("button", name="Envoyer mon signalement").click()  # no summary yet
    expect(page.locator(".error-summary")).to_contain_text(
        "En une phrase, que s’est-il passé\u00a0? : Dites en une phrase ce qui s’est passé")
    in_french(reporter, "04-form-refused", "Signaler une préoccupation", english)
    page.get_by_label("En une phrase, que s’est-il passé\u00a0?").fill(SUMMARY)
    in_french(reporter, "05-form", "Signaler une préoccupation", english)
    page.get_by_role("button", name="Envoyer mon signalement").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Votre signalement a été envoyé")
    assert page.url.endswith("/report/receipt")
    reference = page.locator("#reference").inner_text().strip()
    receipt = page.locator("#receipt").inner_text().strip()
    assert reference not in page.url and receipt not in page.url
    in_french(reporter, "06-receipt", "Votre signalement a été envoyé", english)

    page.get_by_role("link", name="Suivre un signalement").first.click()
    in_french(reporter, "07-return", "Suivre un signalement", english)
    page.get_by_label("Numéro de référence", exact=True).fill(reference)
    page.get_by_label("Reçu", exact=True).fill(receipt)
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Votre signalement {reference}")
    expect(page.locator(".timeline")).to_contain_text("Votre signalement a été reçu.")
    in_french(reporter, "08-my-report", f"Votre signalement {reference}", english)

    page.get_by_label("Votre message").fill(MESSAGE)
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_text("Votre message a été envoyé.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Vous avez envoyé un message.")
    in_french(reporter, "09-my-report-message", f"Votre signalement {reference}", english)

    page.get_by_role("button", name="Quitter (se déconnecter)").click()
    expect(page.get_by_text("Vous avez quitté votre signalement.")).to_be_visible()
    in_french(reporter, "10-left", "Signaler en toute sécurité", english)
