"""Separation of duties: invitations to enrol, and grants of access that wait for approval.

An administrator never sets anyone's password or second factor: an account is made with a
one-time invitation (stored as a digest only) and the person enrols with it. A new grant of
case access (a queue, a role that reaches cases) is a row here until the queue's owner, or a
second administrator, approves it; only then do the `user_roles` and `queue_memberships` rows
that the access policy reads exist.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, utcnow

#: What an invitation lets its holder do: enrol a new account (choose a password and set up
#: an authenticator app), or set up a new authenticator app for an enrolled account.
INVITATION_PURPOSES = ("enrol", "reset")
#: A grant's life: pending until decided; withdrawn when the request no longer stands (the
#: account was deactivated, or the role or queue was taken off before anyone decided).
GRANT_STATES = ("pending", "approved", "refused", "withdrawn")


class Invitation(Base):
    """A one-time code to enrol with; the code is shown once and kept only as its digest."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AccessGrant(Base):
    """A request to give an account a queue or a role, and what became of it."""

    __tablename__ = "access_grants"
    __table_args__ = (
        CheckConstraint("(queue IS NULL) <> (role IS NULL)", name="queue_or_role"),
        Index("ix_access_grants_state", "state", "queue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    queue: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
