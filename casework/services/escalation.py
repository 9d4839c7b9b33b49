"""Immediate escalation: a report in a category the policy pack flags `immediate` (the NZ Code
of Conduct's zero-tolerance matters) alerts, as it is lodged, the owner of the queue it lands
in and the head of the organisation, in the app (their dashboard) and by a content-free email
through the outbox.

Only someone who may open the case is told, by the access policy's own filter: a person
implicated in the case (or recused from it) never learns that it exists. When neither the
queue's owner nor the head may see it (both implicated), whoever can see it is told instead,
so the alert is never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from casework.models import Case, Notification
from casework.services import inbox, notify
from casework.services.access import Staff, seers_of, visible_filter
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.events import add_event

FLAG = "immediate"
KIND = "case_escalated"
#: The directory role of the head of the organisation (the role every pack's rules name).
HEAD_ROLE = "chief_executive"


def is_immediate(ctx: Context, case: Case) -> bool:
    """Whether the case's category is one the pack escalates at once."""
    category = ctx.runtime.pack.categories.get(case.category)
    return category is not None and FLAG in category.flags


def escalate_if_immediate(ctx: Context, case: Case) -> frozenset[int]:
    """Alert the queue's owner and the head of the organisation (those of them who may see
    the case) at once; returns the accounts told (none if the category is not immediate)."""
    if not is_immediate(ctx, case) or case.closed_at is not None:
        return frozenset()
    from casework.services.grants import owner_accounts  # (grants imports access's users)
    from casework.services.reminders import visible_pairs

    heads = frozenset().union(*(owner_accounts(ctx, q.key)
                                for q in ctx.runtime.pack.queues.values()
                                if q.owner_role == HEAD_ROLE))
    wanted = owner_accounts(ctx, case.queue) | heads
    ctx.session.flush()
    told = frozenset(user for user, _ in visible_pairs(ctx, {u: {case.id} for u in wanted})) \
        if wanted else frozenset()
    if not told:
        told = frozenset(s.user_id for s in seers_of(ctx, case))
    if not told:
        return told  # handed outside the organisation: its recipient is told there
    notify.enqueue_many(ctx, [notify.Outgoing(f"escalate:{case.id}:{user_id}", KIND, "staff",
                                              user_id=user_id, case_id=case.id)
                              for user_id in sorted(told)])
    inbox.deliver(ctx, "escalated", f"escalated:{case.id}", told, case)
    add_event(ctx, case, "escalated", facts={"told": len(told)})
    ctx.audit(Kind.CASE_ESCALATE, "system", case_id=case.id, told=len(told))
    return told


@dataclass(frozen=True)
class Escalated:
    """An open case escalated to the viewer, for their dashboard."""

    reference: str
    category: str
    queue: str
    opened_at: datetime


def escalated_to(ctx: Context, actor: Staff) -> list[Escalated]:
    """The open cases escalated to this account that it may still see, newest first."""
    rows = ctx.session.execute(
        select(Case.reference, Case.category, Case.queue, Case.opened_at)
        .join(Notification, Notification.case_id == Case.id)
        .where(Notification.kind == KIND, Notification.user_id == actor.user_id,
               Case.closed_at.is_(None), visible_filter(actor))
        .order_by(Case.opened_at.desc(), Case.id.desc())).all()
    return [Escalated(*row) for row in rows]
