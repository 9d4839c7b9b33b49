"""How a case's deadlines ended is kept on the case as its clocks stop, so statistics count
"deadlines met" in the same pass as everything else; the kept fact always agrees with the
clocks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, func, select

from casework.models import Case, CaseClock
from casework.services.transitions import fire_transition
from tests.services.test_svc_aftercare import boss_of


def ended(ctx, reference: str) -> int:
    ctx.session.expire_all()
    return ctx.session.execute(select(Case.deadlines_ended)
                               .where(Case.reference == reference)).scalar_one()


def from_clocks(ctx, reference: str) -> int:
    worst = func.max(case((CaseClock.status == "missed", 2), (CaseClock.status == "met", 1),
                          else_=0))
    return ctx.session.execute(select(func.coalesce(worst, 0)).select_from(Case)
                               .outerjoin(CaseClock, CaseClock.case_id == Case.id)
                               .where(Case.reference == reference)).scalar_one()


def test_a_new_case_has_no_deadline_ended(ctx, make):
    lodged = make.lodge()
    assert ended(ctx, lodged.reference) == from_clocks(ctx, lodged.reference) == 0


def test_acknowledged_in_time_is_met_and_late_is_missed(ctx, make, clock):
    on_time, late = make.lodge().case, make.lodge().case
    fire_transition(ctx, boss_of(make, on_time), on_time.reference, "acknowledge",
                    on_time.version)
    assert ended(ctx, on_time.reference) == from_clocks(ctx, on_time.reference) == 1
    clock.now += timedelta(days=60)
    fire_transition(ctx, boss_of(make, late), late.reference, "acknowledge", late.version)
    assert ended(ctx, late.reference) == from_clocks(ctx, late.reference) == 2


def test_closing_a_case_late_records_the_missed_deadline(ctx, make, clock):
    case_ = make.case(path=["acknowledge"])
    assert ended(ctx, case_.reference) == 1
    clock.now += timedelta(days=400)  # every later deadline has passed
    fire_transition(ctx, boss_of(make, case_), case_.reference, "no_further_action",
                    case_.version, {"reason": "Nothing to act on.",
                                    "reporter_reason": "Nothing we can act on."})
    assert ended(ctx, case_.reference) == from_clocks(ctx, case_.reference) == 2
