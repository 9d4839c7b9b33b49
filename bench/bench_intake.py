"""Intake throughput through gunicorn (2 workers) against the machine's parallel argon2id rate,
measured in the same run: how close intake comes to the bound the receipt KDF sets.

Each report costs one argon2id hash (the receipt) at the production parameters, so intake can
at best run at the rate this machine computes those hashes on all its cores at once. The figure
is intake reports per second ÷ that rate; below 1, the rest is the request's own work and time
lost waiting (on SQLite, behind the write lock while another request holds it).

    .venv/bin/python bench/bench_intake.py [--seconds 10] [--threads 8]
    CASEWORK_BENCH_DATABASE_URL=$(scripts/pg-test-server) .venv/bin/python bench/bench_intake.py

Without the variable the bench runs on a temporary SQLite file; with it, on a scratch database
created on that PostgreSQL server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_api  # noqa: E402

from casework.crypto.receipts import hash_receipt, new_receipt  # noqa: E402
from tests.api.api_live import live_server, migrate_and_seed  # noqa: E402
from tests.scratch_db import scratch_database  # noqa: E402


def _hash_for(seconds: float) -> int:
    """Hash receipts (production argon2id) for about `seconds`; how many were done."""
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        hash_receipt(new_receipt())
        done += 1
    return done


def parallel_kdf_rate(seconds: float, workers: int) -> float:
    """Receipt hashes per second with one process per core hashing at once."""
    with ProcessPoolExecutor(workers) as pool:
        start = time.perf_counter()
        total = sum(pool.map(_hash_for, [seconds] * workers))
        return total / (time.perf_counter() - start)


def run(url: str, instance: Path, seconds: float, threads: int) -> dict[str, float]:
    """Serve with gunicorn -w 2, throw intake at it, then measure the KDF bound."""
    migrate_and_seed(url, instance, cases=1)
    bench_api.THREADS = threads
    cores, kdf_seconds = os.cpu_count() or 1, min(seconds, 5.0)
    # the bound is measured just before and just after (the mean), as the machine's load may
    # change while intake runs
    before = parallel_kdf_rate(kdf_seconds, cores)
    with live_server(url, instance, workers=2,
                     CASEWORK_RATE_LIMIT_SCALE=bench_api.RATE_LIMIT_SCALE) as server:
        rps, statuses = bench_api.throughput(
            server, lambda i: ("POST", "/reports", bench_api.REPORT, None), seconds)
        after = parallel_kdf_rate(kdf_seconds, cores)
    print(f"  (statuses {dict(sorted(statuses.items()))}; KDF rate before {before:.2f}/s, "
          f"after {after:.2f}/s)", file=sys.stderr)
    kdf = (before + after) / 2
    return {"intake_rps": rps, "parallel_kdf_per_s": kdf, "intake_over_kdf": rps / kdf}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    postgres = os.environ.get("CASEWORK_BENCH_DATABASE_URL")
    print(f"database: {'PostgreSQL' if postgres else 'SQLite'}")
    print(f"gunicorn workers: 2, client threads: {args.threads}, cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        with scratch_database(postgres, Path(folder), "casework_bench") as url:
            figures = run(url, instance, args.seconds, args.threads)
    for name, value in figures.items():
        print(f"{name}: {value:.2f}")


if __name__ == "__main__":
    main()
