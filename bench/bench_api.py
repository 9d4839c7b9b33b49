"""Benchmark the JSON API through gunicorn (2 workers): requests per second for intake, reporter
sign-in, the case list and a case's detail, and a reporter sign-in against the receipt KDF alone.

    CASEWORK_BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_api.py

A scratch database `casework_bench_<random>` is created on that server and dropped afterwards;
without the variable the bench runs on a temporary SQLite file and says so.

The rate limits on intake and reporter sign-in count per client address, and every request here
comes from 127.0.0.1, so the server runs with CASEWORK_RATE_LIMIT_SCALE raised: the limits are
still counted (their cost is in the numbers), they just do not refuse the bench.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from casework.crypto.receipts import hash_receipt, new_receipt, verify_receipt  # noqa: E402
from tests.api.api_live import Server, live_server, migrate_and_seed  # noqa: E402
from tests.scratch_db import scratch_database  # noqa: E402

THREADS = 8
SECONDS = float(os.environ.get("CASEWORK_BENCH_SECONDS", "10"))
CASES = 60
RATE_LIMIT_SCALE = "1000000"
REPORT = {"route": "disclosure", "category": "health_and_safety", "summary": "Loose scaffolding",
          "details": "The scaffolding at the depot moves in the wind.", "anonymous": True}

Request = tuple[str, str, dict | None, str | None]  # method, path, body, token


def send(server: Server, request: Request) -> int:
    """One request on a new connection (gunicorn's sync workers close each one); the status."""
    method, path, body, token = request
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, "/api/v1" + path, json.dumps(body) if body else None, headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def throughput(server: Server, make_request: Callable[[int], Request],
               seconds: float = SECONDS) -> tuple[float, Counter]:
    """Successful requests per second from THREADS client threads for about `seconds`."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        i = 0
        while time.perf_counter() < deadline:
            status = send(server, make_request(n * 1_000_000 + i))
            i += 1
            with lock:
                statuses[status] += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(client, range(THREADS)))
    elapsed = time.perf_counter() - start
    ok = sum(count for status, count in statuses.items() if status < 300)
    return ok / elapsed, statuses


def latency_ms(server: Server, request: Request, rounds: int = 20) -> float:
    """Median time of one request at a time (no contention)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        status = send(server, request)
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    return statistics.median(times)


def kdf_ms(rounds: int = 20) -> float:
    """Median time to check one receipt with the production argon2id parameters."""
    receipt = new_receipt()
    stored = hash_receipt(receipt)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        assert verify_receipt(stored, receipt)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(server: Server, seeded) -> None:
    staff = server.staff_token(seeded)
    references = [ref for ref, _ in seeded.cases]
    reference, receipt = seeded.cases[0]
    session = {"reference": reference, "receipt": receipt}
    benches = {
        "intake_rps": lambda i: ("POST", "/reports", REPORT, None),
        "reporter_session_rps": lambda i: ("POST", "/reporter/session", session, None),
        "case_list_rps": lambda i: ("GET", "/cases?per_page=25", None, staff),
        "case_detail_rps": lambda i: ("GET", f"/cases/{references[i % len(references)]}",
                                      None, staff),
    }
    for name, make_request in benches.items():
        rps, statuses = throughput(server, make_request)
        print(f"{name}: {rps:.1f}", flush=True)
        print(f"  (statuses {dict(sorted(statuses.items()))})", file=sys.stderr)
    print(f"reporter_session_ms: "
          f"{latency_ms(server, ('POST', '/reporter/session', session, None)):.1f}")
    print(f"receipt_kdf_ms: {kdf_ms():.1f}")


def main() -> None:
    postgres = os.environ.get("CASEWORK_BENCH_DATABASE_URL")
    if not postgres:
        print("database: SQLite (CASEWORK_BENCH_DATABASE_URL is not set)", flush=True)
    print(f"gunicorn workers: 2, client threads: {THREADS}, seconds per endpoint: {SECONDS:g}",
          flush=True)
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        with scratch_database(postgres, Path(folder), "casework_bench") as url:
            if postgres:
                print("database: PostgreSQL (scratch database on CASEWORK_BENCH_DATABASE_URL)",
                      flush=True)
            seeded = migrate_and_seed(url, instance, cases=CASES)
            with live_server(url, instance, workers=2,
                             CASEWORK_RATE_LIMIT_SCALE=RATE_LIMIT_SCALE) as server:
                run(server, seeded)


if __name__ == "__main__":
    main()
