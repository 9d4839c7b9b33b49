"""The per-client rate limits of the public endpoints: counted across processes, safe when the
first two requests of a client arrive together, and scalable only upwards (for the bench)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import delete

from casework.models import Throttle
from casework.services import ratelimit
from casework.services.errors import TooManyAttempts
from casework.services.throttle import Limit


@pytest.mark.parametrize(("raw", "scale"), [(None, 1), ("1", 1), ("250", 250), (" 3 ", 3)])
def test_scale_multiplies_the_allowance(raw, scale):
    env = {} if raw is None else {"CASEWORK_RATE_LIMIT_SCALE": raw}
    assert ratelimit._scale(env) == scale


@pytest.mark.parametrize("raw", ["0", "-5", "0.5", "lots", ""])
def test_scale_refuses_anything_but_a_whole_number_from_one(raw):
    with pytest.raises(ValueError, match="CASEWORK_RATE_LIMIT_SCALE"):
        ratelimit._scale({"CASEWORK_RATE_LIMIT_SCALE": raw})


def test_limits_are_the_documented_ones_by_default():
    assert ratelimit.SCALE == 1  # the test run sets no scale
    assert ratelimit.INTAKE.failures == 20 and ratelimit.REPORTER_SESSION.failures == 60


def test_hit_counts_per_client(runtime):
    limit = Limit(2, window=timedelta(hours=1))
    for _ in range(2):
        ratelimit.hit(runtime, "10.0.0.1", "test", limit)
    with pytest.raises(TooManyAttempts):
        ratelimit.hit(runtime, "10.0.0.1", "test", limit)
    ratelimit.hit(runtime, "10.0.0.2", "test", limit)  # another client is not affected


def test_first_requests_at_once_are_both_counted(base_runtime, clock):
    """Two processes' first requests from one client race to create its bucket: neither may
    fail (an unguarded insert loses on the primary key on PostgreSQL) and both must count."""
    runtime = replace(base_runtime, clock=clock)
    limit = Limit(1000, window=timedelta(hours=1))
    clients = [f"race-{n}" for n in range(15)]
    errors: list[BaseException] = []
    try:
        for client in clients:
            barrier = threading.Barrier(2)

            def first(client=client, barrier=barrier):
                barrier.wait()
                try:
                    ratelimit.hit(runtime, client, "race", limit)
                except BaseException as exc:  # noqa: BLE001 (collected for the assertion)
                    errors.append(exc)

            threads = [threading.Thread(target=first) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert errors == []
        with runtime.transaction() as session:
            rows = session.query(Throttle).filter(Throttle.bucket.like("rate-race:%")).all()
            assert sorted(row.failures for row in rows) == [2] * len(clients)
    finally:
        with runtime.transaction() as session:
            session.execute(delete(Throttle).where(Throttle.bucket.like("rate-race:%")))
