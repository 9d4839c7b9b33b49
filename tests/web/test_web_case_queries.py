"""The staff case page loads its case once per page view: every part of the page (the view,
notes, messages, evidence, handling, who can see it, the identity release) opens the case
through the access loader (`open_case`), whose per-request cache answers all but the first."""

from __future__ import annotations

import re

from casework.services.access import Reporter
from casework.services.content import add_note, post_message
from casework.services.evidence import accept_evidence
from tests.statements import statements_while
from tests.web.conftest import page

FROM_CASES = re.compile(r"^\s*SELECT\b.*\bFROM cases\b", re.IGNORECASE | re.DOTALL)


def case_selects(engine, run):
    """The SELECTs reading from `cases` itself while run() runs (joins through it from another
    table, such as the inbox count, are not loads of the case), and what run() returned."""
    return statements_while(engine, FROM_CASES.search, run)


def test_the_case_page_selects_its_case_once(browser, account, make, ctx, engine):
    case = make.lodge("disclosure", anonymous=False, implicated=["A. Person"]).case
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    add_note(ctx, handler, case.reference, "a note")
    post_message(ctx, Reporter(case.id), None, "a message")
    accept_evidence(ctx, Reporter(case.id), None, "file.txt", b"bytes")
    everything = account(("intake", "investigator", "decision_maker", "admin"), (case.queue,))
    assert browser.sign_in(everything).status_code == 303
    seen, response = case_selects(engine, lambda: browser.get(f"/staff/cases/{case.reference}"))
    body = page(response)
    assert "a note" in body and "a message" in body and "file.txt" in body  # every part shown
    assert len(seen) == 1, "the case was selected more than once:\n" + "\n---\n".join(seen)
