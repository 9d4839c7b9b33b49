"""What staff and reporters are shown of a case: built here once, rendered by pages and API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from casework.crypto.envelope import DamagedRecord
from casework.models import Assignment, Case, CaseEvent, CaseParty, User
from casework.services.access import (
    Actor,
    Reporter,
    Staff,
    active_assignments,
    load_case,
)
from casework.services.audit import Kind
from casework.services.content import DAMAGED
from casework.services.context import Context
from casework.services.errors import NotFound
from casework.services.transitions import allowed_for
from casework.services.vault import KeyDestroyed
from casework.services.worklists import CaseListing, CaseQuery, find_cases


@dataclass(frozen=True)
class ClockView:
    """A deadline on a case."""

    name: str
    label: str
    due_on: date
    status: str  # running, paused, met, missed, overdue


@dataclass
class CaseView:
    """A case as a handler sees it."""

    reference: str
    route: str
    category: str
    state: str
    outcome: str | None
    queue: str
    version: int
    summary: str
    details: str
    occurred_on: str | None
    anonymous: bool
    department: str | None
    opened_at: datetime
    routing_reasons: list[str]
    actions: list[str]
    implicated: list[dict]
    assigned: list[dict]
    allowed: list
    clocks: list[ClockView]
    timeline: list[dict] = field(default_factory=list)


def clock_views(ctx: Context, case: Case) -> list[ClockView]:
    """Each clock with its status; a running clock past its due date shows as overdue."""
    today = ctx.now.date()
    views = []
    for clock in sorted(case.clocks, key=lambda c: c.due_on):
        status = clock.status
        if status == "running" and clock.due_on < today:
            status = "overdue"
        label = next((c.label for c in ctx.runtime.pack.clocks
                      if c.route == case.route and c.name == clock.name), clock.name)
        views.append(ClockView(clock.name, label, clock.due_on, status))
    return views


def _sealed(ctx: Context, actor: Actor, case: Case, kind: str, blob: bytes | None) -> dict:
    if blob is None:
        return {}
    try:
        return ctx.vault(case).open_json(kind, case.id, blob)
    except (DamagedRecord, KeyDestroyed):
        ctx.audit(Kind.RECORD_DAMAGED, actor.label, case_id=case.id, record_kind=kind,
                  record=case.id)
        return {"damaged": True}


def _implicated(ctx: Context, actor: Actor, case: Case) -> list[dict]:
    """The implicated people; a damaged entry is shown as damaged, never a crash."""
    vault, people = ctx.vault(case), []
    for party in ctx.session.execute(select(CaseParty).where(
            CaseParty.case_id == case.id, CaseParty.kind == "implicated")
            .order_by(CaseParty.id)).scalars():
        try:
            details = vault.open_json("party", party.id, party.details_ct) \
                if party.details_ct is not None else {}
        except (DamagedRecord, KeyDestroyed):
            ctx.audit(Kind.RECORD_DAMAGED, actor.label, case_id=case.id, record_kind="party",
                      record=party.id)
            details = {"name": DAMAGED}
        people.append({"person_id": details.get("person_id"), "name": details.get("name"),
                       "role": details.get("role")})
    return people


def case_view(ctx: Context, actor: Staff, reference: str) -> CaseView:
    """Everything a handler sees on the case page; the read is audited."""
    case = load_case(ctx.session, actor, reference)
    content = _sealed(ctx, actor, case, "case", case.content_ct)
    routing = _sealed(ctx, actor, case, "routing", case.routing_ct)
    implicated = _implicated(ctx, actor, case)
    names = dict(ctx.session.execute(select(User.id, User.name).join(
        Assignment, Assignment.user_id == User.id).where(Assignment.case_id == case.id)).all())
    assigned = [{"user_id": a.user_id, "name": names.get(a.user_id), "capacity": a.capacity}
                for a in active_assignments(ctx.session, case.id)]
    ctx.audit(Kind.CASE_VIEW, actor.label, case_id=case.id)
    return CaseView(
        reference=case.reference, route=case.route, category=case.category, state=case.state,
        outcome=case.outcome, queue=case.queue, version=case.version,
        summary=content.get("summary", DAMAGED), details=content.get("details", DAMAGED),
        occurred_on=content.get("occurred_on"), anonymous=case.anonymous,
        department=case.department, opened_at=case.opened_at,
        routing_reasons=routing.get("reasons", [DAMAGED]), actions=list(case.actions or []),
        implicated=implicated, assigned=assigned, allowed=allowed_for(ctx, actor, case),
        clocks=clock_views(ctx, case), timeline=timeline(ctx, case))


def timeline(ctx: Context, case: Case) -> list[dict]:
    """The case's events in order, described without confidential words."""
    route = ctx.route(case.route)
    items = []
    for event in ctx.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                      .order_by(CaseEvent.seq)).scalars():
        if event.kind == "transition":
            variants = route.transitions_named(event.transition or "")
            label = variants[0].label if variants else event.transition
        else:
            label = event.kind.replace("_", " ").capitalize()
        items.append({"at": event.at, "kind": event.kind, "label": label,
                      "transition": event.transition, "to_state": event.to_state})
    return items


def list_cases(ctx: Context, actor: Staff, *, state: str | None = None, route: str | None = None,
               queue: str | None = None, category: str | None = None, assigned_to_me=False,
               overdue=False, page: int = 1, per_page: int = 25) -> CaseListing:
    """Visible cases only, filtered and paged; newest first; counted exactly (for the API,
    whose `total` promises an exact number: at a million cases that count is its cost)."""
    return find_cases(ctx, actor, CaseQuery(
        state=state, route=route, queue=queue, category=category, assigned_to_me=assigned_to_me,
        overdue=overdue, page=page, per_page=per_page), exact=True)


def reporter_view(ctx: Context, actor: Reporter) -> dict:
    """What the reporter sees: plain-language stage, timeline and their possible actions."""
    case = ctx.session.get(Case, actor.case_id)
    if case is None or case.purged_at is not None:
        raise NotFound()
    route = ctx.route(case.route)
    visible = {"lodged", "transition", "message"}
    return {
        "reference": case.reference, "route": case.route, "state": case.state,
        "stage": route.state(case.state).reporter_label, "outcome": case.outcome,
        "timeline": [{"at": t["at"], "label": t["label"]} for t in timeline(ctx, case)
                     if t["kind"] in visible],
        "actions": [t.key for t in allowed_for(ctx, actor, case)],
    }
