"""Triage: a handler puts a misfiled case right (its category, route, department or queue),
with a reason, and the routing rules run again.

The rule for "a move that would show the case to someone implicated", enforced before
anything is written (409):

- Anyone implicated who has an account linked to their directory entry never sees the case,
  in any queue: the access filter hides it from them (by blind index). So a member of the
  target queue who is implicated does not stop a move.
- The real exposure is a queue whose **owner role** is held by someone implicated: the owner
  approves who joins the queue (grants) and heads those who would handle the case. Routing
  never sends a case there on its own (it walks the queue's fallback chain), and a handler
  may not choose such a queue either: refused, naming the queue.
- A queue where no active account could read the case is refused too (the case would be
  left where nobody can see it), worked out by the same rule as `who_can_see`.
- What routing cannot know it cannot guard: someone named only by a typed name, or holding
  an account not linked to their directory entry. Link implicated people to the directory.

An explicit queue stands only while no routing rule sends the case elsewhere (the Chief
Executive implicated keeps it with the Monitoring Officer): otherwise 409 with the rule's
reason. The route changes only before the first step (its initial state), to the new route's
initial state; the old route's deadlines give way to the new route's intake deadlines, counted
from the day the report was received, as the statutes count them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm.exc import StaleDataError

from casework.i18n import _
from casework.models import Case, CaseEvent
from casework.services.access import Action, Staff, open_case, seers_of
from casework.services.audit import Kind
from casework.services.clocks import apply_clock_events
from casework.services.context import Context
from casework.services.errors import Conflict, Invalid, StaleVersion
from casework.services.escalation import escalate_if_immediate
from casework.services.events import add_event
from casework.services.reasons import (
    events_with_actors,
    required_reason,
    seal_reason,
    sealed_reason,
)
from casework.services.routing import apply_routing, routing_for
from casework.workflow.clocks import local_date
from casework.workflow.engine import lodge_events
from casework.workflow.routing import RoutingDecision

FACTS = ("route", "category", "department", "queue")


@dataclass(frozen=True)
class Triaged:
    """Where the case went and why (the API's answer)."""

    case: Case
    queue: str
    routing_reasons: tuple[str, ...]
    version: int


@dataclass(frozen=True)
class Change:
    """What the case would be after triage, checked against the pack."""

    route: str
    category: str
    department: str | None
    chosen_queue: str | None
    queue: str | None  # the queue asked for, if any


def triage(ctx: Context, actor: Staff, reference: str, version: int | None, reason: str | None,
           category: str | None = None, route: str | None = None,
           department: str | None = None, queue: str | None = None) -> Triaged:
    """Change a case's category, route, department or queue with a sealed reason; routing runs
    again and records why. See the module's docstring for what is refused and why."""
    case = open_case(ctx, actor, reference, Action.TRIAGE, version)
    why = required_reason(reason, _("Say why the case is being changed."))
    change = _change(ctx, case, category, route, department, queue)
    decision = routing_for(ctx, case, route=change.route, category=change.category,
                           chosen_queue=change.chosen_queue)
    _refuse_exposure(ctx, case, change, decision)
    before = {key: getattr(case, key) for key in FACTS}
    try:
        _apply(ctx, actor, case, change, decision)
        after = {key: getattr(case, key) for key in FACTS}
        event = add_event(ctx, case, "triaged", actor_kind="staff", actor_user_id=actor.user_id,
                          facts={"from": before, "to": after})
        ctx.session.flush()
    except StaleDataError as exc:
        raise StaleVersion(_("Someone else changed this case first; reload it.")) from exc
    seal_reason(ctx, case, event, why)
    escalate_if_immediate(ctx, case)  # misfiled as something else: told now, once each
    ctx.audit(Kind.CASE_TRIAGE, actor.label, case_id=case.id, **{
        key: [before[key], after[key]] for key in FACTS if before[key] != after[key]})
    return Triaged(case, case.queue, decision.reasons, case.version)


def _change(ctx: Context, case: Case, category: str | None, route: str | None,
            department: str | None, queue: str | None) -> Change:
    """The case as triage would leave it: 422 for what the pack does not know, 409 for a
    route change after the first step, 422 if nothing would change."""
    pack, errors = ctx.runtime.pack, {}
    route = route or case.route
    if route not in ctx.runtime.routes:
        errors["route"] = _("must be one of: %(choices)s",
                            choices=", ".join(sorted(ctx.runtime.routes)))
    category = category or case.category
    if not errors and category not in {c.key for c in pack.categories_for(route)}:
        errors["category"] = _("not a category for %(kind)s",
                               kind=str(ctx.route(route).label).lower())
    if department is not None and department not in pack.departments:
        errors["department"] = _("not a department of this organisation")
    if queue is not None and queue not in pack.queues:
        errors["queue"] = _("must be one of: %(choices)s", choices=", ".join(sorted(pack.queues)))
    if errors:
        raise Invalid(_("Some answers need attention."), errors)
    if route != case.route and _started(ctx, case):
        stage = ctx.route(case.route).state(case.state).label
        raise Conflict(_("The kind of report can be changed only before its first step is "
                         "taken; this case is at “%(stage)s”. Its category, department and "
                         "queue can still change.", stage=stage))
    # A queue asked for is the handler's choice; a new route starts from its own default.
    chosen = queue or (None if route != case.route else case.chosen_queue)
    change = Change(route, category, department or case.department, chosen, queue)
    if (route, category, change.department) == (case.route, case.category, case.department) \
            and queue in (None, case.queue):
        raise Invalid(_("Nothing would change: choose another category, kind of report, "
                        "department or queue."))
    return change


def _started(ctx: Context, case: Case) -> bool:
    """Whether the case has left its route's first stage (or ever taken a step)."""
    stepped = ctx.session.execute(select(exists().where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "transition"))).scalar()
    return stepped or case.state != ctx.route(case.route).initial


