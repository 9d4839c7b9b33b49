"""Journey: a harassment complaint chooses informal, then formal, and is taken to a finding and
an action, each person in their own browser: the reporter, the HR handler, a decision maker and
an investigator assigned through the case page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.browser_kit import (
    assign,
    fill_report,
    open_case,
    open_step,
    reporter_action,
    return_with_receipt,
    send_report,
    sign_in,
    stage,
    take_step,
)

pytestmark = pytest.mark.browser

KIND = "Sexual harassment complaint"


def test_harassment_informal_then_formal_to_finding_and_action(visit, live):
    reporter = visit()
    reporter.goto("/report")
    fill_report(reporter.page, kind=KIND, category="sexual_harassment",
                summary="Unwelcome remarks from a manager",
                details="At three team meetings my manager commented on my appearance.",
                people=("Dana Kowalski, Highways Manager",))
    reference, receipt = send_report(reporter)

    hr = visit()
    sign_in(hr, live.logins["hr"])
    open_case(hr, reference)
    assert stage(hr.page) == "Reported"
    hr.check("harassment-01-case-reported")
    take_step(hr, "acknowledge")
    assert stage(hr.page) == "Considering options"
    assign(hr, "Chris Evans (can act as: decision maker)", "decision_maker")
    assign(hr, "Ruth Adeyemi (can act as: investigator)", "investigator")
    assigned = hr.page.locator("#people ~ ul").nth(1)
    expect(assigned).to_contain_text("Chris Evans: Decision maker")
    expect(assigned).to_contain_text("Ruth Adeyemi: Investigator")
    hr.check("harassment-02-case-options-assigned")

    return_with_receipt(reporter, reference, receipt)
    expect(reporter.page.get_by_role("heading", name="Your options")).to_be_visible()
    reporter.check("harassment-03-my-report-options")
    reporter_action(reporter, "Ask for an informal solution")

    hr.page.reload()
    assert stage(hr.page) == "Informal solution"
    take_step(hr, "not_resolved")
    assert stage(hr.page) == "Considering options"

    reporter.page.reload()
    reporter_action(reporter, "Make a formal complaint")
    expect(reporter.page.locator(".panel").first).to_contain_text("formal complaint")

    director = visit()
    sign_in(director, live.logins["director"])
    expect(director.page.locator("#assigned ~ .table-scroll").first).to_contain_text(reference)
    director.check("harassment-04-dashboard-decision-maker")
    open_case(director, reference)
    assert stage(director.page) == "Formal complaint"
    director.check("harassment-05-case-formal-complaint")
    take_step(director, "decide_to_investigate",
              reason="Repeated conduct described by the complainant; a formal investigation "
                     "is proportionate.")
    assert stage(director.page) == "Investigation"

    investigator = visit()
    sign_in(investigator, live.logins["investigator"])
    open_case(investigator, reference)
    _findings_need_a_reason(investigator)
    take_step(investigator, "record_findings", finding="substantiated",
              reason="Three witnesses confirm the remarks.")
    assert stage(investigator.page) == "Findings recorded"

    director.page.reload()
    take_step(director, "record_action", action="Written warning and training for the manager.")
    assert stage(director.page) == "Closed"
    expect(director.page.locator("p.lead").first).to_contain_text("Outcome: Substantiated")
    director.check("harassment-07-case-closed")

    reporter.page.reload()
    panel = reporter.page.locator(".panel").first
    expect(panel).to_contain_text("Your complaint is closed.")
    expect(panel).to_contain_text("the complaint was found to be true")
    reporter.check("harassment-08-my-report-closed")


def _findings_need_a_reason(investigator):
    """Sending the findings step without answers shows the error summary (422), nothing saved."""
    page = investigator.page
    form = page.locator('section[aria-labelledby="step-record_findings"]')
    open_step(form)  # closed until chosen
    form.get_by_role("button").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#t-record_findings-reason")).to_have_attribute("aria-invalid", "true")
    assert stage(page) == "Investigation"
    investigator.check("harassment-06-case-step-errors")
