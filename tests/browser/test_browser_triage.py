"""Journey: a fraud report filed as bullying is put right at triage and reaches Internal Audit,
with the routing reasons on its page; a move that would show a case to the implicated Head of
Internal Audit is refused; a second report of the same fraud is merged into the first and
held; both reporters come back with their receipts, read why, and still write."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.browser_kit import (
    fill_report,
    open_case,
    return_with_receipt,
    send_report,
    sign_in,
)

pytestmark = pytest.mark.browser

KIND = "Public interest disclosure (whistleblowing)"
HEAD_OF_AUDIT = "Sam Okafor, Head of Internal Audit"
WHY = "The report is about expense claims for trips that never happened: fraud, not bullying."


def _report(visit, category: str, summary: str, people=()) -> tuple[str, str]:
    reporter = visit()
    reporter.goto("/report")
    fill_report(reporter.page, kind=KIND, category=category, summary=summary,
                details="Claims for hotel nights on dates the office diary shows no trip.",
                people=people)
    made = send_report(reporter)
    reporter.close()
    return made


def _triage(page, *, category: str | None = None, queue: str | None = None) -> None:
    page.get_by_text("Change category, route, department or queue").click()
    if category:
        page.locator("#triage-category").select_option(category)
    if queue:
        page.locator("#triage-queue").select_option(queue)
    page.locator("#triage-reason").fill(WHY)
    page.get_by_role("button", name="Change and route again").click()


def test_triage_merge_and_hold(visit, live):
    misfiled, first_receipt = _report(visit, "bullying", "Expense claims for trips not taken")
    exposed, _ = _report(visit, "policy_breach", "Audit sign-offs without checks",
                         people=(HEAD_OF_AUDIT,))

    intake = visit()
    sign_in(intake, live.logins["intake"])
    open_case(intake, misfiled)
    page = intake.page
    expect(page.locator("#triage")).not_to_have_attribute("open", "")
    intake.check("triage-01-case-before")
    page.get_by_text("Change category, route, department or queue").click()
    intake.check("triage-02-form-open")
    page.get_by_text("Change category, route, department or queue").click()
    _triage(page, category="fraud")
    expect(page.get_by_text("it is no longer in your hands")).to_be_visible()
    intake.check("triage-03-moved-away")

    open_case(intake, exposed)
    _triage(page, queue="internal_audit")
    expect(page.locator(".error-summary")).to_contain_text(
        "would show it to someone implicated")
    intake.check("triage-04-refused-exposure")
    intake.close()

    duplicate, second_receipt = _report(visit, "fraud", "Hotel claims for trips not taken")
    audit = visit()
    sign_in(audit, live.logins["audit"])
    open_case(audit, misfiled)
    page = audit.page
    expect(page.get_by_text(
        "routed to Internal Audit because: fraud is suspected")).to_be_visible()
    expect(page.locator("#triage-history + ul")).to_contain_text(WHY)
    audit.check("triage-05-internal-audit-sees-it")

    open_case(audit, duplicate)
    page.get_by_text("Link this case to another").click()
    page.locator("#link-reference").fill(misfiled)
    page.get_by_label("Duplicate", exact=False).check()
    audit.check("triage-06-link-form")
    page.get_by_role("button", name="Link the cases").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {misfiled}")
    expect(page.get_by_role("heading", name=f"Merged from {duplicate}")).to_be_visible()
    audit.check("triage-07-merged-from")

    page.get_by_text("Place a legal hold").first.click()
    page.locator("#hold-reason").fill("Police inquiry into the expense claims: keep it all.")
    page.get_by_role("button", name="Place a legal hold").click()
    expect(page.get_by_text("Legal hold since").first).to_be_visible()
    audit.check("triage-08-legal-hold")
    audit.goto(f"/staff/cases/{duplicate}")
    expect(page.get_by_role("heading", name="Merged", exact=True)).to_be_visible()
    audit.check("triage-09-merged-case")
    audit.close()

    for n, (reference, receipt) in enumerate(((duplicate, second_receipt),
                                              (misfiled, first_receipt)), start=10):
        reporter = visit()
        return_with_receipt(reporter, reference, receipt)
        reporter.page.locator("#body").fill("I have found more receipts. Shall I send them?")
        reporter.page.get_by_role("button", name="Send message").click()
        expect(reporter.page.get_by_text("Your message was sent.")).to_be_visible()
        merged = reporter.page.get_by_text("joined to another report about the same matter")
        expect(merged).to_have_count(1 if reference == duplicate else 0)
        reporter.check(f"triage-{n}-reporter-{'merged' if reference == duplicate else 'kept'}")
        reporter.close()
