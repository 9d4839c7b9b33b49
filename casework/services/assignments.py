"""Assigning staff to a case, declaring a conflict, and changing who is implicated."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from casework.i18n import _
from casework.models import Assignment, Case, Recusal, User
from casework.services import handoff
from casework.services.access import (
    ROLE_CAPACITY,
    Action,
    Staff,
    forget,
    is_implicated,
    is_recused,
    open_case,
)
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Conflict, Invalid
from casework.services.events import add_event
from casework.services.reports import ImplicatedInput, check_implicated, implicate
from casework.services.routing import apply_routing
from casework.services.vault import person_index


def assign(ctx: Context, actor: Staff, reference: str, user_id: int,
           capacity: str = "investigator") -> Assignment:
    """Assign a user; refused (409) if they are implicated in the case or recused from it."""
    case = open_case(ctx, actor, reference, Action.ASSIGN)
    staff_capacities = sorted(ROLE_CAPACITY.values())
    if capacity not in staff_capacities:
        raise Invalid(_("Unknown capacity."), {"capacity": _(
            "must be one of %(choices)s", choices=staff_capacities)})
    user = ctx.session.get(User, user_id)
    if user is None or not user.active:
        raise Invalid(_("No such staff member."), {
            "user_id": _("no active staff member with this id")})
    if capacity not in {ROLE_CAPACITY[r] for r in user.roles if r in ROLE_CAPACITY}:
        raise Invalid(_("Wrong role."), {"user_id": _(
            "this person cannot act as %(capacity)s", capacity=capacity)})
    index = person_index(ctx.runtime.keyring, user.person_id) if user.person_id else None
    if is_implicated(ctx.session, case.id, index) or is_recused(ctx.session, case.id, user.id):
        raise Conflict(_("This person has a conflict with this case and cannot be assigned."))
    existing = ctx.session.execute(select(Assignment).where(
        Assignment.case_id == case.id, Assignment.user_id == user.id,
        Assignment.capacity == capacity, Assignment.ended_at.is_(None))).scalar_one_or_none()
    if existing:
        return existing
    assignment = Assignment(case_id=case.id, user_id=user.id, capacity=capacity,
                            assigned_by=actor.user_id, assigned_at=ctx.now)
    ctx.session.add(assignment)
    add_event(ctx, case, "assigned", actor_kind="staff", actor_user_id=actor.user_id,
              facts={"user_id": user.id, "capacity": capacity})
    ctx.audit(Kind.CASE_ASSIGN, actor.label, case_id=case.id, user_id=user.id, capacity=capacity)
    forget(ctx)
    return assignment


def recuse(ctx: Context, actor: Staff, reference: str, reason: str) -> None:
    """Declare a conflict: the caller's assignments end and they lose access at once."""
    case = open_case(ctx, actor, reference, Action.RECUSE)
    if not (reason or "").strip():
        raise Invalid(_("Say why."), {"reason": _("required")})
    recusal = Recusal(case_id=case.id, user_id=actor.user_id, at=ctx.now)
    ctx.session.add(recusal)
    ctx.session.flush()
    recusal.reason_ct = ctx.vault(case).seal("recusal", recusal.id, reason.strip())
    for assignment in ctx.session.execute(select(Assignment).where(
            Assignment.case_id == case.id, Assignment.user_id == actor.user_id,
            Assignment.ended_at.is_(None))).scalars():
        assignment.ended_at = ctx.now
    add_event(ctx, case, "recused", actor_kind="staff", actor_user_id=actor.user_id)
    ctx.audit(Kind.CASE_RECUSE, actor.label, case_id=case.id)
    forget(ctx)
    handoff.rehome(ctx, case, "everyone able to handle it has declared a conflict",
                   actor.label)


def add_implicated(ctx: Context, actor: Staff, reference: str,
                   people: Sequence[ImplicatedInput]) -> Case:
    """Name more implicated people; routing runs again and conflicted assignments end."""
    case = open_case(ctx, actor, reference, Action.ADD_IMPLICATED)
    errors = check_implicated(ctx, people)
    if errors:
        raise Invalid(_("Some answers need attention."), errors)
    _lock_latest(ctx, case)
    implicate(ctx, case, people, actor.label)
    apply_routing(ctx, case, actor=actor.label)
    handoff.rehome(ctx, case, "everyone able to handle it is implicated", actor.label)
    return case


def _lock_latest(ctx: Context, case: Case) -> None:
    """Lock the case row and read its latest version before re-routing writes it.

    Re-routing asserts no version of its own, so a transition committed since the case was
    loaded must not turn its write into a stale-data failure (PostgreSQL; SQLite serialises).
    """
    ctx.session.execute(select(Case).where(Case.id == case.id)
                        .with_for_update(key_share=True)
                        .execution_options(populate_existing=True)).scalar_one()
