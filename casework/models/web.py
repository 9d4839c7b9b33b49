"""Server-side web sessions: the cookie holds a random token; the row holds only its digest
and the session data sealed under a key derived from that token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, utcnow


class WebSession(Base):
    """One browser session (a reporter's or a staff member's)."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_expires", "expires_at"),)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    data_ct: Mapped[bytes] = mapped_column(LargeBinary)
