"""Legal hold: placed and lifted by handlers with a sealed reason; retention leaves a held case
alone and purges it once the hold is lifted; a merged duplicate lives as long as its case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.models import AuditEvent, CaseEvent, User
from casework.services.errors import Conflict, Forbidden, Invalid, NotFound
from casework.services.holds import hold_history, lift_hold, place_hold
from casework.services.links import link_cases
from casework.services.retention import HeldBack, held_back, purge
from casework.services.transitions import fire_transition
from casework.services.views import case_view
from tests.factories import FIELDS

WHY = "Employment tribunal claim 2206/2026: keep everything until it is decided."
DONE = "The tribunal has decided the claim and the time to appeal has passed."


@pytest.fixture
def handler(make):
    return make.staff(roles=("intake", "investigator"), queues=("intake",))


def past_retention(ctx, clock) -> None:
    clock.now += timedelta(days=ctx.runtime.pack.retention_days + 1)


def test_a_hold_is_placed_and_lifted_with_sealed_reasons(ctx, make, handler, clock):
    case = make.lodge().case
    version = case.version
    place_hold(ctx, handler, case.reference, WHY)
    assert case.legal_hold_since == clock.now and case.version == version + 1
    with pytest.raises(Conflict, match="already"):
        place_hold(ctx, handler, case.reference, WHY)
    clock.now += timedelta(days=30)
    lift_hold(ctx, handler, case.reference, DONE)
    assert case.legal_hold_since is None
    with pytest.raises(Conflict, match="not under a legal hold"):
        lift_hold(ctx, handler, case.reference, DONE)
    events = ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind.like("hold_%"))
        .order_by(CaseEvent.seq)).scalars().all()
    assert [(e.kind, e.facts) for e in events] == [("hold_placed", {}), ("hold_lifted", {})]
    assert all(WHY.encode() not in e.fields_ct for e in events)
    name = ctx.session.get(User, handler.user_id).name
    assert [(h.placed, h.reason, h.by) for h in hold_history(ctx, case)] == [
        (True, WHY, name), (False, DONE, name)]
    labels = [t["label"] for t in case_view(ctx, handler, case.reference).timeline]
    assert labels[-2:] == ["Legal hold placed: retention will not destroy this case",
                           "Legal hold lifted: retention applies again"]
    kinds = ctx.session.execute(select(AuditEvent.kind).where(
        AuditEvent.case_id == case.id, AuditEvent.kind.like("case:hold:%"))
        .order_by(AuditEvent.seq)).scalars().all()
    assert kinds == ["case:hold:place", "case:hold:lift"]


def test_a_hold_needs_a_reason_and_a_handler(ctx, make, handler):
    case = make.lodge().case
    with pytest.raises(Invalid) as refused:
        place_hold(ctx, handler, case.reference, "  ")
    assert refused.value.fields == {"reason": "required"}
    investigator = make.staff(roles=("investigator",), queues=("intake",))
    with pytest.raises(Forbidden):
        place_hold(ctx, investigator, case.reference, WHY)
    stranger = make.staff(roles=("intake",), queues=("hr",))
    with pytest.raises(NotFound):
        place_hold(ctx, stranger, case.reference, WHY)
    assert case.legal_hold_since is None


def test_a_held_case_survives_a_purge_and_goes_once_the_hold_is_lifted(ctx, make, handler,
                                                                       clock):
    held = make.case(path=["acknowledge", "no_further_action"])
    other = make.case(path=["acknowledge", "no_further_action"])
    place_hold(ctx, handler, held.reference, WHY)  # a closed case may be held
    past_retention(ctx, clock)
    assert held_back(ctx) == HeldBack(legal_hold=1, merged=0)
    assert purge(ctx, dry_run=True) == [other.id]
    assert purge(ctx) == [other.id]
    assert (held.purged_at, held.content_ct is not None) == (None, True)
    lift_hold(ctx, handler, held.reference, DONE)
    assert held_back(ctx) == HeldBack(0, 0)
    assert purge(ctx) == [held.id]
    ctx.session.refresh(held)
    assert held.purged_at is not None and held.content_ct is None


def test_a_merged_duplicate_is_kept_while_the_case_it_joined_is(ctx, make, handler, clock):
    dup, kept = make.lodge().case, make.lodge().case
    link_cases(ctx, handler, dup.reference, kept.reference, "duplicate")
    past_retention(ctx, clock)
    assert purge(ctx) == []
    assert held_back(ctx) == HeldBack(legal_hold=0, merged=1)
    for key in ("acknowledge", "no_further_action"):
        fire_transition(ctx, handler, kept.reference, key, None, FIELDS.get(key, {}))
    assert purge(ctx, dry_run=True) == []  # the case it joined closed today: still kept
    past_retention(ctx, clock)
    assert purge(ctx) == [dup.id, kept.id]
