"""Who can see a case now: every active account the policy lets read its content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from casework.models import Assignment, Case, QueueMembership, User
from casework.services.access.actors import Actor, staff_actor
from casework.services.access.cases import derive_capacities, open_case
from casework.services.access.policy import TRAIL_ONLY, Action

if TYPE_CHECKING:
    from casework.services.context import Context


@dataclass(frozen=True)
class Seer:
    """Someone who can read the case, and in which capacities."""

    user_id: int
    name: str
    capacities: tuple[str, ...]


def who_can_see(ctx: Context, actor: Actor, reference: str) -> list[Seer]:
    """Everyone who can read the case now, worked out by the same rule as every load: members
    of its queue and those assigned, less anyone implicated, recused or deactivated."""
    return seers_of(ctx, open_case(ctx, actor, reference, Action.SEE_ACCESS))


def seers_of(ctx: Context, case: Case, queue: str | None = None,
             first: bool = False) -> list[Seer]:
    """Who can read a case (or could, were it in `queue`; only the first found, if `first`):
    for the system's own checks that no case is left unseen. Callers acting for a person use
    `who_can_see`."""
    queue = queue or case.queue
    in_queue = select(QueueMembership.user_id).where(QueueMembership.queue == queue)
    assigned = select(Assignment.user_id).where(Assignment.case_id == case.id,
                                                Assignment.ended_at.is_(None))
    users = ctx.session.execute(select(User).where(
        User.active.is_(True), or_(User.id.in_(in_queue), User.id.in_(assigned)))
        .order_by(User.name, User.id)).scalars()
    seers = []
    for user in users:
        held = derive_capacities(ctx.session, staff_actor(user, ctx.runtime.keyring), case,
                                 queue)
        if held - TRAIL_ONLY:
            seers.append(Seer(user.id, user.name, tuple(sorted(held - TRAIL_ONLY))))
            if first:
                break
    return seers
