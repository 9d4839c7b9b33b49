"""Published statistics releases, kept so that every later release can be checked against
every earlier one (and so that asking again for a finished period gives the same numbers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, utcnow


class StatsRelease(Base):
    """One published table: its period, dimensions and profile, and the protected rows only
    (exact counts are never stored: they are recomputed from the cases if ever needed)."""

    __tablename__ = "stats_releases"
    __table_args__ = (UniqueConstraint("period", "dimensions", "profile"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(16))
    #: The dimensions, sorted and comma-separated ("category,route"). An annual report is
    #: stored as the releases of its tables.
    dimensions: Mapped[str] = mapped_column(String(200))
    profile: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[dict] = mapped_column(JSON)
