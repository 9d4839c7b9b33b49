"""API bearer tokens: random, stored as SHA-256 digests, expiring, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from casework.models import ApiToken, Case, User
from casework.services.access import Actor, Reporter, staff_actor
from casework.services.context import Context

STAFF_TTL = timedelta(hours=8)
REPORTER_TTL = timedelta(hours=1)


@dataclass(frozen=True)
class Issued:
    """A token, shown once, and when it stops working."""

    token: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(ctx: Context, *, user: User | None = None, reporter: Reporter | None = None) -> Issued:
    """A new token for a staff account or a reporter's one case."""
    token = secrets.token_urlsafe(32)
    ttl = STAFF_TTL if user else REPORTER_TTL
    row = ApiToken(digest=_digest(token), kind="staff" if user else "reporter",
                   user_id=user.id if user else None,
                   case_id=reporter.case_id if reporter else None,
                   created_at=ctx.now, expires_at=ctx.now + ttl)
    ctx.session.add(row)
    ctx.session.flush()
    return Issued(token, row.expires_at)


def authenticate(ctx: Context, token: str) -> Actor | None:
    """The actor behind a live token, or None."""
    row = ctx.session.execute(select(ApiToken).where(
        ApiToken.digest == _digest(token))).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= ctx.now:
        return None
    if row.kind == "reporter":
        case = ctx.session.get(Case, row.case_id)
        return Reporter(row.case_id) if case and case.purged_at is None else None
    user = ctx.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return staff_actor(user, ctx.runtime.keyring)


def revoke(ctx: Context, token: str) -> bool:
    """Revoke a token; True if it was live."""
    row = ctx.session.execute(select(ApiToken).where(
        ApiToken.digest == _digest(token))).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = ctx.now
    return True
