"""Journey (issue 16): a reporter's reply marks the case unread for its handler. The intake
officer has read a new report and written to the reporter; the reporter comes back with the
receipt and answers from their page. The officer's navigation counts it, the case list marks
the case "New" (in words), the inbox lists it with a link; opening the case says what was new
and reads it, and the inbox and list show it read. The inbox is checked with axe at 1280 and
320 pixels wide, with screenshots of both."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.browser_kit import (
    fill_report,
    open_case,
    open_details,
    return_with_receipt,
    send_report,
    sign_in,
)

pytestmark = pytest.mark.browser

KIND = "Public interest disclosure (whistleblowing)"
QUESTION = "Thank you. Which depot was it, and on what day?"
ANSWER = "The north depot, on the Monday morning shift."
NEW_WORDS = "The reporter has written a message"


def _row_marked(page, reference: str):
    """The "New" marker (with its words for screen readers) in the case's row."""
    return page.locator("tr").filter(has=page.get_by_role("link", name=reference, exact=True)) \
        .locator(".tag.new")


def test_a_reporter_s_reply_reaches_the_handler_s_inbox_and_opening_the_case_reads_it(
        visit, live):
    reporter = visit()
    reporter.goto("/report")
    fill_report(reporter.page, kind=KIND, category="health_and_safety",
                summary="Loose scaffolding at a depot",
                details="The scaffolding by the loading bay moves when you lean on it.")
    reference, receipt = send_report(reporter)
    reporter.close()

    officer = visit()
    sign_in(officer, live.logins["intake"])
    page = officer.page
    officer.goto("/staff/inbox")
    arrived = page.locator("li.inbox-item.unread").filter(has_text=reference)
    expect(arrived).to_contain_text("A new report has arrived in your queue")
    open_case(officer, reference)
    expect(page.locator("#inbox-fresh")).to_contain_text("for you since you last opened")
    open_details(page, "#write-message")
    page.locator("#message-body").fill(QUESTION)
    page.get_by_role("button", name="Send to the reporter").click()
    expect(page.get_by_text("Your message was sent.")).to_be_visible()
    expect(page.locator("#inbox-fresh")).to_have_count(0)  # nothing new since

    returning = visit()
    return_with_receipt(returning, reference, receipt)
    expect(returning.page.locator(".message.handler").filter(has_text=QUESTION)).to_be_visible()
    returning.page.get_by_label("Your message").fill(ANSWER)
    returning.page.get_by_role("button", name="Send message").click()
    expect(returning.page.locator(".message.reporter").filter(has_text=ANSWER)).to_be_visible()
    returning.close()

    officer.goto("/staff/cases")
    marker = _row_marked(page, reference)
    expect(marker).to_have_count(1)
    expect(marker).to_have_text("New for you: unread items in your inbox")  # words, not colour
    nav = page.get_by_role("navigation", name="Staff").get_by_role("link", name=re.compile(
        r"^Inbox \d+ unread$"))
    expect(nav).to_be_visible()
    unread_before = int(re.search(r"\d+", nav.inner_text())[0])
    officer.check("inbox-01-case-list-new-marker")

    officer.goto("/staff/inbox")
    reply = page.locator("li.inbox-item.unread").filter(has_text=reference).filter(
        has_text=NEW_WORDS)
    expect(reply).to_have_count(1)
    assert ANSWER not in page.content()  # the inbox names the event, never its words
    officer.check("inbox-02-inbox-1280")
    page.set_viewport_size({"width": 320, "height": 900})
    expect(reply).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the inbox scrolls sideways at 320 pixels: {width}"
    officer.check("inbox-03-inbox-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    reply.get_by_role("link", name=f"Case {reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    fresh = page.locator('[aria-labelledby="inbox-fresh"]')
    expect(fresh).to_contain_text(NEW_WORDS)
    expect(page.locator(".message").filter(has_text=ANSWER)).to_be_visible()
    officer.check("inbox-04-case-page-what-was-new")

    officer.goto("/staff/inbox")
    expect(page.locator("li.inbox-item.unread").filter(has_text=reference)).to_have_count(0)
    expect(page.locator("li.inbox-item").filter(has_text=reference).filter(
        has_text=NEW_WORDS)).to_contain_text("(read)")
    after = page.get_by_role("navigation", name="Staff").get_by_role("link", name=re.compile(
        r"^Inbox"))
    counted = re.search(r"\d+", after.inner_text())
    assert (int(counted[0]) if counted else 0) == unread_before - 1
    officer.goto("/staff/cases")
    expect(_row_marked(page, reference)).to_have_count(0)
    officer.check("inbox-05-case-list-read")
