"""The one loader and the one filter: which cases an actor reaches, in which capacities, and
whether the action asked for is allowed. Deny by default; no administrator bypass.

Every service that touches a case starts with `open_case`; every list filters with
`visible_filter`. Both derive from the same facts (queues, assignments, recusals, implication
through a blind index), and `capacities` reads them back in Python for the table in
`policy.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from casework.i18n import _l
from casework.models import Assignment, Case, CaseParty, Recusal
from casework.services.access.actors import Actor, Reporter, Staff
from casework.services.access.policy import (
    ROLE_CAPACITY,
    Action,
    Capacity,
    allowed_actions,
    refusal,
    sees,
)
from casework.services.audit import Kind
from casework.services.errors import Forbidden, NotFound, StaleVersion, Trace

if TYPE_CHECKING:
    from casework.services.context import Context

STALE = _l("Someone else changed this case first; reload it to see its state.")
#: A refusal on a case the actor can see is on the record (it outlives the refused request).
REFUSAL_KINDS = {Action.REVEAL_IDENTITY: Kind.IDENTITY_REFUSED}


#: The parties a case is kept from: those implicated in it (picked, or found from a typed
#: name), and the directory person a reporter says they are (a claim: hiding the case from
#: the person claimed is always safe).
HIDDEN_FROM = ("implicated", "reporter")


def implicated_clause(index: str) -> ColumnElement[bool]:
    """Cases in which the person behind a blind index is implicated (or claimed to report)."""
    return Case.id.in_(select(CaseParty.case_id).where(
        CaseParty.person_index == index, CaseParty.kind.in_(HIDDEN_FROM)))


def _conflict_free(actor: Staff) -> list[ColumnElement[bool]]:
    # The cases someone is recused from or implicated in are looked up once per statement
    # (by the person-led indexes), not once per case listed or counted: lists and their
    # capped counts read thousands of rows (docs/BENCHMARKS.md, issue 18).
    clauses = [Case.purged_at.is_(None),
               Case.id.not_in(select(Recusal.case_id).where(Recusal.user_id == actor.user_id))]
    if actor.person_index:
        clauses.append(~implicated_clause(actor.person_index))
    return clauses


def held_capacities(actor: Staff) -> frozenset[Capacity]:
    """The capacities a staff member's roles give (on their queues' cases, or as assigned)."""
    return frozenset(ROLE_CAPACITY[r] for r in actor.roles if r in ROLE_CAPACITY)


def visible_filter(actor: Actor) -> ColumnElement[bool]:
    """The one query filter for the cases whose content an actor may list or open."""
    if isinstance(actor, Reporter):
        return and_(Case.id == actor.case_id, Case.purged_at.is_(None))
    held = held_capacities(actor)
    if not held:
        return false()
    assigned = _assigned(actor, held)
    reach = or_(Case.queue.in_(sorted(actor.queues)), assigned) if actor.queues else assigned
    return and_(reach, *_conflict_free(actor))


def visible_parts(actor: Actor) -> list[ColumnElement[bool]]:
    """visible_filter as disjoint parts whose union it is, for counting (each part reads the
    index that serves it): the cases of the actor's queues, and those outside them assigned
    to the actor (found from the actor's assignments, not by testing every case); none for a
    staff member with no role that reads cases."""
    if isinstance(actor, Reporter):
        return [visible_filter(actor)]
    held = held_capacities(actor)
    if not held:
        return []
    assigned = Case.id.in_(select(Assignment.case_id).where(
        Assignment.user_id == actor.user_id, Assignment.ended_at.is_(None),
        Assignment.capacity.in_(sorted(c.value for c in held))))
    free = _conflict_free(actor)
    if not actor.queues:
        return [and_(assigned, *free)]
    queues = Case.queue.in_(sorted(actor.queues))
    return [and_(queues, *free), and_(~queues, assigned, *free)]


def _assigned(actor: Staff, held: frozenset[Capacity]) -> ColumnElement[bool]:
    # An assignment counts only in a capacity the actor still holds a role for (as in
    # `derive_capacities`): otherwise the list would show a case that opens as missing.
    # Correlated, and asked only of cases outside the actor's queues: as an IN list, SQLite
    # would gather the queue's and the assigned cases and sort them all before a first page.
    return exists().where(Assignment.case_id == Case.id, Assignment.user_id == actor.user_id,
                          Assignment.ended_at.is_(None),
                          Assignment.capacity.in_(sorted(c.value for c in held)))


def audit_trail_filter(actor: Staff) -> ColumnElement[bool]:
    """Cases whose audit events this actor may read: those they may see, and, for auditors,
    any case they are neither implicated in nor recused from (events hold no content)."""
    if "auditor" not in actor.roles:
        return visible_filter(actor)
    return and_(*_conflict_free(actor))


def reach_filter(actor: Actor) -> ColumnElement[bool]:
    """Cases the actor has any capacity on (content, or the auditor's trail)."""
    if isinstance(actor, Reporter):
        return visible_filter(actor)
    return audit_trail_filter(actor)


def active_assignments(session: Session, case_id: int) -> list[Assignment]:
    """Who is assigned to a case now."""
    return list(session.execute(select(Assignment).where(
        Assignment.case_id == case_id, Assignment.ended_at.is_(None))).scalars())


def is_implicated(session: Session, case_id: int, index: str | None) -> bool:
    """Whether the person behind a blind index is implicated in a case (or claimed to report
    it)."""
    if index is None:
        return False
    return session.execute(select(CaseParty.id).where(
        CaseParty.case_id == case_id, CaseParty.kind.in_(HIDDEN_FROM),
        CaseParty.person_index == index)).first() is not None


def is_recused(session: Session, case_id: int, user_id: int) -> bool:
    """Whether a user has declared a conflict on a case."""
    return session.execute(select(Recusal.id).where(
        Recusal.case_id == case_id, Recusal.user_id == user_id)).first() is not None


def derive_capacities(session: Session, actor: Actor, case: Case,
                      queue: str | None = None) -> frozenset[Capacity]:
    """What this actor is on this case (or would be, were it in `queue`). A capacity from an
    assignment counts only while the actor still holds the role for it; implication and
    recusal leave nothing."""
    if isinstance(actor, Reporter):
        ok = actor.case_id == case.id and case.purged_at is None
        return frozenset({Capacity.REPORTER}) if ok else frozenset()
    if case.purged_at is not None or is_recused(session, case.id, actor.user_id) \
            or is_implicated(session, case.id, actor.person_index):
        return frozenset()
    held = held_capacities(actor)
    found = set(held) if (queue or case.queue) in actor.queues else set()
    found |= {Capacity(a.capacity) for a in active_assignments(session, case.id)
              if a.user_id == actor.user_id and a.capacity in held}
    if "auditor" in actor.roles:
        found.add(Capacity.AUDITOR)
    return frozenset(found)


def may(ctx: Context, actor: Actor, case: Case) -> frozenset[Action]:
    """Every action this actor may take on this case now (for pages' buttons and the API)."""
    return allowed_actions(capacities(ctx, actor, case),
                           ctx.runtime.pack.identity_reveal_roles)


def capacities(ctx: Context, actor: Actor, case: Case) -> frozenset[Capacity]:
    """What this actor is on this case, worked out once per unit of work."""
    key = ("capacities", actor, case.id)
    if key not in ctx.cache:
        ctx.cache[key] = derive_capacities(ctx.session, actor, case)
    return ctx.cache[key]


def forget(ctx: Context) -> None:
    """Drop what this request worked out about access (after a change to who may see what)."""
    ctx.cache.clear()


def open_case(ctx: Context, actor: Actor, reference: str | None,
              need: Action = Action.SEE, version: int | None = None) -> Case:
    """The one loader: the case if the actor may take `need` on it. An unreachable case is
    exactly a missing one (404), a reachable one without this action is 403, and a stale
    `version` is 409. A reporter's reference is their own case (None means that case)."""
    case = _load(ctx, actor, reference)
    if not sees(capacities(ctx, actor, case), need):
        raise NotFound()
    actions = may(ctx, actor, case)
    if need not in actions:
        kind = REFUSAL_KINDS.get(need, Kind.ACCESS_REFUSED)
        raise Forbidden(refusal(need), trace=Trace(kind, actor.label, case.id,
                                                   {"action": str(need)}))
    if version is not None and version != case.version:
        raise StaleVersion(STALE)
    return case


def _load(ctx: Context, actor: Actor, reference: str | None) -> Case:
    key = ("case", actor, reference)
    case = ctx.cache.get(key)
    if case is None:
        query = select(Case).where(reach_filter(actor))
        if isinstance(actor, Staff) or reference is not None:
            query = query.where(Case.reference == (reference or ""))
        case = ctx.session.execute(query).scalar_one_or_none()
        if case is None:
            raise NotFound()
        ctx.cache[key] = case
    return case
