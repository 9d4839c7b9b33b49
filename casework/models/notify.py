"""The notification outbox and aftercare check-ins.

An email is first a row here, written in the same transaction as whatever caused it, with a
unique key saying what it is about; a sender then claims and delivers it. So a notification is
never lost (it outlives a failed SMTP server) and never made twice (a second reminder run finds
the key taken). Rows hold no case content: a kind, the recipient, and at most a due date.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, utcnow


class Notification(Base):
    """One email to send: to a staff account, or to a case's reporter (address sealed there)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What this notification is about, e.g. "clock:41:feedback:2026-06-02:overdue:user:7".
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient_kind: Mapped[str] = mapped_column(String(16))  # staff | reporter
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                                index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: pending | sent | failed (gave up) | dropped (the recipient may no longer be told)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A sender holds the row until this time; a sender that died lets it go by itself.
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    #: The SMTP error's class and code only, never the message text (it may echo an address).
    last_error: Mapped[str | None] = mapped_column(String(200))


class CheckIn(Base):
    """An aftercare question to a reporter after their case closed: any detriment since?"""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("case_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    due_on: Mapped[date] = mapped_column(index=True)
    answered_at: Mapped[datetime | None]
    detriment: Mapped[bool | None]
    follow_up_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"))
