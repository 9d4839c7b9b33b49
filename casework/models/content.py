"""Sealed case content: confidential notes, messages with the reporter, and evidence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, utcnow


class Note(Base):
    """A confidential note by a staff member; the body is sealed under the case key."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    body_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


class Message(Base):
    """A message between the reporter and the handlers; sealed."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(16))  # reporter | handler
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    body_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


class Attachment(Base):
    """Evidence: bytes and file name sealed; only the size is in the clear."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[str] = mapped_column(String(16))  # reporter | staff
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    size: Mapped[int]
    meta_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
