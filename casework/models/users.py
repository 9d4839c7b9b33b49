"""Staff accounts: roles, queue memberships and an optional link to a directory person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, utcnow

STAFF_ROLES = ("admin", "intake", "investigator", "decision_maker", "hr_analyst", "auditor")
#: Roles that reach case content (through a queue or an assignment).
CONTENT_ROLES = frozenset({"intake", "investigator", "decision_maker"})


class User(Base):
    """A staff member who signs in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Empty until the person enrols with their invitation (no password matches it).
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    session_epoch: Mapped[int] = mapped_column(default=0)
    #: The language the person reads Casework in (pages and emails); None: the site's first.
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")
    queue_rows: Mapped[list[QueueMembership]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[str]:
        """The staff roles this account holds."""
        return frozenset(r.role for r in self.role_rows)

    @property
    def queues(self) -> frozenset[str]:
        """The queues this account is a member of."""
        return frozenset(q.queue for q in self.queue_rows)

    @property
    def enrolled(self) -> bool:
        """Whether the person has chosen a password (every account also needs a second
        factor to sign in: `totp_secret_ct`, cleared when it is reset)."""
        return bool(self.password_hash)


class UserRole(Base):
    """One staff role held by one account."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class QueueMembership(Base):
    """An account's membership of a queue."""

    __tablename__ = "queue_memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class OidcIdentity(Base):
    """The provider identity (issuer and subject) an account was linked to at its first
    single sign-on; one per account, and one account per identity."""

    __tablename__ = "oidc_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_oidc_identity"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
