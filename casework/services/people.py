"""The people directory and staff accounts (administration, no case content)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyotp
from sqlalchemy import select

from casework.crypto import envelope
from casework.crypto.keys import Keyring
from casework.crypto.passwords import hash_password
from casework.models import STAFF_ROLES, Person, QueueMembership, User, UserRole
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Conflict, Invalid
from casework.workflow.policy import PERSON_ROLES

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 12


@dataclass(frozen=True)
class NewPerson:
    """A directory entry to add."""

    name: str
    position: str
    email: str | None = None
    department: str | None = None
    roles: tuple[str, ...] = ()
    manager_id: int | None = None


@dataclass(frozen=True)
class NewUser:
    """A staff account to create."""

    email: str
    name: str
    password: str
    roles: tuple[str, ...]
    queues: tuple[str, ...] = ()
    person_id: int | None = None


@dataclass(frozen=True)
class CreatedUser:
    """The account, and its TOTP secret shown once where a second factor is required."""

    user: User
    totp_secret: str | None


def create_person(ctx: Context, actor: str, new: NewPerson) -> Person:
    """Add someone to the directory."""
    errors = {}
    if not new.name.strip():
        errors["name"] = "required"
    if not new.position.strip():
        errors["position"] = "required"
    if bad := set(new.roles) - PERSON_ROLES:
        errors["roles"] = f"unknown roles {sorted(bad)}; allowed: {sorted(PERSON_ROLES)}"
    if new.department and new.department not in ctx.runtime.pack.departments:
        errors["department"] = "not a department of this organisation"
    if new.manager_id is not None and ctx.session.get(Person, new.manager_id) is None:
        errors["manager_id"] = "no such person in the directory"
    if new.email and not EMAIL.match(new.email):
        errors["email"] = "not an email address"
    if errors:
        raise Invalid("Some answers need attention.", errors)
    person = Person(name=new.name.strip(), position=new.position.strip(), email=new.email,
                    department=new.department, roles=sorted(set(new.roles)),
                    manager_id=new.manager_id)
    ctx.session.add(person)
    ctx.session.flush()
    ctx.audit(Kind.PERSON_CREATE, actor, person_id=person.id)
    return person


def create_user(ctx: Context, actor: str, new: NewUser) -> CreatedUser:
    """Create a staff account; accounts that can see case content get a TOTP secret."""
    _validate_user(ctx, new)
    user = User(email=new.email.strip().lower(), name=new.name.strip(),
                password_hash=hash_password(new.password), person_id=new.person_id,
                created_at=ctx.now)
    user.role_rows = [UserRole(role=r) for r in sorted(set(new.roles))]
    user.queue_rows = [QueueMembership(queue=q) for q in sorted(set(new.queues))]
    ctx.session.add(user)
    ctx.session.flush()
    secret = None
    if user.needs_second_factor:
        secret = pyotp.random_base32()
        user.totp_secret_ct = seal_account_secret(ctx.runtime.keyring, user.id, secret)
    ctx.audit(Kind.USER_CREATE, actor, user_id=user.id, roles=sorted(user.roles),
              queues=sorted(user.queues))
    return CreatedUser(user, secret)


def _validate_user(ctx: Context, new: NewUser) -> None:
    errors = {}
    if not EMAIL.match(new.email or ""):
        errors["email"] = "not an email address"
    elif ctx.session.execute(select(User.id).where(
            User.email == new.email.strip().lower())).first():
        raise Conflict("An account with this email exists already.", {"email": "taken"})
    if len(new.password or "") < MIN_PASSWORD:
        errors["password"] = f"must be at least {MIN_PASSWORD} characters"
    if not new.roles:
        errors["roles"] = "at least one role"
    elif bad := set(new.roles) - set(STAFF_ROLES):
        errors["roles"] = f"unknown roles {sorted(bad)}; allowed: {list(STAFF_ROLES)}"
    if bad := set(new.queues) - set(ctx.runtime.pack.queues):
        errors["queues"] = f"unknown queues {sorted(bad)}"
    if new.person_id is not None and ctx.session.get(Person, new.person_id) is None:
        errors["person_id"] = "no such person in the directory"
    if errors:
        raise Invalid("Some answers need attention.", errors)


def _account_key(keyring: Keyring) -> bytes:
    return keyring.derive("account-secrets")


def seal_account_secret(keyring: Keyring, user_id: int, secret: str) -> bytes:
    """Encrypt a TOTP secret under a key derived from the out-of-database index key."""
    return envelope.encrypt(_account_key(keyring), secret, case_id=0, kind="totp",
                            record_id=user_id)


def open_account_secret(keyring: Keyring, user_id: int, blob: bytes) -> str:
    """Decrypt a TOTP secret."""
    return envelope.decrypt_text(_account_key(keyring), blob, case_id=0, kind="totp",
                                 record_id=user_id)
