"""Rate limits for unauthenticated endpoints, counted in the database so they hold across
processes, and committed on their own so a refused request still counts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from casework.i18n import _
from casework.models import Throttle
from casework.runtime import Runtime
from casework.services.context import Context
from casework.services.errors import TooManyAttempts
from casework.services.throttle import Limit, bucket


def _scale(env: Mapping[str, str]) -> int:
    """CASEWORK_RATE_LIMIT_SCALE multiplies the allowances (a benchmark from one address needs
    thousands); it can only raise them, and anything but a whole number >= 1 stops start-up."""
    raw = env.get("CASEWORK_RATE_LIMIT_SCALE", "1").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"CASEWORK_RATE_LIMIT_SCALE must be a whole number >= 1, not {raw!r}")
    return int(raw)


SCALE = _scale(os.environ)  # read once, at start-up
INTAKE = Limit(20 * SCALE, window=timedelta(hours=1))
REPORTER_SESSION = Limit(60 * SCALE, window=timedelta(hours=1))


def hit(runtime: Runtime, client: str | None, name: str, limit: Limit) -> None:
    """Count one request from a client; refuse (429) once the window's allowance is spent.

    The count is an atomic upsert: two first requests at once from one client must not both
    insert the bucket (on PostgreSQL the loser would fail on the primary key with a 500)."""
    with runtime.transaction() as session:
        ctx = Context(session, runtime, client)
        key = bucket(ctx, f"rate-{name}", client or "-")
        now = ctx.now
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(Throttle).values(bucket=key, failures=1, window_start=now)
                        .on_conflict_do_update(index_elements=[Throttle.bucket],
                                               set_={"failures": Throttle.failures + 1}))
        row = session.execute(select(Throttle).where(Throttle.bucket == key).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()
        if now - row.window_start > limit.window:
            row.failures, row.window_start = 1, now
        over = row.failures > limit.failures
    if over:
        raise TooManyAttempts(_("Too many requests from here. Please try again later."))


def refund(ctx: Context, name: str) -> None:
    """Give back the count of a request that succeeded (a reporter who signed in), so many
    reporters behind one address are never capped by each other's successes; only failures
    and refused requests use up the allowance."""
    key = bucket(ctx, f"rate-{name}", ctx.client or "-")
    row = ctx.session.get(Throttle, key, populate_existing=True)
    if row is not None and row.failures > 0:
        row.failures -= 1
        ctx.session.flush()
