"""Firing a transition: access, version check, the engine's decision, events, clocks, audit."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from casework.i18n import _
from casework.models import Case, CaseEvent
from casework.services import notify
from casework.services.access import Action, Actor, Reporter, capacities, open_case
from casework.services.aftercare import schedule_checkins
from casework.services.audit import Kind
from casework.services.clocks import apply_clock_events, stop_all
from casework.services.context import Context
from casework.services.errors import Conflict, Forbidden, Invalid, StaleVersion
from casework.services.events import add_event
from casework.stats.facts import whole_days
from casework.workflow.engine import (
    Decision,
    Reason,
    Refusal,
    Snapshot,
    Transition,
    allowed_transitions,
    decide,
)

#: Outcomes after which the matter goes on in another case (a duplicate merged into the case
#: it repeats): no aftercare check-ins for the one that closed.
GOES_ON = frozenset({"merged"})


def snapshot_of(ctx: Context, case: Case) -> Snapshot:
    """The engine's view of a case: cached state, and the facts its transition events recorded."""
    facts: dict[str, object] = {}
    rows = ctx.session.execute(select(CaseEvent.facts).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "transition").order_by(CaseEvent.seq))
    for (recorded,) in rows:
        facts.update(recorded or {})
    return Snapshot(case.state, facts, case.outcome, witness=bool(case.witness))


def allowed_for(ctx: Context, actor: Actor, case: Case) -> list[Transition]:
    """The transitions this actor may fire on this case now (for buttons and the API)."""
    kinds = capacities(ctx, actor, case)
    return allowed_transitions(ctx.route(case.route), snapshot_of(ctx, case), kinds)


def fire_transition(ctx: Context, actor: Actor, reference: str, key: str, version: int | None,
                    fields: Mapping[str, object] | None = None, *, through: str = "") -> Case:
    """Fire one transition; a stale version or a concurrent change is a conflict. `through`
    names the service asking, for a step only that service fires (a merge: links)."""
    case = open_case(ctx, actor, reference, Action.TRANSITION, version)
    route = ctx.route(case.route)
    decision = decide(route, snapshot_of(ctx, case), capacities(ctx, actor, case), key,
                      fields or {}, ctx.runtime.pack.clock_rules(case.route), through)
    if isinstance(decision, Refusal):
        raise _refusal_error(decision)
    try:
        # The UPDATE checks the version in SQL: a writer who got in after our read makes it
        # match no row. _apply flushes (to number the event), so the check may fire in there.
        _apply(ctx, actor, case, decision)
        ctx.session.flush()
    except StaleDataError as exc:
        raise StaleVersion(_("Someone else changed this case first; reload it.")) from exc
    return case


def _refusal_error(refusal: Refusal) -> Exception:
    if refusal.reason is Reason.NOT_PERMITTED:
        return Forbidden(refusal.message)
    if refusal.reason is Reason.NOT_FROM_STATE:
        return Conflict(refusal.message)
    return Invalid(refusal.message, refusal.fields)


def _apply(ctx: Context, actor: Actor, case: Case, decision: Decision) -> None:
    transition = decision.transition
    case.state = decision.state
    case.outcome = decision.outcome
    if transition.key == "acknowledge" and case.acknowledged_at is None:
        case.acknowledged_at = ctx.now
        case.days_to_acknowledge = whole_days(case.opened_at, ctx.now)
    if ctx.route(case.route).is_final(decision.state):
        case.closed_at = ctx.now
        case.days_to_close = whole_days(case.opened_at, ctx.now)
    given = [f for f in transition.requires if f.name in decision.fields]  # (optional ones)
    confidential = {f.name: decision.fields[f.name] for f in given if f.confidential}
    facts = {f.name: decision.fields[f.name] for f in given if not f.confidential}
    is_reporter = isinstance(actor, Reporter)
    # Clocks before the event: add_event flushes, and the case's next due date must go out in
    # the same UPDATE as its state, so a transition bumps the version once.
    apply_clock_events(ctx, case, decision.events)
    if ctx.route(case.route).is_final(decision.state):
        stop_all(ctx, case)
    event = add_event(ctx, case, "transition", transition=transition.key,
                      from_state=decision.source, to_state=decision.state, facts=facts,
                      actor_kind="reporter" if is_reporter else "staff",
                      actor_user_id=None if is_reporter else actor.user_id)
    ctx.session.flush()
    if confidential:
        event.fields_ct = ctx.vault(case).seal_json("event", event.id, confidential)
    ctx.audit(Kind.CASE_TRANSITION, actor.label, case_id=case.id, transition=transition.key,
              from_state=decision.source, to_state=decision.state)
    if ctx.route(case.route).is_final(decision.state) and case.outcome not in GOES_ON:
        schedule_checkins(ctx, case)
    if not is_reporter:
        notify.tell_reporter(ctx, case, f"event:{event.id}")
