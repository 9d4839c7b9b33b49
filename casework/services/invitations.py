"""One-time invitations, and enrolling with one: the person, not an administrator, chooses the
password and receives the second-factor secret.

A code has 120 random bits, lasts 72 hours, works once and is stored only as its SHA-256
digest (a fast hash is enough for so many random bits, as for API tokens). Trying codes is
throttled per client like signing in. An invitation to `enrol` sets the password; one to
`reset` (a lost authenticator) proves the person with their current password instead, so the
administrator who issued it cannot take the account over with it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from casework.crypto.passwords import hash_password, verify_password
from casework.i18n import _, _l
from casework.models import Invitation, User
from casework.services import throttle, totp
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Invalid, Unauthorized

TTL = timedelta(hours=72)
BAD_INVITATION = _l("That invitation does not work: it may have been used, have expired (they "
                    "last 72 hours) or been replaced by a newer one. Ask an administrator for "
                    "a new one.")
MIN_PASSWORD = 12
CODE_BYTES = 15  # 120 bits, 24 base32 characters


@dataclass(frozen=True)
class Issued:
    """An invitation's code, shown once, and when it stops working."""

    code: str
    expires_at: datetime
    purpose: str


@dataclass(frozen=True)
class Opened:
    """A live invitation and its account."""

    invitation: Invitation
    user: User

    @property
    def purpose(self) -> str:
        """enrol or reset."""
        return self.invitation.purpose


@dataclass(frozen=True)
class Enrolled:
    """The account, and its new second-factor secret (shown to the person this once)."""

    user: User
    totp_secret: str


def new_code() -> str:
    """A fresh code in groups of four for reading aloud or typing: ABCD-EFGH-…"""
    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode()
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _digest(code: str) -> str:
    plain = "".join(ch for ch in (code or "").upper() if ch not in " -\t\r\n")
    return hashlib.sha256(plain.encode()).hexdigest()


def check_password(password: str | None) -> None:
    """A password long enough to be a password (422 naming the field otherwise)."""
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(_("Some answers need attention."), {"password": _(
            "must be at least %(limit)s characters", limit=MIN_PASSWORD)})


def issue(ctx: Context, user: User, purpose: str, by: int | None) -> Issued:
    """A new invitation for an account; any earlier unused one stops working."""
    revoke(ctx, user)
    code = new_code()
    row = Invitation(user_id=user.id, digest=_digest(code), purpose=purpose, created_by=by,
                     created_at=ctx.now, expires_at=ctx.now + TTL)
    ctx.session.add(row)
    ctx.session.flush()
    return Issued(code, row.expires_at, purpose)


def revoke(ctx: Context, user: User) -> None:
    """The account's unused invitations stop working."""
    ctx.session.execute(delete(Invitation).where(Invitation.user_id == user.id,
                                                 Invitation.used_at.is_(None)))


def _buckets(ctx: Context) -> dict[str, throttle.Limit]:
    return {throttle.bucket(ctx, "enrol-ip", ctx.client or "-"): throttle.ENROL_PER_CLIENT}


def open_invitation(ctx: Context, code: str) -> Opened:
    """The live invitation with this code; otherwise 401, the failure counted against the
    client (kept when the refused request is undone)."""
    buckets = _buckets(ctx)
    throttle.check(ctx, buckets)
    found = ctx.session.execute(
        select(Invitation, User).join(User, User.id == Invitation.user_id).where(
            Invitation.digest == _digest(code), Invitation.used_at.is_(None),
            Invitation.expires_at > ctx.now, User.active.is_(True))).first()
    if found is None:
        throttle.fail(ctx, buckets)
        ctx.audit(Kind.ENROL_FAIL, "unknown", reason="bad_invitation")
        raise Unauthorized(BAD_INVITATION)
    return Opened(*found)


def enrol(ctx: Context, code: str, password: str, *, secret: str | None = None,
          first_code: str | None = None) -> Enrolled:
    """Use an invitation: set the password (or, for a reset, check the current one) and a new
    second factor. Pages pass the secret they showed and the first code the app made from it,
    so a mistyped secret never locks anyone out; the API gets a new secret in the answer.
    401 for a bad, used or expired invitation or a wrong current password."""
    opened = open_invitation(ctx, code)
    user = opened.user
    if opened.purpose == "reset":
        _check_current_password(ctx, user, password)
    else:
        check_password(password)
    step = None
    if secret is None:
        secret = totp.new_secret()
    elif (step := totp.matching_step(secret, first_code, ctx.now.timestamp())) is None:
        raise Invalid(_("The code from your authenticator app is not right."), {
            "code": _("That is not the code the app shows now. Check that the app has the key "
                      "from this page and that the phone's clock is right.")})
    if opened.purpose == "enrol":  # nothing is written until every check has passed
        user.password_hash = hash_password(password)
    user.totp_secret_ct = totp.seal_account_secret(ctx.runtime.keyring, user.id, secret)
    user.totp_last_step = step  # the confirming code cannot sign in as well
    opened.invitation.used_at = ctx.now
    ctx.session.flush()
    ctx.audit(Kind.ENROL, f"user:{user.id}", purpose=opened.purpose)
    return Enrolled(user, secret)


def _check_current_password(ctx: Context, user: User, password: str) -> None:
    """A reset proves the person with their password, throttled with signing in (401)."""
    buckets = {throttle.bucket(ctx, "login-account", user.email): throttle.LOGIN_PER_ACCOUNT,
               **_buckets(ctx)}
    throttle.check(ctx, buckets)
    if not verify_password(user.password_hash, password or ""):
        throttle.fail(ctx, buckets)
        ctx.audit(Kind.ENROL_FAIL, f"user:{user.id}", reason="bad_password")
        raise Unauthorized(_("That is not the account's current password, or the invitation "
                             "no longer works."))
