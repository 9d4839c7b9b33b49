"""Staff accounts: the operator's bootstrap, invitations by administrators, changes of roles and
queues, a new invitation (enrolment again, or a second-factor reset), and deactivation.

Administrators never learn a password or a second-factor secret: their accounts are made with
an invitation the person enrols with (services.invitations). What they add that reaches cases
waits for approval (services.grants); what they take away goes at once. An administrator acts
on other accounts only. Nothing here touches a case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from casework.crypto.passwords import hash_password
from casework.i18n import _
from casework.models import (
    STAFF_ROLES,
    AccessGrant,
    ApiToken,
    Person,
    QueueMembership,
    User,
    UserRole,
    WebSession,
)
from casework.services import grants, handoff, invitations, totp
from casework.services.access import Staff
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.directory import require_admin
from casework.services.errors import Conflict, Forbidden, Invalid, NotFound
from casework.services.people import EMAIL


@dataclass(frozen=True)
class NewUser:
    """A staff account the operator creates, password and all."""

    email: str
    name: str
    password: str
    roles: tuple[str, ...]
    queues: tuple[str, ...] = ()
    person_id: int | None = None


@dataclass(frozen=True)
class CreatedUser:
    """The account, and its TOTP secret (shown once)."""

    user: User
    totp_secret: str


@dataclass(frozen=True)
class NewAccount:
    """A staff account an administrator asks for: no password, no secret."""

    email: str
    name: str
    roles: tuple[str, ...]
    queues: tuple[str, ...] = ()
    person_id: int | None = None


@dataclass(frozen=True)
class Invited:
    """An account with an invitation (its code shown once), and the grants still waiting."""

    user: User
    invitation: invitations.Issued
    pending: list[AccessGrant]


@dataclass(frozen=True)
class AccessChange:
    """An account after a change, and the grants now waiting for approval."""

    user: User
    pending: list[AccessGrant]


def create_user(ctx: Context, actor: str, new: NewUser) -> CreatedUser:
    """The operator's bootstrap (`casework users create`, demo data): password and second
    factor set here, roles and queues given at once. Outside separation of duties on purpose:
    whoever runs it holds the key and the database already."""
    _validate(ctx, new.email, new.roles, new.queues, new.person_id)
    invitations.check_password(new.password)
    user = User(email=new.email.strip().lower(), name=new.name.strip(),
                password_hash=hash_password(new.password), person_id=new.person_id,
                created_at=ctx.now)
    user.role_rows = [UserRole(role=r) for r in sorted(set(new.roles))]
    user.queue_rows = [QueueMembership(queue=q) for q in sorted(set(new.queues))]
    ctx.session.add(user)
    ctx.session.flush()
    secret = totp.new_secret()
    user.totp_secret_ct = totp.seal_account_secret(ctx.runtime.keyring, user.id, secret)
    ctx.audit(Kind.USER_CREATE, actor, user_id=user.id, roles=sorted(user.roles),
              queues=sorted(user.queues))
    return CreatedUser(user, secret)


def invite_user(ctx: Context, actor: Staff, new: NewAccount) -> Invited:
    """An administrator's new account: an invitation to enrol, no password, no secret; roles
    and queues that reach cases wait for approval."""
    require_admin(actor)
    _validate(ctx, new.email, new.roles, new.queues, new.person_id)
    user = User(email=new.email.strip().lower(), name=new.name.strip(), password_hash="",
                person_id=new.person_id, created_at=ctx.now)
    ctx.session.add(user)
    ctx.session.flush()
    ctx.audit(Kind.USER_INVITE, actor.label, user_id=user.id, roles=sorted(set(new.roles)),
              queues=sorted(set(new.queues)))
    pending = grants.give_or_request(ctx, actor, user, new.roles, new.queues)
    issued = invitations.issue(ctx, user, "enrol", actor.user_id)
    return Invited(user, issued, pending)


def reinvite(ctx: Context, actor: Staff, user_id: int) -> invitations.Issued:
    """A new invitation. For an account not yet enrolled it replaces the old one; for an
    enrolled account it resets the second factor: its sessions end, and the person sets up a
    new authenticator app with their current password."""
    user = _other_account(ctx, actor, user_id, _(
        "You may not reset your own second factor: ask another administrator."))
    return _reissue(ctx, actor.label, actor.user_id, user)


def operator_reinvite(ctx: Context, email: str) -> invitations.Issued:
    """The operator's way back in for an account that cannot sign in (`casework users
    invite`), such as an administrator enrolled before every account had a second factor."""
    user = ctx.session.execute(select(User).where(
        User.email == (email or "").strip().lower())).scalar_one_or_none()
    if user is None or not user.active:
        raise NotFound(_("There is no active account with this email."))
    return _reissue(ctx, "cli", None, user)


def _reissue(ctx: Context, label: str, by: int | None, user: User) -> invitations.Issued:
    purpose = "reset" if user.enrolled else "enrol"
    if purpose == "reset":
        user.totp_secret_ct, user.totp_last_step = None, None
        end_sessions(ctx, user)
    issued = invitations.issue(ctx, user, purpose, by)
    ctx.audit(Kind.INVITATION_ISSUE, label, user_id=user.id, purpose=purpose)
    return issued


def change_access(ctx: Context, actor: Staff, user_id: int, roles: Iterable[str],
                  queues: Iterable[str]) -> AccessChange:
    """Make an account's roles and queues these: removals at once, additions that reach
    cases as grants waiting for approval (requests no longer wanted are withdrawn)."""
    user = _other_account(ctx, actor, user_id, _(
        "You may not change your own roles or queues: ask another administrator."))
    roles, queues = set(roles), set(queues)
    _check_roles_and_queues(ctx, roles, queues)
    reached = handoff.cases_reached_by(ctx, user)
    removed_roles, removed_queues = user.roles - roles, user.queues - queues
    user.role_rows = [r for r in user.role_rows if r.role in roles]
    user.queue_rows = [q for q in user.queue_rows if q.queue in queues]
    ctx.session.flush()
    ctx.audit(Kind.USER_ACCESS, actor.label, user_id=user.id, removed_roles=sorted(removed_roles),
              removed_queues=sorted(removed_queues), roles=sorted(roles), queues=sorted(queues))
    pending = grants.give_or_request(ctx, actor, user, roles, queues)
    grants.withdraw(ctx, actor, user, keep_roles=roles - user.roles,
                    keep_queues=queues - user.queues)  # no longer wanted, or given meanwhile
    handoff.rehome_all(ctx, reached, "the only person able to handle it lost that access",
                       actor.label)
    return AccessChange(user, pending)


def deactivate(ctx: Context, actor: Staff, user_id: int) -> User:
    """Close an account: it cannot sign in, its tokens and sessions end at once, its unused
    invitation stops working and its pending grants are withdrawn."""
    return close_account(ctx, actor, _other_account(ctx, actor, user_id, _(
        "You may not deactivate your own account: ask another administrator.")))


def close_account(ctx: Context, actor: Staff, user: User) -> User:
    """Deactivate an account, for an administrator or (with a stand-in actor whose
    `user_id` is None) the single sign-on, when the provider no longer knows its identity."""
    reached = handoff.cases_reached_by(ctx, user)
    user.active = False
    end_sessions(ctx, user)
    invitations.revoke(ctx, user)
    grants.withdraw(ctx, actor, user)
    ctx.audit(Kind.USER_DEACTIVATE, actor.label, user_id=user.id)
    handoff.rehome_all(ctx, reached, "the account of the only person able to handle it was "
                       "closed", actor.label)
    return user


def end_sessions(ctx: Context, user: User) -> None:
    """Every API token and web session of the account stops working now."""
    user.session_epoch += 1
    ctx.session.execute(update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=ctx.now)
        .execution_options(synchronize_session=False))
    ctx.session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    ctx.session.flush()


def _other_account(ctx: Context, actor: Staff, user_id: int, own: str) -> User:
    """Another active account, for an administrator (404, 403 for their own with the refusal
    `own`, 409 closed)."""
    require_admin(actor)
    user = ctx.session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such account."))
    if user.id == actor.user_id:
        raise Forbidden(own)
    if not user.active:
        raise Conflict(_("This account has been deactivated."))
    return user


def _validate(ctx: Context, email: str, roles: Iterable[str], queues: Iterable[str],
              person_id: int | None) -> None:
    errors = {}
    if not EMAIL.match(email or ""):
        errors["email"] = _("not an email address")
    elif ctx.session.execute(select(User.id).where(
            User.email == email.strip().lower())).first():
        raise Conflict(_("An account with this email exists already."), {"email": _("taken")})
    if not roles:
        errors["roles"] = _("at least one role")
    errors |= _role_and_queue_errors(ctx, set(roles), set(queues))
    if person_id is not None and ctx.session.get(Person, person_id) is None:
        errors["person_id"] = _("no such person in the directory")
    if errors:
        raise Invalid(_("Some answers need attention."), errors)


def _check_roles_and_queues(ctx: Context, roles: set[str], queues: set[str]) -> None:
    if errors := _role_and_queue_errors(ctx, roles, queues):
        raise Invalid(_("Some answers need attention."), errors)


def _role_and_queue_errors(ctx: Context, roles: set[str], queues: set[str]) -> dict[str, str]:
    errors = {}
    if bad := roles - set(STAFF_ROLES):
        errors["roles"] = _("unknown roles %(roles)s; allowed: %(allowed)s",
                            roles=sorted(bad), allowed=list(STAFF_ROLES))
    if bad := queues - set(ctx.runtime.pack.queues):
        errors["queues"] = _("unknown queues %(queues)s", queues=sorted(bad))
    return errors


def set_language(ctx: Context, actor: Staff, code: str) -> None:
    """A staff member's own language, for their pages and emails (the web checks it is one
    the site offers)."""
    user = ctx.session.get(User, actor.user_id)
    if user is not None and user.language != code:
        user.language = code
