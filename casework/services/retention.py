"""Retention: cases past the policy's period lose their keys and content (crypto-shredding).
A case under a legal hold is never purged (casework.services.holds), nor is a duplicate while
the case it was merged into is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, text, update
from sqlalchemy.orm import aliased

from casework.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseKey,
    CaseLink,
    CaseParty,
    CaseWord,
    Message,
    Note,
    Recusal,
)
from casework.services.access import forget
from casework.services.audit import Kind
from casework.services.context import Context


def _cutoff(ctx: Context) -> datetime:
    return ctx.now - timedelta(days=ctx.runtime.pack.retention_days)


def _past_retention(cutoff: datetime) -> ColumnElement[bool]:
    """Closed before the cutoff and still holding content."""
    return and_(Case.closed_at.is_not(None), Case.closed_at < cutoff, Case.purged_at.is_(None))


def _kept_with_merged_into(cutoff: datetime) -> ColumnElement[bool]:
    """A duplicate merged into a case that is itself kept (open, recent or held): its
    reporter's conversation lives as long as the matter does."""
    joined = aliased(Case)
    return exists().where(
        CaseLink.case_id == Case.id, CaseLink.kind == "duplicate",
        joined.id == CaseLink.other_case_id, joined.purged_at.is_(None),
        or_(joined.closed_at.is_(None), joined.closed_at >= cutoff,
            joined.legal_hold_since.is_not(None)))


def due_for_purge(ctx: Context) -> list[int]:
    """Closed cases whose retention period has run out and that still hold content, less
    those under a legal hold and duplicates merged into a case still kept."""
    cutoff = _cutoff(ctx)
    return list(ctx.session.execute(select(Case.id).where(
        _past_retention(cutoff), Case.legal_hold_since.is_(None),
        ~_kept_with_merged_into(cutoff)).order_by(Case.id)).scalars())


@dataclass(frozen=True)
class HeldBack:
    """Cases past their retention period that a purge leaves alone, and why."""

    legal_hold: int
    merged: int


def held_back(ctx: Context) -> HeldBack:
    """How many cases past retention are kept: under a legal hold, or merged into a case
    still kept (and not held)."""
    cutoff = _cutoff(ctx)
    held = ctx.session.execute(select(func.count()).select_from(Case).where(
        _past_retention(cutoff), Case.legal_hold_since.is_not(None))).scalar()
    merged = ctx.session.execute(select(func.count()).select_from(Case).where(
        _past_retention(cutoff), Case.legal_hold_since.is_(None),
        _kept_with_merged_into(cutoff))).scalar()
    return HeldBack(held, merged)


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
    for model in (Note, Message, Attachment, CaseParty, CaseWord):
        session.execute(delete(model).where(model.case_id.in_(ids)))
    session.execute(update(Recusal).where(Recusal.case_id.in_(ids)).values(reason_ct=None))
    session.execute(update(CaseEvent).where(CaseEvent.case_id.in_(ids)).values(fields_ct=None))
    session.execute(update(Case).where(Case.id.in_(ids)).values(
        content_ct=None, routing_ct=None, title_ct=None, receipt_hash=None, purged_at=ctx.now,
        version=Case.version + 1), execution_options={"synchronize_session": False})
    ctx.audit(Kind.RETENTION_PURGE, "cli", cases=len(ids))
    forget(ctx)
    return ids
