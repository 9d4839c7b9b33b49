"""No case is ever left where nobody can see it.

When a conflict, a closed account, a new person implicated or a move leaves an open case that
no active account may read, it goes along its queue's fallback chain (from the policy pack) to
the first queue where someone can, and that queue's owner is told. Past the chain is a
recipient outside the organisation (the pack names it): the case is handed over as a recorded
referral, and the operator exports the case file for it (`casework cases export`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_, select

from casework.i18n import _
from casework.models import (
    CONTENT_ROLES,
    Assignment,
    Case,
    CaseEvent,
    CaseParty,
    QueueMembership,
    Recusal,
    User,
    UserRole,
)
from casework.services import notify
from casework.services.access import HIDDEN_FROM, forget, seers_of
from casework.services.audit import Kind
from casework.services.clocks import stop_all
from casework.services.context import Context
from casework.services.errors import Conflict
from casework.services.events import add_event
from casework.workflow.policy import Queue
from casework.workflow.texts import english


@dataclass(frozen=True)
class Rehomed:
    """Where an unseen case went: a queue inside, or a recipient outside."""

    queue: str
    recipient: str | None = None


def rehome(ctx: Context, case: Case, why: str, actor: str = "system") -> Rehomed | None:
    """Move an open case nobody can see to the first queue in its fallback chain where
    someone can, or hand it to the pack's outside recipient. None if it needed nothing."""
    if not case.is_open or case.purged_at is not None:
        return None
    queues = ctx.runtime.pack.queues
    queue = queues.get(case.queue)
    if queue is not None and queue.recipient is not None:  # routed straight outside
        return None if _handed_over(ctx, case) else _hand_over(ctx, case, queue, why, actor)
    if seers_of(ctx, case, first=True):
        return None
    while queue is not None and queue.recipient is None and queue.fallback:
        queue = queues[queue.fallback]
        if queue.recipient is not None:
            return _hand_over(ctx, case, queue, why, actor)
        if seers_of(ctx, case, queue.key, first=True):
            return _move(ctx, case, queue, why, actor)
    return None  # already with an outside recipient (the pack guarantees every chain ends so)


def hand_over_if_outside(ctx: Context, case: Case, actor: str = "system") -> Rehomed | None:
    """A case the routing rules sent straight outside (everyone who could take it inside is
    implicated) is handed over as a recorded referral, once."""
    queue = ctx.runtime.pack.queues.get(case.queue)
    if queue is None or queue.recipient is None or not case.is_open or _handed_over(ctx, case):
        return None
    return _hand_over(ctx, case, queue, "everyone who could take it inside the organisation "
                      "is implicated", actor)


def rehome_all(ctx: Context, cases: list[Case], why: str, actor: str = "system") -> int:
    """`rehome` each case; returns how many moved."""
    return sum(rehome(ctx, case, why, actor) is not None for case in cases)


def cases_reached_by(ctx: Context, user: User) -> list[Case]:
    """The open cases an account reaches through its queues or assignments (to check once
    it has lost them)."""
    assigned = select(Assignment.case_id).where(Assignment.user_id == user.id,
                                                Assignment.ended_at.is_(None))
    return list(ctx.session.execute(select(Case).where(
        or_(Case.queue.in_(sorted(user.queues)), Case.id.in_(assigned)),
        Case.closed_at.is_(None), Case.purged_at.is_(None)).order_by(Case.id)).scalars())


def _add_reason(ctx: Context, case: Case, previous: str, queue: Queue, why: str) -> None:
    """Say in the case's routing reasons why it is in a queue the rules did not choose (kept
    with the case: the pack's words in English, whatever the language of the moment)."""
    vault = ctx.vault(case)
    routing = vault.open_json("routing", case.id, case.routing_ct) if case.routing_ct else {}
    came_from = ctx.runtime.pack.queues.get(previous)
    reasons = [*routing.get("reasons", []),
               f"moved to {english(queue.label)} because: {why} (next in line after "
               f"{english(came_from.label) if came_from else previous} in the policy)"]
    case.routing_ct = vault.seal_json("routing", case.id, {**routing, "reasons": reasons})


