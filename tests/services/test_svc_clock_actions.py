"""Clocks on real cases: counted in the organisation's days, paused and resumed, extended,
stopped by milestones, and the EU feedback clock counted from the end of acknowledgement."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from casework.models import CaseEvent
from casework.services.clocks import (
    clock_actions,
    extend_clock,
    milestones_for,
    pause_clock,
    record_milestone,
    resume_clock,
)
from casework.services.context import Context
from casework.services.errors import Conflict, Forbidden, Invalid, NotFound
from casework.services.transitions import fire_transition
from casework.workflow.policy import load_pack
from tests.factories import FIELDS, Factories


@pytest.fixture
def with_pack(session, runtime):
    """A context and factories under another policy pack."""
    def build(name: str) -> tuple[Context, Factories]:
        ctx = Context(session, replace(runtime, pack=load_pack(name, runtime.routes)))
        return ctx, Factories(ctx)
    return build


def clocks_of(case) -> dict[str, tuple[str, date]]:
    return {c.name: (c.status, c.due_on) for c in case.clocks}


def events(session, case) -> list[CaseEvent]:
    return list(session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                .order_by(CaseEvent.seq)).scalars())


def handler(make: Factories, case):
    return make.staff(roles=("intake", "investigator", "decision_maker"), queues=(case.queue,))


# --- the EU directive's feedback clock ------------------------------------------------------


def test_feedback_counts_three_months_from_an_early_acknowledgement(ctx, make, clock):
    case = make.lodge().case  # Monday 2 March 2026
    assert clocks_of(case)["feedback"] == ("running", date(2026, 6, 9))  # from the 7 days' end
    clock.now += timedelta(days=2)
    fire_transition(ctx, handler(make, case), case.reference, "acknowledge", case.version)
    assert clocks_of(case) == {"acknowledge": ("met", date(2026, 3, 9)),
                               "feedback": ("running", date(2026, 6, 4))}


def test_a_late_acknowledgement_does_not_give_more_time_for_feedback(ctx, make, clock):
    case = make.lodge().case
    clock.now += timedelta(days=20)
    fire_transition(ctx, handler(make, case), case.reference, "acknowledge", case.version)
    assert clocks_of(case) == {"acknowledge": ("missed", date(2026, 3, 9)),
                               "feedback": ("running", date(2026, 6, 9))}


# --- the organisation's calendar ------------------------------------------------------------


def test_a_clock_starts_on_the_organisations_day_not_utcs(with_pack, clock):
    ctx, make = with_pack("nz-public-service")
    clock.now = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)  # 01:30 on Tuesday 3 March in NZ
    case = make.lodge().case
    deal_with = next(c for c in case.clocks if c.name == "deal_with")
    assert deal_with.started_on == date(2026, 3, 3)
    assert deal_with.due_on == date(2026, 3, 31)  # 20 working days, Wellington's calendar


def test_new_zealands_closed_period_is_not_counted(with_pack, clock):
    ctx, make = with_pack("nz-public-service")
    clock.now = datetime(2026, 12, 20, 21, 0, tzinfo=UTC)  # 10:00 on Monday 21 December in NZ
    case = make.lodge().case
    # 20 working days as the Legislation Act 2019, s 13 counts them: 22-24 December (3);
    # 25 December to 2 January closed; Monday 4 January (the day after New Year's Day,
    # observed) is a working day under the Act, so 4-8 (8), 11-15 (13), 18-22 January (18);
    # Monday 25 January (Wellington Anniversary Day, not in the Act's list) and Tuesday 26th.
    # Wellington's whole holiday calendar would give Thursday 28th; without the closed period,
    # Friday 22nd.
    assert clocks_of(case)["deal_with"] == ("running", date(2027, 1, 26))
    assert case.next_due_on == date(2027, 1, 26)


# --- pause and resume -----------------------------------------------------------------------


def test_pausing_stops_the_count_and_resuming_gives_the_days_back(with_pack, clock):
    ctx, make = with_pack("canada-federal")
    case = make.lodge("harassment").case
    boss = handler(make, case)
    assert clocks_of(case)["complete_resolution"] == ("running", date(2027, 3, 2))
    clock.now += timedelta(days=8)
    pause_clock(ctx, boss, case.reference, "complete_resolution", "Police inquiry under way")
    paused = next(c for c in case.clocks if c.name == "complete_resolution")
    assert (paused.status, paused.paused_on) == ("paused", date(2026, 3, 10))
    assert case.next_due_on != paused.due_on
    clock.now += timedelta(days=10)
    resume_clock(ctx, boss, case.reference, "complete_resolution")
    assert (paused.status, paused.paused_on) == ("running", None)
    assert paused.due_on == date(2027, 3, 12)  # ten days later: a Friday
    kinds = [e.kind for e in events(ctx.session, case)]
    assert kinds[-2:] == ["clock_paused", "clock_resumed"]


def test_a_pause_over_the_closed_period_gives_back_only_working_days(session, runtime, clock):
    nz = load_pack("nz-public-service", runtime.routes)
    pausable = tuple(replace(c, pausable=True) if c.name == "deal_with" else c for c in nz.clocks)
    ctx = Context(session, replace(runtime, pack=replace(nz, clocks=pausable)))
    make = Factories(ctx)
    clock.now = datetime(2026, 12, 20, 21, 0, tzinfo=UTC)  # Monday 21 December in NZ
    case = make.lodge().case
    boss = handler(make, case)
    assert clocks_of(case)["deal_with"] == ("running", date(2027, 1, 26))
    clock.now += timedelta(days=2)  # Wednesday 23 December
    pause_clock(ctx, boss, case.reference, "deal_with", "Waiting for the discloser")
    clock.now += timedelta(days=14)  # Wednesday 6 January 2027
    resume_clock(ctx, boss, case.reference, "deal_with")
    # Given back: 24 December and 4, 5, 6 January (not 25 December to 2 January). Four working
    # days after Tuesday 26 January is Monday 1 February; seven would be Thursday 4 February.
    assert clocks_of(case)["deal_with"] == ("running", date(2027, 2, 1))


def test_the_reason_for_a_pause_is_sealed(with_pack, session):
    ctx, make = with_pack("canada-federal")
    case = make.lodge("harassment").case
    pause_clock(ctx, handler(make, case), case.reference, "complete_resolution",
                "The respondent is on sick leave")
    event = session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "clock_paused")).scalar_one()
    assert event.fields_ct is not None and b"sick leave" not in event.fields_ct
    assert "sick leave" not in str(event.facts)
    assert ctx.vault(case).open_json("event", event.id, event.fields_ct) == {
        "reason": "The respondent is on sick leave"}


def test_a_statutory_clock_without_pauses_cannot_be_paused(ctx, make):
    case = make.lodge().case
    with pytest.raises(Conflict):
        pause_clock(ctx, handler(make, case), case.reference, "acknowledge", "Busy")
    assert clocks_of(case)["acknowledge"][0] == "running"


def test_a_pause_needs_a_reason(with_pack):
    ctx, make = with_pack("canada-federal")
    case = make.lodge("harassment").case
    with pytest.raises(Invalid) as refused:
        pause_clock(ctx, handler(make, case), case.reference, "complete_resolution", "  ")
    assert refused.value.fields == {"reason": "required"}


def test_resuming_a_clock_that_is_not_paused_is_a_conflict(with_pack):
    ctx, make = with_pack("canada-federal")
    case = make.lodge("harassment").case
    with pytest.raises(Conflict):
        resume_clock(ctx, handler(make, case), case.reference, "complete_resolution")


def test_a_transition_that_stops_a_paused_clock_judges_it_by_its_due_date(with_pack, clock):
    ctx, make = with_pack("canada-federal")
    case = make.lodge("harassment").case
    boss = handler(make, case)
    pause_clock(ctx, boss, case.reference, "complete_resolution", "Awaiting the police")
    clock.now += timedelta(days=30)
    fire_transition(ctx, boss, case.reference, "withdraw", case.version, FIELDS["withdraw"])
    # A withdrawal ends the deadline without meeting it (docs/API.md, section 3): stopped, not met.
    assert clocks_of(case)["complete_resolution"] == ("stopped", date(2027, 3, 2))


def test_a_withdrawal_after_the_due_date_leaves_the_deadline_missed(with_pack, clock):
    ctx, make = with_pack("canada-federal")
    case = make.lodge("harassment").case
    clock.now += timedelta(days=400)
    fire_transition(ctx, handler(make, case), case.reference, "withdraw", case.version,
                    FIELDS["withdraw"])
    assert clocks_of(case)["complete_resolution"][0] == "missed"


def test_a_decision_that_closes_a_case_in_time_meets_its_deadlines(make, ctx):
    case = make.case("disclosure", path=("acknowledge", "no_further_action"))
    assert {c.status for c in case.clocks} == {"met"}
    withdrawn = make.case("disclosure", path=("acknowledge", "withdraw"))
    assert {c.name: c.status for c in withdrawn.clocks}["acknowledge"] == "met"
    assert "stopped" in {c.status for c in withdrawn.clocks}


# --- extension ------------------------------------------------------------------------------


def test_an_extension_moves_the_due_date_and_records_why(with_pack, session):
    ctx, make = with_pack("nz-public-service")
    case = make.lodge().case
    before = clocks_of(case)["deal_with"][1]
    extend_clock(ctx, handler(make, case), case.reference, "deal_with", date(2026, 5, 29),
                 "Told the discloser it will take until the end of May")
    assert clocks_of(case)["deal_with"] == ("running", date(2026, 5, 29))
    event = events(ctx.session, case)[-1]
    assert event.kind == "clock_extended"
    assert event.facts == {"clock": "deal_with", "from": before.isoformat(),
                           "to": "2026-05-29"}
    assert event.fields_ct is not None


def test_an_extension_must_be_later_than_the_current_date(with_pack):
    ctx, make = with_pack("nz-public-service")
    case = make.lodge().case
    due = clocks_of(case)["deal_with"][1]
    with pytest.raises(Invalid) as refused:
        extend_clock(ctx, handler(make, case), case.reference, "deal_with", due, "Because")
    assert set(refused.value.fields) == {"due_on"}


def test_a_deadline_that_has_passed_stays_missed(with_pack, clock):
    ctx, make = with_pack("nz-public-service")
    case = make.lodge().case
    boss = handler(make, case)
    clock.now += timedelta(days=60)
    assert not next(a for a in clock_actions(ctx, case) if a.name == "deal_with").can_extend
    with pytest.raises(Conflict):
        extend_clock(ctx, boss, case.reference, "deal_with", date(2026, 12, 1), "Too late")
    fire_transition(ctx, boss, case.reference, "acknowledge", case.version)
    fire_transition(ctx, boss, case.reference, "no_further_action", case.version,
                    {"reason": "Not a disclosure", "reporter_reason": "Not a disclosure."})
    assert clocks_of(case)["deal_with"][0] == "missed"


def test_a_clock_the_law_fixes_cannot_be_extended(ctx, make):
    case = make.lodge().case
    assert not any(a.can_extend for a in clock_actions(ctx, case))
    with pytest.raises(Conflict):
        extend_clock(ctx, handler(make, case), case.reference, "acknowledge",
                     date(2026, 4, 1), "More time")


def test_a_closed_cases_deadlines_do_not_change(with_pack):
    ctx, make = with_pack("nz-public-service")
    case = make.case(path=("withdraw",))
    with pytest.raises(Conflict):
        extend_clock(ctx, handler(make, case), case.reference, "deal_with",
                     date(2026, 12, 1), "Reopened?")


# --- milestones -----------------------------------------------------------------------------


def test_a_milestone_stops_the_clock_waiting_for_it(with_pack, clock):
    ctx, make = with_pack("vic-public-sector")
    case = make.lodge().case
    assert [m.key for m in milestones_for(ctx, case)] == ["notified_ibac"]
    clock.now += timedelta(days=10)
    record_milestone(ctx, handler(make, case), case.reference, "notified_ibac")
    assert clocks_of(case)["notify_ibac"] == ("met", date(2026, 3, 30))
    assert events(ctx.session, case)[-1].kind == "milestone"
    assert milestones_for(ctx, case) == []
    with pytest.raises(Conflict):
        record_milestone(ctx, handler(make, case), case.reference, "notified_ibac")


def test_an_unknown_milestone_is_refused_by_name(with_pack):
    ctx, make = with_pack("vic-public-sector")
    case = make.lodge().case
    with pytest.raises(Invalid) as refused:
        record_milestone(ctx, handler(make, case), case.reference, "told_the_press")
    assert set(refused.value.fields) == {"milestone"}


# --- who may ------------------------------------------------------------------------------


def test_only_those_handling_a_case_change_its_deadlines(with_pack):
    ctx, make = with_pack("nz-public-service")
    case = make.lodge().case
    auditor = make.staff(roles=("auditor",), queues=())
    with pytest.raises((Forbidden, NotFound)):
        extend_clock(ctx, auditor, case.reference, "deal_with", date(2026, 6, 1), "x")
    assert clocks_of(case)["deal_with"][0] == "running"


def test_someone_implicated_cannot_find_the_case_to_change_its_clock(with_pack):
    ctx, make = with_pack("vic-public-sector")
    person = make.person("Named Person")
    user = make.user(roles=("intake",), queues=("intake",), person_id=person)
    case = make.lodge(implicated=[person]).case
    with pytest.raises(NotFound):
        record_milestone(ctx, make.actor(user), case.reference, "notified_ibac")


def test_the_timeframe_told_to_a_discloser_is_a_clock_of_its_own(with_pack, clock):
    # NZ Protected Disclosures Act 2022 s 13(2): the 20 working days stop, and the date told to
    # the discloser starts a clock due on it, shown and reminded like every clock, met by the
    # steps that deal with the disclosure.
    from casework.services.reminders import due_clocks
    from casework.services.views import case_view
    ctx, make = with_pack("nz-public-service")
    case = make.lodge().case
    boss = handler(make, case)
    with pytest.raises(Invalid) as refused:
        record_milestone(ctx, boss, case.reference, "told_discloser_timeframe")
    assert set(refused.value.fields) == {"on"}
    with pytest.raises(Invalid):
        record_milestone(ctx, boss, case.reference, "told_discloser_timeframe",
                         on=date(2026, 3, 1))
    with pytest.raises(Invalid):  # a milestone that asks no date takes none
        record_milestone(ctx, boss, case.reference, "checked_made_elsewhere",
                         on=date(2026, 5, 1), note="Not made elsewhere.")
    told = date(2026, 5, 15)
    record_milestone(ctx, boss, case.reference, "told_discloser_timeframe", on=told)
    assert clocks_of(case)["deal_with"][0] == "met"
    assert clocks_of(case)["told_timeframe"] == ("running", told)
    assert case.next_due_on == told
    view = case_view(ctx, boss, case.reference)
    shown = next(c for c in view.clocks if c.name == "told_timeframe")
    assert (shown.label, shown.due_on) == (
        "Deal with the disclosure by the date the discloser was told", told)
    assert "extend" in shown.actions
    assert next(m for m in view.milestones_recorded
                if m.key == "told_discloser_timeframe").on == told
    clock.now = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
    assert [c.due_on for c in due_clocks(ctx, ctx.today)] == [told]
    for key in ("acknowledge", "no_further_action"):
        fire_transition(ctx, boss, case.reference, key, case.version, FIELDS.get(key, {}))
    assert clocks_of(case)["told_timeframe"] == ("met", told)
