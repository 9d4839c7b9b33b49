"""The staff inbox: what needs each person's attention, and how they want to hear of it.

An item names a kind, a case (or none) and a time, never what the case says. Whether a person
may still see the case is asked of the access policy each time the inbox is read, so an item
about a case they can no longer open is simply not shown.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, utcnow


class InboxItem(Base):
    """One thing for one staff member to look at."""

    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_user_read", "user_id", "read_at", "at"),
                      Index("ix_inbox_items_user_case", "user_id", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: new_report, reporter_message, reporter_evidence, reporter_update, assigned,
    #: grant_pending, due_soon, overdue, escalated, referral_due (services/inbox.py KINDS).
    kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                                index=True)
    #: What the item is about, e.g. "message:41:user:7": the same event never makes two items.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class InboxSetting(Base):
    """How a staff member hears of new items by email: at once, a daily digest, or not."""

    __tablename__ = "inbox_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    email: Mapped[str] = mapped_column(String(16), default="daily")  # immediate | daily | none
    #: When the last digest was put in the outbox (one a day at most; it counts what came
    #: after this).
    digest_at: Mapped[datetime | None]
