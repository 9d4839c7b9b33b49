"""The keyed word index of case text, and the filters staff save on the case list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, utcnow


class CaseWord(Base):
    """One word of a case's own text, as a keyed token (casework.services.search): the
    database holds which cases share a token, never the word. One row per (case, token)."""

    __tablename__ = "case_words"
    # Found by token (the search); deleted and rewritten by case (the index's writer).
    __table_args__ = (Index("ix_case_words_case", "case_id"),)

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)


class SavedFilter(Base):
    """A case-list query a staff member saved under a name; only they see it."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    #: The case list's query string as {parameter: value} (filters only, never a page).
    query: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
