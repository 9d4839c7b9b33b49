"""Rate limits for unauthenticated endpoints, counted in the database so they hold across
processes, and committed on their own so a refused request still counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from casework.models import Throttle
from casework.runtime import Runtime
from casework.services.context import Context
from casework.services.errors import TooManyAttempts
from casework.services.throttle import Limit, bucket

INTAKE = Limit(20, window=timedelta(hours=1))
REPORTER_SESSION = Limit(60, window=timedelta(hours=1))


def hit(runtime: Runtime, client: str | None, name: str, limit: Limit) -> None:
    """Count one request from a client; refuse (429) once the window's allowance is spent."""
    with runtime.transaction() as session:
        ctx = Context(session, runtime, client)
        key = bucket(ctx, f"rate-{name}", client or "-")
        now = ctx.now
        row = session.execute(select(Throttle).where(Throttle.bucket == key)
                              .with_for_update()).scalar_one_or_none()
        if row is None:
            session.add(Throttle(bucket=key, failures=1, window_start=now))
            return
        if now - row.window_start > limit.window:
            row.failures, row.window_start = 0, now
        row.failures += 1
        over = row.failures > limit.failures
    if over:
        raise TooManyAttempts("Too many requests from here. Please try again later.")
