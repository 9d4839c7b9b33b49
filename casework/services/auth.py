"""Signing in: reporters with reference and receipt, staff with password and TOTP code."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select

from casework.crypto.passwords import verify_password
from casework.crypto.receipts import verify_receipt
from casework.i18n import _
from casework.models import Case, OidcIdentity, User
from casework.services import ratelimit, throttle, totp
from casework.services.access import Reporter
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import TooManyAttempts

T = TypeVar("T")


def before_the_write(ctx: Context, read: Callable[[Context], T]) -> T:
    """Run `read` (a throttle check, the stored hash's lookup) in a short transaction of its
    own when this request's has not begun, so that the argon2id check which follows holds no
    transaction: on SQLite every transaction takes the write lock at BEGIN, and a sign-in
    would otherwise hold it for the length of a hash. Inside a begun one, in it."""
    if ctx.session.in_transaction():
        return read(ctx)
    with ctx.runtime.transaction() as session:
        return read(Context(session, ctx.runtime, client=ctx.client))


def reporter_sign_in(ctx: Context, reference: str, receipt: str) -> Reporter | None:
    """A reporter session for one case, or None; unknown references cost the same time.

    Only the address is a gate (checked before the receipt). The reference's count of wrong
    receipts never refuses the right one: its reporter gets in whoever failed before them; a
    wrong receipt while the reference is blocked is a 429. A success is refunded to the
    address's request allowance (ratelimit.refund), so a shared address is not capped by
    other reporters' successes."""
    reference = (reference or "").strip().upper()
    by_reference = throttle.bucket(ctx, "receipt-ref", reference)
    by_client = throttle.bucket(ctx, "receipt-ip", ctx.client or "-")

    def read(c: Context):
        throttle.check(c, {by_client: throttle.RECEIPT_PER_CLIENT})
        return c.session.execute(select(Case.id, Case.receipt_hash).where(
            Case.reference == reference, Case.purged_at.is_(None))).first()
    stored = before_the_write(ctx, read)
    # argon2id, outside any transaction; an unknown reference costs the same (a dummy hash)
    if not verify_receipt(stored.receipt_hash if stored else None, receipt or "") \
            or stored is None:
        was_blocked = throttle.blocked(ctx, by_reference)
        throttle.fail(ctx, {by_reference: throttle.RECEIPT_PER_REFERENCE,
                            by_client: throttle.RECEIPT_PER_CLIENT})
        ctx.audit(Kind.REPORTER_LOGIN_FAIL, "reporter")
        if was_blocked:
            raise TooManyAttempts(_("Too many attempts. Please wait 15 minutes and try again."))
        return None
    throttle.clear(ctx, by_reference)
    ratelimit.refund(ctx, "reporter-session")
    ctx.audit(Kind.REPORTER_LOGIN, "reporter", case_id=stored.id)
    return Reporter(stored.id)


DEVICE_PURPOSE = "staff-device"


def _device_mac(ctx: Context, user_id: int, nonce: str) -> str:
    key = ctx.runtime.keyring.derive(DEVICE_PURPOSE)
    return hmac.new(key, f"{user_id}.{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def new_device(ctx: Context, user_id: int) -> str:
    """A device token for a browser (or API client) an account has just signed in on: it
    grants nothing, but later sign-ins that show it are counted on their own, away from the
    failures of strangers (OWASP's "device cookies")."""
    nonce = secrets.token_urlsafe(12)
    return f"{user_id}.{nonce}.{_device_mac(ctx, user_id, nonce)}"


def device_bucket(ctx: Context, device: str | None, user: User | None) -> str | None:
    """The throttle bucket of a device token that this installation made for this account,
    or None."""
    parts = (device or "").split(".")
    if user is None or len(parts) != 3 or parts[0] != str(user.id) or len(device) > 200:
        return None
    if not hmac.compare_digest(parts[2], _device_mac(ctx, user.id, parts[1])):
        return None
    return throttle.bucket(ctx, "login-device", parts[1])


def _provider_only(ctx: Context, user: User) -> bool:
    """With single sign-on on, an account linked to a provider identity signs in there only
    (unless CASEWORK_OIDC_LOCAL_FOR_LINKED=1): someone who leaves the organisation and loses
    their provider account cannot fall back on a local password."""
    config = ctx.runtime.settings.oidc
    return (config is not None and not config.local_for_linked
            and ctx.session.get(OidcIdentity, user.id) is not None)


@dataclass(frozen=True)
class StaffSignIn:
    """The outcome of a staff sign-in attempt; `reason` is for the audit trail, not the page."""

    user: User | None
    reason: str | None = None
    #: On success, a new device token to keep (None when a valid one was shown).
    device: str | None = None


def staff_sign_in(ctx: Context, email: str, password: str, code: str | None,
                  device: str | None = None) -> StaffSignIn:
    """Check throttles first, then password, then the TOTP code (each code usable once).
    Every staff account needs the code, whatever its roles; an account that has not enrolled
    (or whose second factor was reset) has no password or no secret, so cannot sign in.

    From a browser the account signed in on before (a valid `device` token), failures count
    on that device alone: strangers failing on the account, or on the same address, never
    block its owner there. Elsewhere the account's and the address's counts apply."""
    email = (email or "").strip().lower()

    def read(c: Context):
        found = c.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        known = device_bucket(c, device, found)
        buckets = {known: throttle.LOGIN_PER_DEVICE} if known else {
            throttle.bucket(c, "login-account", email): throttle.LOGIN_PER_ACCOUNT,
            throttle.bucket(c, "login-ip", c.client or "-"): throttle.LOGIN_PER_CLIENT}
        throttle.check(c, buckets)
        return (found.id, found.password_hash) if found else (None, None), known, buckets
    (user_id, stored), known, buckets = before_the_write(ctx, read)
    ok = verify_password(stored, password or "")  # argon2id, outside any transaction
    user = ctx.session.get(User, user_id) if user_id is not None else None
    reason = None
    if not ok or user is None or not user.active:
        reason = "bad_credentials"
    elif not totp.accept_code(ctx, user, code):
        reason = "bad_second_factor"
    elif _provider_only(ctx, user):
        reason = "use_provider"
    if reason:
        throttle.fail(ctx, buckets)
        ctx.audit(Kind.LOGIN_FAIL, f"user:{user.id}" if user else "unknown", reason=reason)
        return StaffSignIn(None, reason)
    throttle.clear(ctx, next(iter(buckets)))
    ctx.audit(Kind.LOGIN, f"user:{user.id}")
    return StaffSignIn(user, device=None if known else new_device(ctx, user.id))
