"""Journey: the auditor, with JavaScript turned off, goes from the dashboard to the audit trail,
checks the chain, narrows the events to one case, meets a filter it cannot read, downloads the
CSV, and reads the page on a 320 px wide screen. axe-core checks every page on the way."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.browser_kit import sign_in

pytestmark = pytest.mark.browser


def test_auditor_journey(visit, live):
    auditor = visit(javascript=False)
    page = auditor.page
    sign_in(auditor, live.logins["auditor"])
    expect(page.get_by_role("link", name="Go to the audit trail")).to_be_visible()
    auditor.check("auditor-01-dashboard")

    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(page.get_by_role("table")).to_be_visible()
    auditor.check("auditor-02-trail")

    page.get_by_role("button", name="Check the trail now").click()
    expect(page.get_by_role("status")).to_contain_text("the trail is intact")
    auditor.check("auditor-03-chain-checked")

    page.get_by_label("What happened").select_option("case:")
    page.get_by_label("Period", exact=True).fill(str(date.today().year))
    page.get_by_role("button", name="Show events").click()
    first_case = page.locator("table.trail tbody td:nth-child(5) a").first
    reference = first_case.inner_text()
    first_case.click()
    expect(page.get_by_role("heading", level=2, name=f"Events of case {reference}")
           ).to_be_visible()
    auditor.check("auditor-04-one-case")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these events as a spreadsheet (CSV)").click()
    table = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert table[0] == ["seq", "at", "kind", "actor", "case", "details"]
    assert table[1:] and {row[4] for row in table[1:]} == {reference}

    page.get_by_label("Period", exact=True).fill("last month")
    page.get_by_role("button", name="Show events").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title("Error: Audit trail – Casework")
    auditor.check("auditor-05-filter-error")

    page.set_viewport_size({"width": 320, "height": 800})
    auditor.goto("/staff/audit/")
    auditor.check("auditor-06-trail-320px")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways at 320 px ({width} px wide)"
