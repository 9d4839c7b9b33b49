"""Journey: an anonymous disclosure implicating the Chief Executive reaches the Monitoring
Officer, who replies; the reporter returns with the receipt and reads the reply; the Chief
Executive's account, signed in, cannot find the case by list, filter or URL."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.browser_kit import (
    fill_report,
    open_case,
    open_details,
    return_with_receipt,
    send_report,
    sign_in,
    without_csrf,
)

pytestmark = pytest.mark.browser

KIND = "Public interest disclosure (whistleblowing)"
CHIEF_EXECUTIVE = "Alex Morgan, Chief Executive"
REPLY = "Thank you. I am the Monitoring Officer and I will look into this myself."
MADE_UP = "CW-23456789"


def test_disclosure_about_the_chief_executive(visit, live):
    reporter = visit()
    reporter.goto("/")
    expect(reporter.page.get_by_role("heading", level=1)).to_have_text("Speak up safely")
    reporter.check("disclosure-01-start")
    reporter.page.get_by_role("link", name="Report a concern").first.click()
    reporter.check("disclosure-02-report-form")
    fill_report(reporter.page, kind=KIND, category="policy_breach",
                summary="Contracts awarded without a tender",
                details="The Chief Executive told procurement to skip the tender for a friend.",
                people=(CHIEF_EXECUTIVE,))
    reference, receipt = send_report(reporter)
    reporter.check("disclosure-03-receipt")
    reporter.goto("/report/receipt")  # shown once only
    expect(reporter.page.locator("#receipt")).to_have_count(0)
    reporter.close()

    officer = visit()
    sign_in(officer, live.logins["mo"], check="disclosure-04-staff-sign-in")
    expect(officer.page.get_by_role("link", name=reference).first).to_be_visible()
    officer.check("disclosure-05-dashboard-monitoring-officer")
    officer.goto("/staff/cases")
    expect(officer.page.get_by_role("link", name=reference)).to_be_visible()
    officer.check("disclosure-06-case-list")
    open_case(officer, reference)
    page = officer.page
    expect(page.get_by_text(
        "routed to Monitoring Officer because: the Chief Executive is implicated")).to_be_visible()
    expect(page.get_by_text("Anonymous", exact=True)).to_be_visible()
    officer.check("disclosure-07-case-page")
    open_details(page, "#write-message")
    page.locator("#message-body").fill(REPLY)
    page.get_by_role("button", name="Send to the reporter").click()
    expect(page.get_by_text("Your message was sent.")).to_be_visible()
    expect(page.locator("#messages ~ .message").filter(has_text=REPLY)).to_have_count(1)

    returning = visit()
    return_with_receipt(returning, reference, receipt, check="disclosure-08-return")
    expect(returning.page.locator(".message.handler").filter(has_text=REPLY)).to_be_visible()
    returning.check("disclosure-09-my-report-reply")

    _chief_executive_cannot_find(visit(), live, reference)


def _chief_executive_cannot_find(ce, live, reference):
    """Not on the dashboard, in no list or filter, and the case URL is the made-up 404."""
    sign_in(ce, live.logins["ce"])
    page = ce.page
    assert reference not in page.content()
    ce.check("disclosure-10-dashboard-chief-executive")
    ce.goto("/staff/triage")
    assert reference not in page.content()
    filters = ["", "route=disclosure", "state=received", "queue=monitoring_officer",
               "category=policy_breach", "sort=oldest", "sort=due", "overdue=y", "assigned=y",
               "route=disclosure&state=received&queue=monitoring_officer&category=policy_breach"]
    for query in filters:
        response = ce.goto(f"/staff/cases?{query}")
        assert response.status == 200, query
        assert reference not in page.content(), query
    ce.page.get_by_label("Kind").select_option("disclosure")
    ce.page.get_by_role("button", name="Show cases").click()
    assert reference not in page.content()
    ce.check("disclosure-11-case-list-chief-executive")

    hidden = ce.goto(f"/staff/cases/{reference}")
    hidden_html = without_csrf(page.content())
    ce.check("disclosure-12-not-found-staff")
    made_up = ce.goto(f"/staff/cases/{MADE_UP}")
    assert (hidden.status, made_up.status) == (404, 404)
    assert reference not in hidden_html
    assert hidden_html == without_csrf(page.content())
