"""Appending to a case's event history, the truth its cached state is checked against."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.models import Case, CaseEvent
from casework.services.context import Context


def add_event(ctx: Context, case: Case, kind: str, *, actor_kind: str = "system",
              actor_user_id: int | None = None, **columns: object) -> CaseEvent:
    """Add the case's next event; (case, seq) is unique, so two writers cannot both add seq n."""
    ctx.session.flush()
    last = ctx.session.execute(
        select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id)).scalar()
    event = CaseEvent(case_id=case.id, seq=(last or 0) + 1, kind=kind, actor_kind=actor_kind,
                      actor_user_id=actor_user_id, at=ctx.now, **columns)
    ctx.session.add(event)
    return event
