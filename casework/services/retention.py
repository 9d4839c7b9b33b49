"""Retention: cases past the policy's period lose their keys and content (crypto-shredding)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, text, update

from casework.models import Attachment, Case, CaseEvent, CaseKey, CaseParty, Message, Note, Recusal
from casework.services.access import forget
from casework.services.audit import Kind
from casework.services.context import Context


def due_for_purge(ctx: Context) -> list[int]:
    """Closed cases whose retention period has run out and that still hold content."""
    cutoff = ctx.now - timedelta(days=ctx.runtime.pack.retention_days)
    return list(ctx.session.execute(select(Case.id).where(
        Case.closed_at.is_not(None), Case.closed_at < cutoff, Case.purged_at.is_(None))
        .order_by(Case.id)).scalars())


def purge(ctx: Context, *, dry_run: bool = False) -> list[int]:
    """Destroy keys and sealed content; keep the facts statistics need."""
    ids = due_for_purge(ctx)
    if dry_run or not ids:
        return ids
    session = ctx.session
    if session.get_bind().dialect.name == "sqlite":
        # Zero freed pages, or deleted keys stay readable in the file. make_engine sets this
        # on every connection too; it is repeated here so a purge never depends on that.
        session.execute(text("PRAGMA secure_delete=ON"))
    session.execute(delete(CaseKey).where(CaseKey.case_id.in_(ids)))
    for model in (Note, Message, Attachment, CaseParty):
        session.execute(delete(model).where(model.case_id.in_(ids)))
    session.execute(update(Recusal).where(Recusal.case_id.in_(ids)).values(reason_ct=None))
    session.execute(update(CaseEvent).where(CaseEvent.case_id.in_(ids)).values(fields_ct=None))
    session.execute(update(Case).where(Case.id.in_(ids)).values(
        content_ct=None, routing_ct=None, receipt_hash=None, purged_at=ctx.now,
        version=Case.version + 1), execution_options={"synchronize_session": False})
    ctx.audit(Kind.RETENTION_PURGE, "cli", cases=len(ids))
    forget(ctx)
    return ids
