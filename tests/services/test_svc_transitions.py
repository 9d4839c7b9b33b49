"""Firing transitions through the services: versions, replay, refusals, clocks and conflicts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from casework.models import Assignment, Case, CaseClock, CaseEvent
from casework.services.access import Reporter, open_case
from casework.services.assignments import assign, recuse
from casework.services.errors import Conflict, Forbidden, Invalid, NotFound, StaleVersion
from casework.services.transitions import allowed_for, fire_transition, snapshot_of
from casework.services.views import case_view, list_cases
from casework.workflow.engine import replay
from tests.factories import FIELDS

INFORMAL = {"admitted": True, "reporter_satisfied": True, "confirmed_how": "phone"}


def transition_events(ctx, case) -> list[CaseEvent]:
    return list(ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "transition")
        .order_by(CaseEvent.seq)).scalars())


def handler_of(make, case):
    return make.staff(roles=("intake", "investigator", "decision_maker"), queues=(case.queue,))


# Optimistic locking.

def test_a_stale_version_is_refused_and_changes_nothing(ctx, make):
    case = make.case("disclosure", path=["acknowledge"])
    handler = handler_of(make, case)
    stale = case.version - 1
    with pytest.raises(StaleVersion) as info:
        fire_transition(ctx, handler, case.reference, "accept_for_investigation", stale,
                        FIELDS["accept_for_investigation"])
    assert info.value.status == 409 and info.value.code == "stale_version"
    assert case.state == "assessment" and len(transition_events(ctx, case)) == 1


def test_a_change_committed_by_someone_else_after_loading_is_a_stale_version(ctx, make):
    """The version check in SQL catches a writer who got in between our read and our write."""
    case = make.case("disclosure")
    handler = handler_of(make, case)
    loaded_version = case.version
    # Another writer bumps the row behind the ORM's back; our loaded object still says v1.
    ctx.session.execute(update(Case).where(Case.id == case.id)
                        .values(version=Case.version + 1)
                        .execution_options(synchronize_session=False))
    with pytest.raises(StaleVersion):
        fire_transition(ctx, handler, case.reference, "acknowledge", loaded_version)


def test_each_transition_bumps_the_version_and_adds_one_event(ctx, make):
    case = make.case("disclosure")
    handler = handler_of(make, case)
    for key in ["acknowledge", "accept_for_investigation", "record_findings"]:
        before = case.version
        fire_transition(ctx, handler, case.reference, key, before, FIELDS.get(key, {}))
        assert case.version > before
    assert [e.transition for e in transition_events(ctx, case)] == [
        "acknowledge", "accept_for_investigation", "record_findings"]


# Replaying the stored events gives the cached state.

PATHS = [
    ("disclosure", []),
    ("disclosure", ["acknowledge"]),
    ("disclosure", ["acknowledge", "accept_for_investigation", "record_findings"]),
    ("disclosure", ["acknowledge", "accept_for_investigation", "record_findings",
                    "record_action", "give_feedback"]),
    ("disclosure", ["acknowledge", "refer"]),
    ("disclosure", ["acknowledge", "no_further_action"]),
    ("disclosure", ["withdraw"]),
    ("disclosure", ["acknowledge", "accept_for_investigation", "withdraw"]),
    ("harassment", ["acknowledge", "choose_self_help", "resolved"]),
    ("harassment", ["acknowledge", "choose_self_help", "not_resolved", "choose_informal",
                    "resolved"]),
    ("harassment", ["acknowledge", "choose_informal", "not_resolved", "choose_formal",
                    "decide_to_investigate", "record_findings", "record_action"]),
    ("harassment", ["acknowledge", "choose_formal", "decline_investigation"]),
    ("harassment", ["acknowledge", "choose_formal", "external_route"]),
]


@pytest.mark.parametrize("route, path", PATHS, ids=[f"{r}:{'-'.join(p) or 'lodged'}"
                                                   for r, p in PATHS])
def test_replaying_stored_events_gives_the_cached_state(ctx, make, route, path):
    case = make.case(route)
    handler = handler_of(make, case)
    for key in path:
        fields = INFORMAL if (key, case.state) == ("resolved", "informal") else FIELDS.get(key)
        fire_transition(ctx, handler, case.reference, key, case.version, fields or {})
    events = transition_events(ctx, case)
    assert [e.transition for e in events] == path
    steps = [(e.transition, e.from_state, e.facts) for e in events]
    replayed = replay(ctx.route(route), steps)
    assert (replayed.state, replayed.outcome) == (case.state, case.outcome)
    assert replayed.facts == snapshot_of(ctx, case).facts
    assert all("reason" not in e.facts and "message" not in e.facts for e in events)
    assert [e.to_state for e in events[:-1]] == [e.from_state for e in events[1:]]
    if ctx.route(route).is_final(case.state):
        assert case.closed_at == ctx.now
        assert not [c.name for c in case.clocks if c.status == "running"]  # none left running


def test_confidential_fields_are_sealed_on_the_event(ctx, make):
    case = make.case("disclosure", path=["acknowledge"])
    fire_transition(ctx, handler_of(make, case), case.reference, "no_further_action",
                    case.version, {"reason": "outside our remit entirely"})
    event = transition_events(ctx, case)[-1]
    assert b"outside our remit" not in event.fields_ct
    assert ctx.vault(case).open_json("event", event.id, event.fields_ct) == {
        "reason": "outside our remit entirely"}


# Refusals map to domain errors.

def test_a_reporter_may_not_acknowledge(ctx, make):
    case = make.case("disclosure")
    with pytest.raises(Forbidden) as info:
        fire_transition(ctx, Reporter(case.id), case.reference, "acknowledge", case.version)
    assert info.value.status == 403


def test_a_handler_may_not_record_findings(ctx, make):
    case = make.case("disclosure", path=["acknowledge", "accept_for_investigation"])
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    with pytest.raises(Forbidden):
        fire_transition(ctx, handler, case.reference, "record_findings", case.version,
                        FIELDS["record_findings"])


def test_a_transition_from_the_wrong_state_is_a_conflict(ctx, make):
    case = make.case("disclosure", path=["acknowledge"])
    with pytest.raises(Conflict) as info:
        fire_transition(ctx, handler_of(make, case), case.reference, "acknowledge",
                        case.version)
    assert info.value.status == 409 and not isinstance(info.value, StaleVersion)


def test_a_closed_case_refuses_withdrawal(ctx, make):
    case = make.case("disclosure", path=["withdraw"])
    with pytest.raises(Conflict):
        fire_transition(ctx, handler_of(make, case), case.reference, "withdraw", case.version)


def test_missing_or_bad_fields_are_invalid_and_named(ctx, make):
    case = make.case("disclosure", path=["acknowledge"])
    handler = handler_of(make, case)
    with pytest.raises(Invalid) as info:
        fire_transition(ctx, handler, case.reference, "accept_for_investigation",
                        case.version, {"protected": "yes"})
    assert info.value.status == 422
    assert set(info.value.fields) == {"protected", "reason"}
    with pytest.raises(Invalid) as info:
        fire_transition(ctx, handler, case.reference, "no_such_step", case.version)
    assert "transition" in info.value.fields
    assert case.state == "assessment"


def test_someone_outside_the_queue_gets_not_found(ctx, make):
    case = make.case("disclosure")
    outsider = make.staff(roles=("intake",), queues=("hr",))
    with pytest.raises(NotFound):
        fire_transition(ctx, outsider, case.reference, "acknowledge", case.version)


# Clocks.

def clock_row(ctx, case, name) -> CaseClock | None:
    return ctx.session.execute(select(CaseClock).where(
        CaseClock.case_id == case.id, CaseClock.name == name)).scalar_one_or_none()


def test_the_acknowledge_clock_starts_at_lodging(ctx, make, clock):
    case = make.case("disclosure")
    ack = clock_row(ctx, case, "acknowledge")
    assert (ack.status, ack.started_on, ack.due_on) == ("running", date(2026, 3, 2),
                                                        date(2026, 3, 9))
    feedback = clock_row(ctx, case, "feedback")  # from the end of the seven days
    assert (feedback.status, feedback.due_on) == ("running", date(2026, 6, 9))


@pytest.mark.parametrize("days_later, status", [(0, "met"), (7, "met"), (8, "missed"),
                                                (30, "missed")])
def test_acknowledging_stops_the_clock_met_or_missed(ctx, make, clock, days_later, status):
    case = make.case("disclosure")
    clock.now += timedelta(days=days_later)
    fire_transition(ctx, handler_of(make, case), case.reference, "acknowledge", case.version)
    ack = clock_row(ctx, case, "acknowledge")
    assert (ack.status, ack.stopped_on) == (status, clock.now.date())
    feedback = clock_row(ctx, case, "feedback")
    # Three months from the acknowledgement, or from the seventh day if that came first.
    counted_from = min(clock.now.date(), date(2026, 3, 9))
    assert feedback.status == "running"
    assert feedback.due_on == date(2026, 6, counted_from.day)


def test_an_unacknowledged_case_shows_as_overdue(ctx, make, clock):
    case = make.case("disclosure")
    officer = handler_of(make, case)
    clock.now += timedelta(days=8)
    view = case_view(ctx, officer, case.reference)
    assert {c.name: c.status for c in view.clocks} == {"acknowledge": "overdue",
                                                       "feedback": "running"}
    assert [i["reference"] for i in list_cases(ctx, officer, overdue=True).items] == [
        case.reference]


def test_harassment_acknowledge_clock_counts_working_days(ctx, make, clock):
    clock.now = clock.now.replace(day=6)  # Friday 6 March 2026
    case = make.case("harassment")
    assert clock_row(ctx, case, "acknowledge").due_on == date(2026, 3, 13)


# Assignment and recusal.

def test_assigning_an_implicated_user_is_a_conflict(ctx, make):
    person = make.person("Accused Investigator")
    case = make.case("disclosure", implicated=[person])
    accused = make.user(roles=("investigator",), queues=(), person_id=person)
    with pytest.raises(Conflict) as info:
        assign(ctx, handler_of(make, case), case.reference, accused.id)
    assert info.value.status == 409
    assert not ctx.session.execute(select(Assignment).where(
        Assignment.case_id == case.id)).first()


def test_assigning_a_recused_user_is_a_conflict(ctx, make):
    case = make.case("disclosure")
    handler = handler_of(make, case)
    investigator = make.user(roles=("investigator",), queues=())
    assign(ctx, handler, case.reference, investigator.id)
    recuse(ctx, make.actor(investigator), case.reference, "my brother-in-law")
    with pytest.raises(Conflict):
        assign(ctx, handler, case.reference, investigator.id)


def test_recusal_removes_access_at_once(ctx, make):
    case = make.case("disclosure", path=["acknowledge", "accept_for_investigation"])
    handler = handler_of(make, case)
    investigator = make.user(roles=("investigator",), queues=())
    inv = make.actor(investigator)
    assign(ctx, handler, case.reference, investigator.id)
    assert [t.key for t in allowed_for(ctx, inv, open_case(ctx, inv, case.reference))
            ] == ["record_findings"]

    recuse(ctx, inv, case.reference, "I know the reporter")
    with pytest.raises(NotFound):
        open_case(ctx, inv, case.reference)
    with pytest.raises(NotFound):
        fire_transition(ctx, inv, case.reference, "record_findings", case.version,
                        FIELDS["record_findings"])
    assert case.reference not in {i["reference"] for i in list_cases(ctx, inv).items}
    assignment = ctx.session.execute(select(Assignment).where(
        Assignment.case_id == case.id, Assignment.user_id == investigator.id)).scalar_one()
    assert assignment.ended_at == ctx.now


def test_a_queue_member_who_recuses_loses_the_queue_route_too(ctx, make):
    case = make.case("disclosure")
    member = make.staff(roles=("intake",), queues=(case.queue,))
    recuse(ctx, member, case.reference, "conflict of interest")
    with pytest.raises(NotFound):
        open_case(ctx, member, case.reference)
    with pytest.raises(NotFound):
        recuse(ctx, member, case.reference, "again")
