"""Signing in: reporters with reference and receipt, staff with password and TOTP code."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from casework.crypto.passwords import verify_password
from casework.crypto.receipts import verify_receipt
from casework.models import Case, User
from casework.services import throttle, totp
from casework.services.access import Reporter
from casework.services.audit import Kind
from casework.services.context import Context


def reporter_sign_in(ctx: Context, reference: str, receipt: str) -> Reporter | None:
    """A reporter session for one case, or None; unknown references cost the same time."""
    reference = (reference or "").strip().upper()
    buckets = {throttle.bucket(ctx, "receipt-ref", reference): throttle.RECEIPT_PER_REFERENCE,
               throttle.bucket(ctx, "receipt-ip", ctx.client or "-"): throttle.RECEIPT_PER_CLIENT}
    throttle.check(ctx, buckets)
    case = ctx.session.execute(select(Case).where(
        Case.reference == reference, Case.purged_at.is_(None))).scalar_one_or_none()
    if not verify_receipt(case.receipt_hash if case else None, receipt or "") or case is None:
        throttle.fail(ctx, buckets)
        ctx.audit(Kind.REPORTER_LOGIN_FAIL, "reporter")
        return None
    throttle.clear(ctx, next(iter(buckets)))
    ctx.audit(Kind.REPORTER_LOGIN, "reporter", case_id=case.id)
    return Reporter(case.id)


@dataclass(frozen=True)
class StaffSignIn:
    """The outcome of a staff sign-in attempt; `reason` is for the audit trail, not the page."""

    user: User | None
    reason: str | None = None


def staff_sign_in(ctx: Context, email: str, password: str, code: str | None) -> StaffSignIn:
    """Check throttles first, then password, then the TOTP code (each code usable once).
    Every staff account needs the code, whatever its roles; an account that has not enrolled
    (or whose second factor was reset) has no password or no secret, so cannot sign in."""
    email = (email or "").strip().lower()
    buckets = {throttle.bucket(ctx, "login-account", email): throttle.LOGIN_PER_ACCOUNT,
               throttle.bucket(ctx, "login-ip", ctx.client or "-"): throttle.LOGIN_PER_CLIENT}
    throttle.check(ctx, buckets)
    user = ctx.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password or "")
    reason = None
    if not ok or user is None or not user.active:
        reason = "bad_credentials"
    elif not totp.accept_code(ctx, user, code):
        reason = "bad_second_factor"
    if reason:
        throttle.fail(ctx, buckets)
        ctx.audit(Kind.LOGIN_FAIL, f"user:{user.id}" if user else "unknown", reason=reason)
        return StaffSignIn(None, reason)
    throttle.clear(ctx, next(iter(buckets)))
    ctx.audit(Kind.LOGIN, f"user:{user.id}")
    return StaffSignIn(user)
