"""The access policy: who may see which case and act as what. Deny by default, no bypass."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from casework.crypto.keys import Keyring
from casework.models import CONTENT_ROLES, Assignment, Case, CaseParty, Recusal, User
from casework.services.errors import NotFound
from casework.services.vault import person_index

#: Staff role → the actor kind it makes a queue member or assignee in the workflow.
ROLE_KIND = {"intake": "handler", "investigator": "investigator",
             "decision_maker": "decision_maker"}
CAPACITIES = frozenset(ROLE_KIND.values())


@dataclass(frozen=True)
class Staff:
    """A signed-in staff member, as the policy sees them."""

    user_id: int
    roles: frozenset[str]
    queues: frozenset[str]
    person_index: str | None = None

    @property
    def label(self) -> str:
        """How the audit trail names this actor."""
        return f"user:{self.user_id}"


@dataclass(frozen=True)
class Reporter:
    """A reporter signed in with reference and receipt: one case, nothing else."""

    case_id: int

    @property
    def label(self) -> str:
        """How the audit trail names this actor (never who they are)."""
        return "reporter"


Actor = Staff | Reporter


def staff_actor(user: User, keyring: Keyring) -> Staff:
    """The policy's view of a user account."""
    index = person_index(keyring, user.person_id) if user.person_id else None
    return Staff(user.id, user.roles, user.queues, index)


def implicated_clause(index: str) -> ColumnElement[bool]:
    """Cases in which the person behind a blind index is implicated."""
    return exists().where(CaseParty.case_id == Case.id, CaseParty.kind == "implicated",
                          CaseParty.person_index == index)


def visible_filter(actor: Actor) -> ColumnElement[bool]:
    """The one query filter for the cases an actor may list or open."""
    if isinstance(actor, Reporter):
        return and_(Case.id == actor.case_id, Case.purged_at.is_(None))
    if not actor.roles & CONTENT_ROLES:
        return false()
    assigned = exists().where(Assignment.case_id == Case.id, Assignment.user_id == actor.user_id,
                              Assignment.ended_at.is_(None))
    reach = or_(Case.queue.in_(sorted(actor.queues)), assigned) if actor.queues else assigned
    clauses = [reach, Case.purged_at.is_(None),
               ~exists().where(Recusal.case_id == Case.id, Recusal.user_id == actor.user_id)]
    if actor.person_index:
        clauses.append(~implicated_clause(actor.person_index))
    return and_(*clauses)


def load_case(session: Session, actor: Actor, reference: str, *, lock: bool = False) -> Case:
    """The case by reference if this actor may see it; otherwise exactly as if it did not exist."""
    query = select(Case).where(Case.reference == reference, visible_filter(actor))
    case = session.execute(query).scalar_one_or_none()
    if case is None:
        raise NotFound()
    return case


def active_assignments(session: Session, case_id: int) -> list[Assignment]:
    """Who is assigned to a case now."""
    return list(session.execute(select(Assignment).where(
        Assignment.case_id == case_id, Assignment.ended_at.is_(None))).scalars())


def actor_kinds(session: Session, actor: Actor, case: Case) -> frozenset[str]:
    """What this actor is on this case in workflow terms (reporter, handler, investigator ...)."""
    if isinstance(actor, Reporter):
        return frozenset({"reporter"}) if actor.case_id == case.id else frozenset()
    kinds = set()
    if case.queue in actor.queues:
        kinds |= {ROLE_KIND[r] for r in actor.roles if r in ROLE_KIND}
    for assignment in active_assignments(session, case.id):
        if assignment.user_id == actor.user_id:
            kinds.add(assignment.capacity)
    return frozenset(kinds)


def is_implicated(session: Session, case_id: int, index: str | None) -> bool:
    """Whether the person behind a blind index is implicated in a case."""
    if index is None:
        return False
    return session.execute(select(CaseParty.id).where(
        CaseParty.case_id == case_id, CaseParty.kind == "implicated",
        CaseParty.person_index == index)).first() is not None


def is_recused(session: Session, case_id: int, user_id: int) -> bool:
    """Whether a user has declared a conflict on a case."""
    return session.execute(select(Recusal.id).where(
        Recusal.case_id == case_id, Recusal.user_id == user_id)).first() is not None


def audit_trail_filter(actor: Staff) -> ColumnElement[bool]:
    """Cases whose audit events this actor may read: those they may see, and, for auditors,
    any case they are neither implicated in nor recused from (events hold no content)."""
    if "auditor" not in actor.roles:
        return visible_filter(actor)
    clauses = [~exists().where(Recusal.case_id == Case.id, Recusal.user_id == actor.user_id)]
    if actor.person_index:
        clauses.append(~implicated_clause(actor.person_index))
    return and_(*clauses)
