"""Appending to a case's event history, the truth its cached state is checked against."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.models import Case, CaseEvent
from casework.services.context import Context


def add_event(ctx: Context, case: Case, kind: str, *, actor_kind: str = "system",
              actor_user_id: int | None = None, **columns: object) -> CaseEvent:
    """Add the case's next event, numbered while holding the case row's lock.

    Writers that do not change the case (a message, an assignment) would otherwise read the
    same last seq as a concurrent transition and fail on the unique (case, seq) at commit.
    The lock is PostgreSQL's FOR NO KEY UPDATE, the one an UPDATE of the row takes: a plain
    FOR UPDATE would also wait for the key-share locks that inserting a message or an event
    (a foreign key to the case) holds, and two such writers would deadlock. SQLite serialises
    writers at BEGIN already and renders no lock clause.
    """
    ctx.session.flush()
    ctx.session.execute(select(Case.id).where(Case.id == case.id)
                        .with_for_update(key_share=True))
    last = ctx.session.execute(
        select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id)).scalar()
    event = CaseEvent(case_id=case.id, seq=(last or 0) + 1, kind=kind, actor_kind=actor_kind,
                      actor_user_id=actor_user_id, at=ctx.now, **columns)
    ctx.session.add(event)
    from casework.services.inbox import on_event  # (the inbox reads the access policy)

    on_event(ctx, case, event)
    return event
