"""axe-core at WCAG 2.2 AA on the pages the journeys pass through in their other states: forms
with errors, the once-only receipt already shown, triage, a stale step (409) and not-found
pages, for the public and for signed-in staff. (The journeys check every page they visit.)"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.browser_kit import fill_report, send_report, sign_in

pytestmark = pytest.mark.browser

PROBLEM = "There is a problem"


def test_public_pages_in_every_state(visit):
    person = visit()
    page = person.page
    person.goto("/protections")
    person.check("a11y-01-protections")

    person.goto("/report?kind=disclosure")
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("heading", name=PROBLEM)).to_be_visible()
    expect(page).to_have_title("Error: Report a concern – Casework")
    person.check("a11y-02-report-form-errors")

    person.goto("/return")
    page.get_by_label("Reference", exact=True).fill("CW-23456789")
    page.get_by_label("Receipt", exact=True).fill("AAAA-BBBB-CCCC-DDDD-EEEE")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=PROBLEM)).to_be_visible()
    person.check("a11y-03-return-errors")

    person.goto("/report/receipt")
    expect(page.get_by_role("heading", level=1)).to_have_text("Already shown")
    person.check("a11y-04-receipt-already-shown")

    response = person.goto("/no-such-page")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    person.check("a11y-05-not-found-public")

    response = person.goto("/my-report")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check on a report")


def test_staff_pages_in_every_state(visit, live):
    reporter = visit()
    reporter.goto("/report")
    fill_report(reporter.page, kind="Public interest disclosure (whistleblowing)",
                category="health_and_safety", summary="Fire doors propped open",
                details="The fire doors on the second floor are wedged open every day.")
    reference, _receipt = send_report(reporter)

    staff = visit()
    page = staff.page
    staff.goto("/staff/sign-in")
    page.get_by_label("Email address", exact=True).fill("nobody@demo.casework.example")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=PROBLEM)).to_be_visible()
    staff.check("a11y-06-staff-sign-in-errors")

    sign_in(staff, live.logins["intake"])
    staff.goto("/staff/triage")
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    staff.check("a11y-07-triage")

    response = staff.goto("/staff/cases?route=no-such-route")
    assert response.status == 422
    expect(page.get_by_role("heading", name=PROBLEM)).to_be_visible()
    staff.check("a11y-08-case-list-errors")

    _stale_step(staff, reference)


def _stale_step(staff, reference):
    """Two tabs on one case: the second acknowledgement is refused with the case as it is now."""
    first, second = staff.page, staff.context.new_page()
    for tab in (first, second):
        tab.goto(f"/staff/cases/{reference}")
    first.locator('section[aria-labelledby="step-acknowledge"]').get_by_role("button").click()
    expect(first.get_by_text("Done. The case has moved on.")).to_be_visible()
    second.locator('section[aria-labelledby="step-acknowledge"]').get_by_role("button").click()
    expect(second.get_by_role("heading", level=1)).to_have_text("Someone else acted first")
    staff.page = second
    staff.check("a11y-09-stale-step-409")


def test_statistics_pages(visit, live):
    """The analyst's table (chart and two-way table), its refusal, and the annual reports."""
    analyst = visit()
    page = analyst.page
    sign_in(analyst, live.logins["analyst"])  # a second factor too, like every account
    last_year = str(date.today().year - 1)

    page.get_by_role("link", name="Statistics").click()
    page.get_by_label("Count cases by").select_option("category")
    page.get_by_label("And by (optional)").select_option("route")
    page.get_by_label("Period", exact=True).fill(last_year)
    page.get_by_role("button", name="Show the table").click()
    expect(page.get_by_role("img", name=f"Cases received in {last_year}")).to_be_visible()
    expect(page.get_by_role("table").first).to_be_visible()
    analyst.check("a11y-10-statistics-table")

    page.get_by_label("Period", exact=True).fill(f"{last_year}-01-01..{last_year}-03-31")
    page.get_by_role("button", name="Show the table").click()
    expect(page.get_by_role("heading", name=PROBLEM)).to_be_visible()
    analyst.check("a11y-11-statistics-errors")

    page.get_by_role("link", name="Annual reports").first.click()
    page.get_by_label("Year", exact=True).fill(last_year)
    page.get_by_role("button", name="Show the reports").click()
    expect(page.get_by_role("heading", name="Concerns received")).to_be_visible()
    analyst.check("a11y-12-annual-reports")