def _refuse_exposure(ctx: Context, case: Case, change: Change,
                     decision: RoutingDecision) -> None:
    """Refuse (409) a queue whose owner is implicated, a queue a rule overrides, and a queue
    where nobody active could see the case."""
    queues = ctx.runtime.pack.queues
    if change.queue is not None and change.queue in decision.conflicted:
        owner = (queues[change.queue].owner_role or "").replace("_", " ")
        raise Conflict(_("Moving this case to %(queue)s would show it to someone implicated: "
                         "the %(owner)s, who owns that queue and decides who works in it, is "
                         "implicated in this case.", queue=queues[change.queue].label,
                         owner=owner))
    if change.queue is not None and decision.queue != change.queue:
        raise Conflict(_("The routing rules keep this case with %(queue)s (%(reasons)s), so "
                         "it cannot be moved to %(asked)s.", queue=queues[decision.queue].label,
                         reasons="; ".join(decision.reasons), asked=queues[change.queue].label))
    if decision.queue != case.queue and not seers_of(ctx, case, decision.queue):
        raise Conflict(_("Nobody could see this case in %(queue)s: no active account works "
                         "there. Ask an administrator to give someone access to that queue "
                         "first.", queue=queues[decision.queue].label))


def _apply(ctx: Context, actor: Staff, case: Case, change: Change,
           decision: RoutingDecision) -> None:
    with ctx.session.no_autoflush:  # one UPDATE of the case, so the version moves by one
        if change.route != case.route:
            _switch_route(ctx, case, change.route)
        case.category, case.department = change.category, change.department
        case.chosen_queue = change.chosen_queue
        apply_routing(ctx, case, actor=actor.label, decision=decision)


def _switch_route(ctx: Context, case: Case, route: str) -> None:
    """To the new route's first stage; its intake deadlines replace the old route's, counted
    from the day the report was received (the statutes count from receipt, however the
    report was first filed). A deadline already passed shows as overdue at once."""
    case.clocks.clear()
    ctx.session.flush()  # the old rows go before new ones of the same name come
    case.route, case.state = route, ctx.route(route).initial
    pack = ctx.runtime.pack
    apply_clock_events(ctx, case, lodge_events(pack.clock_rules(route),
                                               named_witness=case.witness and not case.anonymous),
                       on=local_date(case.opened_at, pack.timezone))


@dataclass(frozen=True)
class TriageRecord:
    """One triage as the case page shows it: what changed, by whom, and why."""

    at: datetime
    changes: dict[str, tuple[str | None, str | None]]
    reason: str
    by: str | None = None


def triage_history(ctx: Context, case: Case) -> list[TriageRecord]:
    """The case's triages with their sealed reasons (for a handler who has opened the case;
    the case-view read covers them)."""
    records = []
    for event, by in events_with_actors(ctx, case, ("triaged",)):
        before, after = (event.facts or {}).get("from", {}), (event.facts or {}).get("to", {})
        records.append(TriageRecord(event.at, {
            key: (before.get(key), after.get(key)) for key in FACTS
            if before.get(key) != after.get(key)}, sealed_reason(ctx, case, event), by))
    return records
