"""Reading a case's audit events: for those who may see the case, and for auditors who are
neither implicated in it nor recused from it (events carry no case content)."""

from __future__ import annotations

from sqlalchemy import select

from casework.models import AuditEvent
from casework.services.access import Action, Staff, open_case
from casework.services.content import Window
from casework.services.context import Context


def case_audit_events(ctx: Context, actor: Staff, reference: str,
                      window: Window) -> list[AuditEvent]:
    """A case's audit events, oldest first; an unreachable case is exactly a missing one."""
    case = open_case(ctx, actor, reference, Action.READ_AUDIT)
    return list(ctx.session.execute(window.apply(
        select(AuditEvent).where(AuditEvent.case_id == case.id)
        .order_by(AuditEvent.seq))).scalars())
