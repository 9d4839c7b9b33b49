"""The staff inbox (issue 16): who is given which item, that nobody learns of a case they may
not open, read per person, opening a case reads its items, and email by each person's choice
(at once, a daily digest, or none), content-free through the outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from casework.models import InboxItem, Notification
from casework.services import accounts, grants, inbox
from casework.services.access import Reporter
from casework.services.assignments import add_implicated, assign, recuse
from casework.services.content import post_message
from casework.services.context import Context
from casework.services.errors import Invalid, NotFound
from casework.services.evidence import accept_evidence
from casework.services.mail import compose
from casework.services.reminders import send_reminders
from casework.services.reports import ImplicatedInput
from casework.services.transitions import fire_transition
from casework.services.triage import triage
from casework.workflow.policy import load_pack
from tests import evidence_samples as samples
from tests.factories import Factories


def seen(ctx, make, user, case=None) -> list[str]:
    actor = make.actor(user)
    return [i.kind for i in reversed(inbox.items(ctx, actor))
            if case is None or i.reference == case.reference]


def outbox(ctx, kind: str) -> list[Notification]:
    ctx.session.expire_all()
    return list(ctx.session.execute(select(Notification).where(
        Notification.kind == kind).order_by(Notification.id)).scalars())


@pytest.fixture
def desk(ctx, make):
    """An intake officer, a colleague in another queue, and one implicated in the case that
    is then lodged in the intake queue."""
    accused = make.person()
    officer = make.user(queues=("intake",))
    elsewhere = make.user(queues=("hr",))
    implicated = make.user(queues=("intake",), person_id=accused)
    lodged = make.lodge(implicated=[accused])
    assert lodged.case.queue == "intake"
    return lodged, officer, elsewhere, implicated


def test_a_new_report_reaches_its_queue_and_never_the_person_implicated(ctx, make, desk):
    lodged, officer, elsewhere, implicated = desk
    assert seen(ctx, make, officer) == ["new_report"]
    [item] = inbox.items(ctx, make.actor(officer))
    assert (item.reference, item.read) == (lodged.reference, False)
    assert seen(ctx, make, elsewhere) == []
    assert seen(ctx, make, implicated) == []
    stored = ctx.session.execute(select(InboxItem.user_id)).scalars().all()
    assert implicated.id not in stored and elsewhere.id not in stored


def test_a_reporter_s_message_and_evidence_reach_the_handlers_not_the_sender(ctx, make, desk):
    lodged, officer, _, implicated = desk
    post_message(ctx, Reporter(lodged.case.id), None, "I have more to say")
    accept_evidence(ctx, Reporter(lodged.case.id), None, "photo.jpg", samples.jpeg())
    assert seen(ctx, make, officer) == ["new_report", "reporter_message", "reporter_evidence"]
    post_message(ctx, make.actor(officer), lodged.reference, "Thank you")
    assert seen(ctx, make, officer) == ["new_report", "reporter_message", "reporter_evidence"]
    assert seen(ctx, make, implicated) == []
    assert inbox.unread_count(ctx, make.actor(officer)) == 3


def test_an_assignment_tells_the_person_assigned_only(ctx, make, desk):
    lodged, officer, _, _ = desk
    investigator = make.user(roles=("investigator",), queues=("hr",))
    assign(ctx, make.actor(officer), lodged.reference, investigator.id, "investigator")
    assert seen(ctx, make, investigator) == ["assigned"]
    assert seen(ctx, make, officer) == ["new_report"]


def test_losing_access_takes_the_items_away_and_reading_one_is_404(ctx, make, desk):
    lodged, officer, _, _ = desk
    [item] = inbox.items(ctx, make.actor(officer))
    colleague = make.user(queues=("intake",))
    post_message(ctx, Reporter(lodged.case.id), None, "Any news?")
    assert seen(ctx, make, colleague) == ["reporter_message"]
    recuse(ctx, make.actor(colleague), lodged.reference, "a conflict")
    assert seen(ctx, make, colleague) == [] and inbox.unread_count(ctx, make.actor(colleague)) == 0
    assert inbox.unread_references(ctx, make.actor(colleague)) == frozenset()
    person = make.person()
    officer.person_id = person
    add_implicated(ctx, make.actor(make.user(queues=("intake",))), lodged.reference,
                   [ImplicatedInput(person_id=person)])
    with pytest.raises(NotFound):
        inbox.mark_read(ctx, make.actor(officer), item.id)
    assert inbox.items(ctx, make.actor(officer)) == []


def test_someone_else_s_item_is_not_there(ctx, make, desk):
    _, officer, elsewhere, _ = desk
    [item] = inbox.items(ctx, make.actor(officer))
    with pytest.raises(NotFound):
        inbox.mark_read(ctx, make.actor(elsewhere), item.id)
    assert inbox.mark_read(ctx, make.actor(officer), item.id).read is True
    assert inbox.items(ctx, make.actor(officer))[0].read is True
    assert inbox.unread_count(ctx, make.actor(officer)) == 0


def test_opening_the_case_reads_its_items_for_that_person_only(ctx, make, desk):
    lodged, officer, _, _ = desk
    colleague = make.user(queues=("intake",))
    post_message(ctx, Reporter(lodged.case.id), None, "Hello again")
    other = make.lodge()
    me = make.actor(officer)
    assert inbox.unread_references(ctx, me) == {lodged.reference, other.reference}
    assert inbox.open_case_items(ctx, me, lodged.case) == ["new_report", "reporter_message"]
    assert inbox.unread_references(ctx, me) == {other.reference}
    assert inbox.open_case_items(ctx, me, lodged.case) == []
    assert inbox.unread_references(ctx, make.actor(colleague)) == {lodged.reference,
                                                                  other.reference}


def test_items_carry_no_content(ctx, make, desk):
    lodged, officer, _, _ = desk
    post_message(ctx, Reporter(lodged.case.id), None, "The secret word is marmalade")
    for row in ctx.session.execute(select(InboxItem)).scalars():
        assert "marmalade" not in repr(vars(row)) and "Details" not in row.dedupe_key


def test_a_pending_grant_is_in_the_approvers_inbox_until_decided(ctx, make):
    ce = make.person(roles=("chief_executive",))
    admin = make.staff(("admin",), (), person_id=ce)
    second = make.user(("admin",), ())
    invited = accounts.invite_user(ctx, admin, accounts.NewAccount(
        email="new@x.example", name="New", roles=("intake",), queues=("hr",)))
    [grant] = grants.list_grants(ctx, make.actor(second))
    assert seen(ctx, make, second) == ["grant_pending"]
    [item] = inbox.items(ctx, make.actor(second))
    assert item.reference is None
    assert seen(ctx, make, invited.user) == []
    grants.decide(ctx, make.actor(second), grant.id, approve=True)
    assert inbox.unread_count(ctx, make.actor(second)) == 0


def test_deadlines_come_from_the_reminders_run_once_each(ctx, make, desk, clock):
    lodged, officer, _, implicated = desk
    clock.now = clock.now + timedelta(days=30)
    send_reminders(ctx)
    send_reminders(ctx)
    assert seen(ctx, make, officer, lodged.case).count("overdue") >= 1
    assert len(set(seen(ctx, make, officer, lodged.case))) == 2  # new_report, overdue
    assert seen(ctx, make, implicated) == []
    overdue = ctx.session.execute(select(InboxItem).where(InboxItem.kind == "overdue")).scalars()
    assert len({i.dedupe_key for i in overdue}) == len(seen(ctx, make, officer, lodged.case)) - 1


def test_a_zero_tolerance_report_is_in_the_head_s_inbox_as_escalated(session, runtime):
    ctx = Context(session, replace(runtime, pack=load_pack("nz-public-service", runtime.routes)))
    make = Factories(ctx)
    ce = make.person("Chief Executive", roles=("chief_executive",))
    ce_user = make.user(roles=("intake",), queues=("chief_executive",), person_id=ce)
    case = make.lodge(category="child_abuse").case
    assert "escalated" in seen(ctx, make, ce_user, case)
    assert "new_report" in seen(ctx, make, ce_user, case)
    assert "referral_due" in seen(ctx, make, ce_user, case)  # a possible offence


def test_a_case_moved_at_triage_reaches_its_new_queue_not_the_one_who_moved_it(ctx, make, desk):
    lodged, officer, elsewhere, _ = desk
    triage(ctx, make.actor(officer), lodged.reference, lodged.case.version,
           "It is about a manager's conduct", queue="hr")
    assert seen(ctx, make, elsewhere) == ["case_moved"]
    assert seen(ctx, make, officer) == []  # moved out of their reach: its item is gone too


def test_other_steps_of_the_reporter_are_updates(ctx, make, desk):
    lodged, officer, _, _ = desk
    fire_transition(ctx, Reporter(lodged.case.id), None, "withdraw", lodged.case.version, {})
    assert seen(ctx, make, officer) == ["new_report", "reporter_update"]


def test_email_at_once_is_one_content_free_email_while_one_waits(ctx, make, desk):
    lodged, officer, _, _ = desk
    assert inbox.email_choice(ctx, officer.id) == "daily"
    inbox.set_email_choice(ctx, make.actor(officer), "immediate")
    post_message(ctx, Reporter(lodged.case.id), None, "One")
    post_message(ctx, Reporter(lodged.case.id), None, "Two")
    [sent] = outbox(ctx, "inbox_new")
    assert (sent.user_id, sent.case_id, sent.params) == (officer.id, lodged.case.id, {})
    sent.status = "sent"
    post_message(ctx, Reporter(lodged.case.id), None, "Three")
    assert len(outbox(ctx, "inbox_new")) == 2
    letter = compose("inbox_new", {}, "https://cw.example")
    assert "/staff/inbox" in letter.body and lodged.reference not in letter.body
    with pytest.raises(Invalid):
        inbox.set_email_choice(ctx, make.actor(officer), "hourly")


def test_the_daily_digest_counts_new_items_once_a_day(ctx, make, desk, clock):
    lodged, officer, _, _ = desk
    quiet = make.user(queues=("intake",))
    inbox.set_email_choice(ctx, make.actor(quiet), "none")
    post_message(ctx, Reporter(lodged.case.id), None, "More")
    run = inbox.send_digests(ctx)
    [digest] = outbox(ctx, "inbox_digest")
    assert (digest.user_id, digest.params) == (officer.id, {"count": 2})
    assert (run.people, run.items) == (1, 2)
    assert outbox(ctx, "inbox_new") == []
    assert inbox.send_digests(ctx).people == 0  # once a day
    clock.now = clock.now + timedelta(days=1)
    assert inbox.send_digests(ctx).people == 0  # nothing new since
    post_message(ctx, Reporter(lodged.case.id), None, "Still there?")
    assert inbox.send_digests(ctx).items == 1
    letter = compose("inbox_digest", {"count": 3}, "https://cw.example")
    assert "You have 3 new items in Casework" in letter.body
    assert lodged.reference not in letter.body


def test_an_item_is_dated_when_it_happened(ctx, make, desk, clock):
    _, officer, _, _ = desk
    [item] = inbox.items(ctx, make.actor(officer))
    assert item.at == clock.now.astimezone(UTC)
