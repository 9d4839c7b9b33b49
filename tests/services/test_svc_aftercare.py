"""Aftercare: check-ins after a case closes; a "yes" opens a linked case routed by the same
rules, and the first case's handlers hear that it happened, never what the reporter wrote."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework.models import AuditEvent, Case, CaseEvent, CheckIn, Notification
from casework.services.access import Reporter
from casework.services.aftercare import answer_checkin, notify_due_checkins, reporter_checkins
from casework.services.assignments import assign
from casework.services.auth import reporter_sign_in
from casework.services.content import post_message
from casework.services.errors import Conflict, Invalid, NotFound
from casework.services.routing import party_details
from casework.services.transitions import fire_transition
from tests.factories import FIELDS

WORDS = "My manager moved me to night shifts the week after"


def boss_of(make, case):
    return make.staff(roles=("intake", "investigator", "decision_maker"), queues=(case.queue,))


def closed_case(ctx, make, **kwargs):
    """A disclosure, assigned to a handler, then withdrawn (closed) on 2 March 2026."""
    case = make.lodge(**kwargs).case
    boss = boss_of(make, case)
    handler = make.user(roles=("intake",), queues=(case.queue,))
    assign(ctx, boss, case.reference, handler.id, "handler")
    fire_transition(ctx, boss, case.reference, "withdraw", case.version, FIELDS["withdraw"])
    return case, handler


def checkins(session, case) -> list[CheckIn]:
    return list(session.execute(select(CheckIn).where(CheckIn.case_id == case.id)
                                .order_by(CheckIn.due_on)).scalars())


def test_closing_a_case_schedules_the_packs_check_ins(ctx, make, session):
    case, _ = closed_case(ctx, make)
    assert [c.due_on for c in checkins(session, case)] == [
        date(2026, 4, 2), date(2026, 6, 2), date(2026, 9, 2)]


def test_an_open_case_has_no_check_ins(ctx, make, session):
    case = make.case(path=("acknowledge",))
    assert checkins(session, case) == []


def test_the_reporter_sees_a_check_in_only_once_it_is_due(ctx, make, clock):
    case, _ = closed_case(ctx, make)
    reporter = Reporter(case.id)
    assert reporter_checkins(ctx, reporter) == []
    clock.now += timedelta(days=31)
    due = reporter_checkins(ctx, reporter)
    assert [(c.due_on, c.answered_at) for c in due] == [(date(2026, 4, 2), None)]


def test_no_is_recorded_and_opens_nothing(ctx, make, clock, session):
    case, _ = closed_case(ctx, make)
    clock.now += timedelta(days=31)
    checkin = reporter_checkins(ctx, Reporter(case.id))[0]
    before = session.execute(select(Case.id)).all()
    assert answer_checkin(ctx, Reporter(case.id), checkin.id, False) is None
    row = session.get(CheckIn, checkin.id)
    assert (row.detriment, row.answered_at, row.follow_up_case_id) == (False, clock.now, None)
    assert session.execute(select(Case.id)).all() == before
    with pytest.raises(Conflict):
        answer_checkin(ctx, Reporter(case.id), checkin.id, True, WORDS)


def test_yes_opens_a_linked_case_routed_by_the_same_rules(ctx, make, clock, session):
    chief = make.person("Chief Exec", roles=("chief_executive",))
    case, handler = closed_case(ctx, make, implicated=[chief], anonymous=False)
    assert case.queue == "monitoring_officer"
    clock.now += timedelta(days=31)
    checkin = reporter_checkins(ctx, Reporter(case.id))[0]
    lodged = answer_checkin(ctx, Reporter(case.id), checkin.id, True, WORDS)
    follow_up = lodged.case
    assert follow_up.follows_case_id == case.id
    assert (follow_up.route, follow_up.category) == (
        case.route, ctx.runtime.pack.aftercare_categories[case.route])
    assert follow_up.queue == "monitoring_officer"  # the Chief Executive is still implicated
    assert not follow_up.anonymous
    assert party_details(ctx, follow_up, "reporter")[0][1]["email"] == "rep@example.org"
    content = ctx.vault(follow_up).open_json("case", follow_up.id, follow_up.content_ct)
    assert content["details"] == WORDS
    assert session.get(CheckIn, checkin.id).follow_up_case_id == follow_up.id
    # The reporter's new receipt opens the new case.
    assert reporter_sign_in(ctx, lodged.reference, lodged.receipt).case_id == follow_up.id


def test_the_first_cases_handlers_hear_of_it_without_the_words(ctx, make, clock, session):
    case, handler = closed_case(ctx, make)
    clock.now += timedelta(days=31)
    checkin = reporter_checkins(ctx, Reporter(case.id))[0]
    lodged = answer_checkin(ctx, Reporter(case.id), checkin.id, True, WORDS)
    told = session.execute(select(Notification).where(
        Notification.kind == "aftercare_followup")).scalars().all()
    assert handler.id in {n.user_id for n in told}
    assert all(n.case_id == case.id and n.params == {} for n in told)
    marker = session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "detriment_reported")).scalar_one()
    assert marker.facts == {"follow_up": lodged.reference}
    audit = session.execute(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.kind == "case:checkin:answer")).scalar_one()
    assert WORDS not in str(audit.details) and audit.details["detriment"] is True


def test_yes_needs_the_reporters_words_and_a_real_answer(ctx, make, clock):
    case, _ = closed_case(ctx, make)
    clock.now += timedelta(days=31)
    checkin = reporter_checkins(ctx, Reporter(case.id))[0]
    with pytest.raises(Invalid) as no_words:
        answer_checkin(ctx, Reporter(case.id), checkin.id, True, "  ")
    assert set(no_words.value.fields) == {"details"}
    with pytest.raises(Invalid) as not_bool:
        answer_checkin(ctx, Reporter(case.id), checkin.id, "yes")
    assert set(not_bool.value.fields) == {"detriment"}


def test_a_check_in_is_only_its_reporters_and_only_once_due(ctx, make, clock, session):
    case, _ = closed_case(ctx, make)
    other, _ = closed_case(ctx, make)
    early = checkins(session, case)[0]
    with pytest.raises(NotFound):
        answer_checkin(ctx, Reporter(case.id), early.id, False)  # not due yet
    clock.now += timedelta(days=31)
    with pytest.raises(NotFound):
        answer_checkin(ctx, Reporter(other.id), early.id, False)


def test_a_reporter_who_asked_is_emailed_once_when_a_check_in_is_due(ctx, make, clock,
                                                                     session):
    case, _ = closed_case(ctx, make, anonymous=False, notify_by_email=True)
    anonymous, _ = closed_case(ctx, make)
    clock.now += timedelta(days=31)
    assert notify_due_checkins(ctx) == 1
    assert notify_due_checkins(ctx) == 0
    rows = session.execute(select(Notification).where(
        Notification.kind == "reporter_update")).scalars().all()
    assert {n.case_id for n in rows} >= {case.id}
    assert anonymous.id not in {n.case_id for n in rows}


def test_a_staff_message_tells_a_reporter_who_asked(ctx, make, session):
    named = make.lodge(anonymous=False, notify_by_email=True).case
    quiet = make.lodge(anonymous=False).case
    for case in (named, quiet):
        post_message(ctx, boss_of(make, case), case.reference, "Could you tell us more?")
    told = {n.case_id for n in session.execute(select(Notification).where(
        Notification.recipient_kind == "reporter")).scalars()}
    assert named.id in told and quiet.id not in told


def test_email_updates_need_a_name_and_an_address(make):
    with pytest.raises(Invalid) as refused:
        make.lodge(anonymous=True, notify_by_email=True)
    assert set(refused.value.fields) == {"notify_by_email"}