def _move(ctx: Context, case: Case, queue: Queue, why: str, actor: str) -> Rehomed:
    previous, case.queue = case.queue, queue.key
    _add_reason(ctx, case, previous, queue, why)
    add_event(ctx, case, "queue_fallback", facts={"from": previous, "to": queue.key, "why": why})
    ctx.audit(Kind.CASE_FALLBACK, actor, case_id=case.id, queue=queue.key, why=why)
    forget(ctx)
    from casework.services.grants import owner_accounts  # (grants imports access's users)

    told = owner_accounts(ctx, queue.key) or frozenset(s.user_id for s in seers_of(ctx, case))
    notify.enqueue_many(ctx, [notify.Outgoing(
        f"fallback:{case.id}:{queue.key}:{ctx.now.isoformat()}:{user_id}", "case_fallback",
        "staff", user_id=user_id, case_id=case.id) for user_id in sorted(told)])
    return Rehomed(queue.key)


def _handed_over(ctx: Context, case: Case) -> bool:
    return ctx.session.execute(select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "external_referral")).first() is not None


def handed_to(ctx: Context, case: Case) -> str | None:
    """The outside recipient a case was handed to, if it was."""
    queue = ctx.runtime.pack.queues.get(case.queue)
    return queue.recipient if queue is not None else None


def refuse_once_handed_over(ctx: Context, case: Case) -> None:
    """Nothing more is added to a case handed outside: nobody inside would ever read it."""
    recipient = handed_to(ctx, case)
    if recipient is not None:
        raise Conflict(_("This report has been passed to %(recipient)s, outside the "
                         "organisation, and nobody here can read it any more. Please contact "
                         "%(recipient)s directly.", recipient=recipient))


def _hand_over(ctx: Context, case: Case, queue: Queue, why: str, actor: str) -> Rehomed:
    previous, case.queue = case.queue, queue.key
    stop_all(ctx, case, met=False)  # the organisation's deadlines end here, unmet
    if previous != queue.key:
        _add_reason(ctx, case, previous, queue, why)
    add_event(ctx, case, "external_referral",
              facts={"from": previous, "to": queue.key, "recipient": queue.recipient,
                     "why": why})
    ctx.audit(Kind.CASE_HANDOFF, actor, case_id=case.id, queue=queue.key, why=why)
    forget(ctx)
    return Rehomed(queue.key, queue.recipient)


@dataclass(frozen=True)
class Unseen:
    """An open case no active account can see, or one handed outside and not yet sent."""

    reference: str
    queue: str
    opened_at: datetime
    handed_over_on: datetime | None
    exported: bool

    @property
    def needs_action(self) -> bool:
        """Unseen inside, or handed over but its file not exported yet."""
        return self.handed_over_on is None or not self.exported


def unseen_cases(ctx: Context) -> list[Unseen]:
    """Every open case nobody can see. One query narrows the open cases to those in a queue
    with no active member who handles cases, or with a conflict on record (a recusal or a
    directory person implicated); only those are checked one by one."""
    staffed = select(QueueMembership.queue).join(User, User.id == QueueMembership.user_id).join(
        UserRole, UserRole.user_id == User.id).where(
        User.active.is_(True), UserRole.role.in_(sorted(CONTENT_ROLES)))
    conflicted = or_(
        exists().where(Recusal.case_id == Case.id),
        exists().where(CaseParty.case_id == Case.id, CaseParty.kind.in_(HIDDEN_FROM),
                       CaseParty.person_index.is_not(None)))
    doubtful = ctx.session.execute(select(Case).where(
        Case.closed_at.is_(None), Case.purged_at.is_(None),
        or_(Case.queue.not_in(staffed), conflicted)).order_by(Case.id)).scalars()
    return [_unseen(ctx, case) for case in doubtful if not seers_of(ctx, case, first=True)]


def _unseen(ctx: Context, case: Case) -> Unseen:
    kinds = dict(ctx.session.execute(select(CaseEvent.kind, CaseEvent.at).where(
        CaseEvent.case_id == case.id,
        CaseEvent.kind.in_(("external_referral", "case_exported")))).all())
    return Unseen(case.reference, case.queue, case.opened_at, kinds.get("external_referral"),
                  "case_exported" in kinds)
