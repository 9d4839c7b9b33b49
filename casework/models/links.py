"""Links between cases: related reports, and a duplicate merged into the case it repeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, utcnow

#: `related`: shown on both cases. `duplicate`: `case_id` was merged into `other_case_id`.
LINK_KINDS = ("related", "duplicate")


class CaseLink(Base):
    """One link between two cases. Only those who can see both cases are shown it."""

    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("case_id", "other_case_id"),
        CheckConstraint("kind IN ('related', 'duplicate')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    other_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                               index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
