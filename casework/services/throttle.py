"""Throttling failed attempts in the database, so the limit holds across app processes."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from casework.i18n import _
from casework.models import Throttle
from casework.services.context import Context
from casework.services.errors import TooManyAttempts


@dataclass(frozen=True)
class Limit:
    """At most `failures` failed attempts per `window`; then blocked for `block`."""

    failures: int
    window: timedelta = timedelta(minutes=15)
    block: timedelta = timedelta(minutes=15)


#: Wrong receipts for one reference. A block answers 429 to wrong receipts only: the right
#: receipt always opens its report (a stranger cannot lock its reporter out), and a receipt's
#: 100 random bits keep guessing infeasible without any cap (docs/PROTECTIONS.md).
RECEIPT_PER_REFERENCE = Limit(5)
#: Wrong receipts from one address: a gate, checked before any receipt is (it bounds each
#: address's guesses and the hashing it costs).
RECEIPT_PER_CLIENT = Limit(20)
#: Failed sign-ins for one account from browsers it has not signed in on before, and from one
#: address; a browser the account signed in on before has its own count instead
#: (`LOGIN_PER_DEVICE`), so strangers' failures never lock the owner out there.
LOGIN_PER_ACCOUNT = Limit(5)
LOGIN_PER_CLIENT = Limit(30)
LOGIN_PER_DEVICE = Limit(5)
ENROL_PER_CLIENT = Limit(10)


def bucket(ctx: Context, kind: str, value: str) -> str:
    """A bucket name that does not store the reference, address or email it stands for."""
    digest = hmac.new(ctx.runtime.keyring.index_key, f"{kind}:{value}".encode(),
                      hashlib.sha256).hexdigest()[:40]
    return f"{kind}:{digest}"


def check(ctx: Context, buckets: dict[str, Limit]) -> None:
    """Refuse (429) before any secret is checked if any bucket is blocked."""
    rows = ctx.session.execute(select(Throttle).where(Throttle.bucket.in_(list(buckets))))
    for row in rows.scalars():
        if row.blocked_until is not None and row.blocked_until > ctx.now:
            raise TooManyAttempts(_("Too many attempts. Please wait 15 minutes and try again."))


def blocked(ctx: Context, name: str) -> bool:
    """Whether a bucket is blocked now."""
    row = ctx.session.get(Throttle, name)
    return row is not None and row.blocked_until is not None and row.blocked_until > ctx.now


def fail(ctx: Context, buckets: dict[str, Limit]) -> None:
    """Count one failure in each bucket, kept even when the refused request is undone."""
    ctx.keep(lambda: _count_failure(ctx, buckets))


def _count_failure(ctx: Context, buckets: dict[str, Limit]) -> None:
    """Count one failure in each bucket (an atomic upsert), blocking any that go over."""
    dialect = ctx.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = ctx.now
    for name, limit in buckets.items():
        row = ctx.session.execute(select(Throttle).where(Throttle.bucket == name)
                                  .with_for_update()).scalar_one_or_none()
        if row is not None and now - row.window_start > limit.window:
            row.failures, row.window_start, row.blocked_until = 0, now, None
            ctx.session.flush()
        stmt = insert(Throttle).values(bucket=name, failures=1, window_start=now)
        stmt = stmt.on_conflict_do_update(index_elements=[Throttle.bucket],
                                          set_={"failures": Throttle.failures + 1})
        ctx.session.execute(stmt)
        row = ctx.session.get(Throttle, name, populate_existing=True)
        if row.failures >= limit.failures:
            row.blocked_until = now + limit.block
    ctx.session.flush()


def clear(ctx: Context, name: str) -> None:
    """Forget failures in a bucket after a success."""
    row = ctx.session.get(Throttle, name)
    if row is not None:
        ctx.session.delete(row)
        ctx.session.flush()
