"""The append-only, hash-chained audit trail, and database-backed throttles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, utcnow


class AuditEvent(Base):
    """One audited happening; its hash covers the previous hash and its own canonical content."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(48))
    actor: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row that serialises appends: the chain's last sequence number and hash, and
    their seal (an HMAC under a key outside the database, so the head cannot be rewound by
    someone who can only write to the database); None until sealed."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
    seal: Mapped[str | None] = mapped_column(String(64))


class Throttle(Base):
    """Failed attempts per bucket (a reference, a client address, an account), across processes."""

    __tablename__ = "throttles"

    bucket: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[datetime | None]
