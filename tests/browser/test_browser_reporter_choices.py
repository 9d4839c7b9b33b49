"""Journeys of issue 14 on the reporter's side, each person in their own browser: the report
form's choice of level, what the reporter may say and how they know (the UK ladder, officers'
code 5.3 and 5.4); HR reads the next senior manager the rules worked out; the reporter asks to
meet in person (EU directive art 9(2)) and HR sees the deadline; a witness to harassment is not
offered the affected person's choices; a complainant closes an informal solution themselves."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.browser_kit import (
    fill_report,
    open_case,
    reporter_action,
    return_with_receipt,
    send_report,
    sign_in,
    stage,
    take_step,
)

pytestmark = pytest.mark.browser


def test_a_named_reporter_whose_line_manager_is_involved_asks_for_the_next_manager_and_a_meeting(
        visit, live):
    reporter = visit()
    reporter.goto("/report")
    page = reporter.page
    fill_report(page, kind="Public interest disclosure (whistleblowing)",
                category="health_and_safety",
                summary="Unsafe ladders kept in use at the depot",
                details="Two cracked ladders are still used; my manager told us not to log it.")
    page.get_by_label("I saw it happen to someone else").check()
    page.get_by_label("The next senior manager or my Director").check()
    page.get_by_label("My line manager is involved in what I am reporting").check()
    page.get_by_label("Yes, I will give my name").check()
    page.get_by_label("Your name").fill("Lee Park")
    expect(page.locator("#reporter_person")).to_have_count(0)  # no directory for visitors:
    # the name typed is looked up on the server (one Lee Park, whose manager is then kept out)
    reporter.check("choices-01-report-form-level-and-relation")
    reference, receipt = send_report(reporter)

    hr = visit()
    sign_in(hr, live.logins["hr"])
    open_case(hr, reference)
    summary = hr.page.locator("dl.summary").first
    expect(summary).to_contain_text("A witness: the reporter saw it")
    expect(summary).to_contain_text("The next senior manager or their Director")
    expect(summary).to_contain_text("My line manager is involved in what I am reporting")
    expect(hr.page.locator("#routing ~ dl.summary")).to_contain_text(
        "Chris Evans, Director of Environment")
    expect(hr.page.locator("#routing ~ ul").first).to_contain_text("line manager is implicated")
    hr.check("choices-02-case-next-senior-manager")

    return_with_receipt(reporter, reference, receipt)
    page.get_by_role("button", name="Ask to meet in person").click()
    expect(page.get_by_text("You asked to meet in person.").first).to_be_visible()
    expect(page.locator("#meeting ~ p").first).to_contain_text("should arrange it with you by")
    reporter.check("choices-03-my-report-meeting-asked")

    hr.page.reload()
    expect(hr.page.locator("#deadlines ~ .table-scroll table").first).to_contain_text(
        "Meet the reporter in person, as they asked")
    hr.check("choices-04-case-meeting-deadline")


def test_a_witness_to_harassment_is_not_offered_the_affected_persons_choices(visit, live):
    reporter = visit()
    reporter.goto("/report")
    fill_report(reporter.page, kind="Sexual harassment complaint", category="sexual_harassment",
                summary="A colleague is being touched at the counter",
                details="A visitor keeps touching a colleague at the front counter; she told me.")
    reporter.page.get_by_label("Someone told me about it").check()
    reference, receipt = send_report(reporter)

    hr = visit()
    sign_in(hr, live.logins["hr"])
    open_case(hr, reference)
    expect(hr.page.locator("dl.summary").first).to_contain_text(
        "Told of it: the reporter did not see it")
    take_step(hr, "acknowledge")
    assert stage(hr.page) == "Considering options"

    return_with_receipt(reporter, reference, receipt)
    mine = reporter.page
    expect(mine.get_by_role("heading", name="You reported what happened to someone else")
           ).to_be_visible()
    expect(mine.locator(".panel").first).to_contain_text("The person it happened to")
    expect(mine.get_by_role("button", name="Ask for an informal solution")).to_have_count(0)
    expect(mine.get_by_role("button", name="Withdraw my complaint")).to_be_visible()
    reporter.check("choices-05-my-report-witness")


def test_the_complainant_closes_an_informal_solution_from_their_page(visit, live):
    reporter = visit()
    reporter.goto("/report")
    fill_report(reporter.page, kind="Sexual harassment complaint", category="sexual_harassment",
                summary="Remarks about my appearance", details="At two meetings last month.")
    reporter.page.get_by_label("It happened to me").check()
    reference, receipt = send_report(reporter)
    hr = visit()
    sign_in(hr, live.logins["hr"])
    open_case(hr, reference)
    take_step(hr, "acknowledge")
    return_with_receipt(reporter, reference, receipt)
    reporter_action(reporter, "Ask for an informal solution")
    reporter_action(reporter, "Resolved to my satisfaction",
                    confirm="Yes: resolved to my satisfaction")
    expect(reporter.page.locator(".panel").first).to_contain_text("Your complaint is closed.")
    reporter.check("choices-06-my-report-resolved-informally")
    hr.page.reload()
    assert stage(hr.page) == "Closed"


def test_the_reporter_is_told_before_their_identity_is_released(visit, live):
    reporter = visit()
    reporter.goto("/report")
    fill_report(reporter.page, kind="Public interest disclosure (whistleblowing)",
                category="health_and_safety", summary="Asbestos sheets broken up in the yard",
                details="Sheets of asbestos cement were broken up without any protection.")
    reporter.page.get_by_label("Yes, I will give my name").check()
    reporter.page.get_by_label("Your name").fill("Lee Park")
    reference, receipt = send_report(reporter)

    officer = visit()
    sign_in(officer, live.logins["intake"])
    open_case(officer, reference)
    page = officer.page
    page.get_by_text("Tell the reporter their identity is to be released").click()
    page.locator("#notice-ground").select_option("legal_obligation")
    page.locator("#notice-explanation").fill(
        "The Health and Safety Executive has asked for your name to take a statement.")
    page.get_by_role("button", name="Tell the reporter").click()
    expect(page.get_by_text("The reporter's page now says")).to_be_visible()
    officer.check("choices-07-case-release-notice-given")

    return_with_receipt(reporter, reference, receipt)
    notice = reporter.page.get_by_role("note").filter(has_text="Before we share who you are")
    expect(notice).to_contain_text("the law requires it")
    expect(notice).to_contain_text("The Health and Safety Executive has asked for your name")
    expect(notice).to_contain_text("It has not been shared yet.")
    reporter.check("choices-08-my-report-before-release")

    page.reload()
    page.get_by_label("No: it was not practicable").check()
    page.get_by_role("button", name="Record that it was released").click()
    expect(page.get_by_text("The release was recorded.")).to_be_visible()
    reporter.page.reload()
    expect(reporter.page.get_by_role("heading", name="We shared who you are")).to_be_visible()
