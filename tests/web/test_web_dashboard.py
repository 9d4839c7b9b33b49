"""The dashboard and lists show visible cases only: a case in which the signed-in person is
implicated never appears, and its address answers exactly like a made-up one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.conftest import page, unsigned


@pytest.fixture
def chief(make, account, browser):
    """The Chief Executive, also a member of every queue, signed in; and a case implicating
    them (routed to the Monitoring Officer) beside an ordinary one."""
    ce = make.person("Chief", roles=("chief_executive",), position="Chief Executive")
    hidden = make.case(implicated=[ce])
    shown = make.case()
    acc = account(("intake", "investigator", "decision_maker"),
                  ("intake", "monitoring_officer", "internal_audit", "hr"), person_id=ce)
    assert browser.sign_in(acc).status_code == 303
    return hidden, shown


def test_the_dashboard_never_lists_a_case_implicating_me(browser, chief):
    hidden, shown = chief
    assert hidden.queue == "monitoring_officer"  # a queue the Chief Executive belongs to
    for path in ("/staff/", "/staff/cases", "/staff/triage",
                 "/staff/cases?queue=monitoring_officer", "/staff/cases?sort=due"):
        body = page(browser.get(path))
        assert shown.reference in body or "queue=" in path, path
        assert hidden.reference not in body, path


def test_an_invisible_case_gives_the_same_404_as_a_made_up_one(browser, chief):
    hidden, _ = chief
    invisible = browser.get(f"/staff/cases/{hidden.reference}")
    made_up = browser.get("/staff/cases/CW-NOSUCHXX")
    assert invisible.status_code == made_up.status_code == 404
    assert unsigned(invisible) == unsigned(made_up)
    for action in ("notes", "messages", "transition", "recuse", "identity", "assign"):
        assert browser.post(f"/staff/cases/{hidden.reference}/{action}", {
            "note-body": "x", "message-body": "x", "recuse-reason": "x", "reveal-reason": "x",
            "assign-user_id": "1", "transition": "acknowledge", "version": str(hidden.version),
        }).status_code == 404, action
    assert browser.get(f"/staff/cases/{hidden.reference}/attachments/1").status_code == 404


def test_due_soon_and_overdue_come_from_the_clocks(make, account, browser, clock):
    now = clock.now
    clock.now = now - timedelta(days=10)
    late = make.case()  # its 7-day acknowledgement clock ran out 3 days ago
    clock.now = now - timedelta(days=2)
    soon = make.case()  # due in 5 days
    clock.now = now
    officer = account(("intake",), ("intake",))
    assert browser.sign_in(officer).status_code == 303
    body = page(browser.get("/staff/"))
    overdue = body.split('id="overdue"')[1].split('id="due-soon"')[0]
    due_soon = body.split('id="due-soon"')[1].split('id="assigned"')[0]
    assert late.reference in overdue and soon.reference not in overdue
    assert 'class="tag overdue"' in overdue
    assert soon.reference in due_soon and late.reference not in due_soon
    listed = page(browser.get("/staff/cases?overdue=y"))
    assert late.reference in listed and soon.reference not in listed


def test_newly_arrived_and_assigned(make, account, browser, ctx):
    arrived = make.case()
    moved_on = make.case(path=["acknowledge"])
    officer = account(("intake", "investigator"), ("intake",))
    from casework.services.assignments import assign

    boss = make.staff(roles=("intake",), queues=("intake",))
    assign(ctx, boss, moved_on.reference, officer.id, "investigator")
    ctx.session.flush()
    assert browser.sign_in(officer).status_code == 303
    body = page(browser.get("/staff/"))
    new = body.split('id="arrived"')[1].split('id="queues"')[0]
    mine = body.split('id="assigned"')[1].split('id="arrived"')[0]
    assert arrived.reference in new and moved_on.reference not in new
    assert moved_on.reference in mine and arrived.reference not in mine


def test_searching_by_reference_finds_visible_cases_only(browser, chief):
    hidden, shown = chief
    found = page(browser.get(f"/staff/cases?reference={shown.reference.lower()}"))
    assert shown.reference in found and "1 case" in found
    missing = page(browser.get(f"/staff/cases?reference={hidden.reference}"))
    assert f"/staff/cases/{hidden.reference}" not in missing and "0 cases" in missing
