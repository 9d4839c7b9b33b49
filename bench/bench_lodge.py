"""Lodge-and-transition throughput against a real database, one transaction per report.

Each report is lodged (validated, sealed, routed, clocks started, receipt hashed) and then
acknowledged and accepted for investigation, all in its own transaction, as a reporter's
submission and a handler's first two clicks would be. Two runs: receipts hashed with the
production argon2id parameters (the realistic cost), then with cheap ones, labelled
"(cheap KDF)", so that the database's own share of the cost is visible.

Run from the repository root:
    .venv/bin/python bench/bench_lodge.py [DATABASE_URL] [--count N]
The URL may also come from CASEWORK_BENCH_DATABASE_URL; the default is a temporary SQLite file.
For PostgreSQL a scratch database is created on that server and dropped afterwards (the role
needs CREATEDB); for SQLite a fresh file is used. Existing data is never touched.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from casework.config import Settings  # noqa: E402
from casework.crypto import configure_receipt_hashing  # noqa: E402
from casework.crypto.receipts import RECEIPT_HASHER  # noqa: E402
from casework.db import make_engine  # noqa: E402
from casework.migrate import upgrade  # noqa: E402
from casework.runtime import build_runtime  # noqa: E402
from casework.services.access import staff_actor  # noqa: E402
from casework.services.accounts import NewUser, create_user  # noqa: E402
from casework.services.context import Context  # noqa: E402
from casework.services.reports import NewReport, lodge_report  # noqa: E402
from casework.services.transitions import fire_transition  # noqa: E402

ACCEPT = {"protected": True, "reason": "A protected disclosure within scope."}


@contextmanager
def scratch(url: str | None, instance: Path) -> Iterator[str]:
    """A fresh, empty database of the kind url names."""
    if url is None or make_url(url).get_backend_name() == "sqlite":
        folder = Path(make_url(url).database).parent if url else instance
        yield f"sqlite:///{folder / f'bench-{secrets.token_hex(4)}.db'}"
        return
    name = f"casework_bench_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run(url: str | None, count: int) -> tuple[str, float]:
    """Lodge and move count reports; returns the database kind and reports per second."""
    with tempfile.TemporaryDirectory() as tmp, scratch(url, Path(tmp)) as db_url:
        engine = make_engine(db_url)
        try:
            upgrade(engine)
            settings = Settings.from_env({}, instance_dir=Path(tmp), database_url=db_url,
                                         key_file=Path(tmp) / "casework.key",
                                         secret_key="bench")
            runtime = build_runtime(settings, engine=engine)
            with runtime.transaction() as session:
                user = create_user(Context(session, runtime), "bench", NewUser(
                    email="handler@bench.example", name="Handler",
                    password="correct horse battery", roles=("intake",),
                    queues=("intake",))).user
            handler = staff_actor(user, runtime.keyring)
            start = time.perf_counter()
            for n in range(count):
                with runtime.transaction() as session:
                    ctx = Context(session, runtime)
                    case = lodge_report(ctx, NewReport(
                        route="disclosure", category="health_and_safety",
                        summary=f"Report {n}", details="Unsafe scaffolding on site B.")).case
                    fire_transition(ctx, handler, case.reference, "acknowledge", case.version)
                    fire_transition(ctx, handler, case.reference, "accept_for_investigation",
                                    case.version, ACCEPT)
            elapsed = time.perf_counter() - start
            return engine.dialect.name, count / elapsed
        finally:
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=os.environ.get("CASEWORK_BENCH_DATABASE_URL"))
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    kdf = f"argon2id t={RECEIPT_HASHER.time_cost} m={RECEIPT_HASHER.memory_cost} KiB"
    db, rate = run(args.url, args.count)
    print(f"db: {db}")
    print(f"reports: {args.count}")
    print(f"lodge_and_transition_per_s: {rate:.1f}  (production KDF: {kdf})")
    configure_receipt_hashing(1, 8)
    _, rate = run(args.url, args.count)
    print(f"lodge_and_transition_per_s: {rate:.1f} (cheap KDF)")


if __name__ == "__main__":
    main()
