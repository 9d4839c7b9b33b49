"""The inbox pages (issue 16): the navigation's unread count, "New" markers in words on the
dashboard, the case list and the case page, opening a case reads its items, mark-read with
CSRF, each person's choice of email; and never a word about a case the person may not open."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casework.models import InboxItem, InboxSetting
from casework.services.access import Reporter
from casework.services.content import post_message
from tests.web.conftest import page

NEW = re.compile(r'<span class="tag new">New<span class="visually-hidden"> for you')


def marked(body: str, reference: str) -> bool:
    """Whether the row of a case carries the "New" marker."""
    row = re.search(rf">{reference}</a>(.*?)</th>", body, re.S)
    return row is not None and NEW.search(row.group(1)) is not None


@pytest.fixture
def desk(make, account, browser, ctx):
    """A signed-in intake officer; a case they have read and one with a reporter's reply;
    and a case implicating them that they never hear of."""
    me = make.person("Officer")
    acc = account(("intake", "investigator", "decision_maker"), ("intake",), person_id=me)
    quiet, replied = make.case(), make.case()
    hidden = make.case(implicated=[me])
    assert browser.sign_in(acc).status_code == 303
    browser.get(f"/staff/cases/{quiet.reference}")  # read
    browser.get(f"/staff/cases/{replied.reference}")
    post_message(ctx, Reporter(replied.id), None, "I remembered the date")
    ctx.session.flush()
    return acc, quiet, replied, hidden


def test_the_navigation_counts_unread_items_in_words(browser, desk):
    body = page(browser.get("/staff/"))
    assert re.search(r'Inbox <span class="inbox-count">1<span class="visually-hidden"> '
                     r'unread</span>', body)


def test_lists_mark_the_case_with_a_reply_and_only_it(browser, desk):
    _, quiet, replied, hidden = desk
    for path in ("/staff/", "/staff/cases"):
        body = page(browser.get(path))
        assert marked(body, replied.reference), path
        assert not marked(body, quiet.reference), path
        assert hidden.reference not in body, path


def test_opening_the_case_says_what_was_new_and_reads_it(browser, desk):
    _, _, replied, _ = desk
    body = page(browser.get(f"/staff/cases/{replied.reference}"))
    assert "New</span> for you since you last opened this case" in body
    assert "The reporter has written a message" in body
    assert "I remembered the date" in body  # the message itself, on the page as before
    assert not marked(page(browser.get("/staff/cases")), replied.reference)
    again = page(browser.get(f"/staff/cases/{replied.reference}"))
    assert "for you since you last opened" not in again
    assert 'class="inbox-count"' not in page(browser.get("/staff/"))


def test_the_inbox_lists_items_with_links_and_marks_one_read(browser, desk, session):
    acc, quiet, replied, hidden = desk
    body = page(browser.get("/staff/inbox"))
    assert "1 unread item, 2 read" in body
    assert f'href="/staff/cases/{replied.reference}"' in body
    assert "The reporter has written a message" in body and "I remembered" not in body
    assert hidden.reference not in body
    item = session.execute(select(InboxItem.id).where(
        InboxItem.user_id == acc.id, InboxItem.read_at.is_(None))).scalar_one()
    assert browser.client.post(f"/staff/inbox/{item}/read").status_code == 400  # no CSRF
    done = browser.post(f"/staff/inbox/{item}/read", token_from="/staff/inbox")
    assert done.status_code == 303 and done.headers["Location"].endswith("/staff/inbox")
    assert "0 unread items, 3 read" in page(browser.get("/staff/inbox"))


def test_someone_else_s_item_is_404(browser, desk, session, account, ctx):
    acc, _, replied, _ = desk
    colleague = account(("intake",), ("intake",))
    post_message(ctx, Reporter(replied.id), None, "And another thing")
    ctx.session.flush()
    theirs = session.execute(select(InboxItem.id).where(
        InboxItem.user_id == colleague.id)).scalar_one()
    assert browser.post(f"/staff/inbox/{theirs}/read",
                        token_from="/staff/inbox").status_code == 404


def test_each_person_chooses_their_email(browser, desk, session):
    acc, *_ = desk
    body = page(browser.get("/staff/inbox"))
    assert re.search(r'value="daily"[^>]*checked|checked[^>]*value="daily"', body)
    saved = browser.post("/staff/inbox/email", {"email": "immediate"}, token_from="/staff/inbox")
    assert saved.status_code == 303
    assert session.get(InboxSetting, acc.id).email == "immediate"
    refused = browser.post("/staff/inbox/email", {"email": "hourly"},
                           token_from="/staff/inbox")
    assert refused.status_code == 422 and "There is a problem" in page(refused)
    assert session.get(InboxSetting, acc.id).email == "immediate"


def test_an_administrator_has_an_inbox_without_cases(browser, account):
    admin = account(("admin",), ())
    assert browser.sign_in(admin).status_code == 303
    body = page(browser.get("/staff/inbox"))
    assert "Nothing needs your attention." in body


def test_mark_all_as_read_reads_only_mine(browser, desk, session, account, ctx):
    acc, _, replied, _ = desk
    colleague = account(("intake",), ("intake",))
    post_message(ctx, Reporter(replied.id), None, "One more thing")
    ctx.session.flush()
    assert "Mark all as read" in page(browser.get("/staff/inbox"))
    done = browser.post("/staff/inbox/read", token_from="/staff/inbox")
    assert done.status_code == 303
    body = page(browser.get("/staff/inbox"))
    assert "0 unread items" in body and "Marked 2 items as read." in body
    assert session.execute(select(InboxItem.id).where(
        InboxItem.user_id == colleague.id, InboxItem.read_at.is_(None))).first() is not None
