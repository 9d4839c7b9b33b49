"""A reminder run at 10k and at 1M open cases: its time, and its SQL statements (the same count).

Builds a scratch database, migrates it, creates staff through the service (queue members of
four queues, investigators outside any queue, one of them a directory person implicated in some
cases, one recused from some), then bulk-inserts open cases with SQLAlchemy Core in chunks until
the database holds each size in turn. A fixed number of cases (--due, 200 by default) have a
running clock due soon or overdue, spread over the whole id range; every other case has a
running clock due months ahead and a stopped one in the past. A quarter of the cases have an
assignment. Bulk-inserted cases carry no keys or content, which reminders never read.

At each size, with the outbox emptied, send_reminders runs in transactions that are rolled back
(so each repetition does a first run's work: every reminder new), once counted, then --repeat
times; then one is committed and a repeat run (every reminder already enqueued, as for cron
every few minutes) is measured the same way. The SQL statements and median time of each are
printed. The statements must not change with the number of cases that are not due.

    .venv/bin/python bench/bench_reminders.py [--sizes 10000,1000000] [--due 200] [--repeat 5]
    CASEWORK_BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_reminders.py

With the variable set a scratch database is created beside it and dropped afterwards;
otherwise a temporary SQLite file is used.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pages import bench_database, tidy  # noqa: E402
from sqlalchemy import Engine, delete, event, func, insert, select  # noqa: E402

from casework.config import Settings  # noqa: E402
from casework.db import make_engine  # noqa: E402
from casework.migrate import upgrade  # noqa: E402
from casework.models import (  # noqa: E402
    Assignment,
    Case,
    CaseClock,
    CaseParty,
    Notification,
    Recusal,
)
from casework.runtime import Runtime, build_runtime  # noqa: E402
from casework.services.accounts import NewUser, create_user  # noqa: E402
from casework.services.context import Context  # noqa: E402
from casework.services.people import NewPerson, create_person  # noqa: E402
from casework.services.reminders import send_reminders  # noqa: E402
from casework.services.vault import person_index  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHUNK = 10_000
QUEUES = ["intake", "hr", "monitoring_officer", "internal_audit"]
PASSWORD = "correct horse battery"


@dataclass
class Staff:
    """Who the bench made: ids of queue members and of investigators outside any queue."""

    members: list[int]
    investigators: list[int]
    conflicted_index: str  # a member's blind index, implicated in some cases
    recused: int  # a member recused from some cases


def setup(runtime: Runtime) -> Staff:
    """Three members per queue and four investigators, through the service."""
    with runtime.transaction() as session:
        ctx = Context(session, runtime)
        me = create_person(ctx, "bench", NewPerson(name="Conflicted Member", position="Officer"))
        members, investigators = [], []
        for q, queue in enumerate(QUEUES):
            for n in range(3):
                members.append(create_user(ctx, "bench", NewUser(
                    email=f"{queue}{n}@bench.example", name=f"{queue} {n}", password=PASSWORD,
                    roles=("intake", "investigator"), queues=(queue,),
                    person_id=me.id if (q, n) == (0, 0) else None)).user.id)
        for n in range(4):
            investigators.append(create_user(ctx, "bench", NewUser(
                email=f"investigator{n}@bench.example", name=f"Investigator {n}",
                password=PASSWORD, roles=("investigator",), queues=())).user.id)
        index = person_index(runtime.keyring, me.id)
    return Staff(members, investigators, index, members[1])


def case_rows(rnd: random.Random, staff: Staff, case_id: int, due: bool, rows: dict) -> None:
    """One open case, its clocks, and perhaps an assignment, an implicated party, a recusal."""
    day = NOW.date()
    opened = NOW - timedelta(days=rnd.randint(1, 60), hours=1)
    rows["cases"].append({
        "id": case_id, "reference": f"CW-B{case_id:09d}", "route": "disclosure",
        "category": "fraud", "department": None, "state": "investigation", "outcome": None,
        "queue": rnd.choice(QUEUES), "version": 3, "anonymous": True, "witness": False,
        "recorded_by_staff": False, "actions": [], "opened_at": opened,
        "acknowledged_at": opened + timedelta(days=2), "closed_at": None, "purged_at": None,
        "receipt_hash": None, "content_ct": None, "routing_ct": None, "next_due_on": None,
        "notify_reporter": False, "follows_case_id": None})
    running = day + timedelta(days=rnd.randint(-4, 4) if due else rnd.randint(30, 400))
    rows["case_clocks"] += [
        {"case_id": case_id, "name": "acknowledge", "status": "met", "started_on": opened.date(),
         "due_on": opened.date() + timedelta(days=7), "stopped_on": opened.date()},
        {"case_id": case_id, "name": "feedback", "status": "running",
         "started_on": opened.date(), "due_on": running, "stopped_on": None}]
    rows["cases"][-1]["next_due_on"] = running
    if rnd.random() < 0.25:
        rows["assignments"].append({"case_id": case_id, "user_id": rnd.choice(
            staff.investigators), "capacity": "investigator", "assigned_at": opened})
    if rnd.random() < 0.02:
        rows["case_parties"].append({"case_id": case_id, "kind": "implicated",
                                     "person_index": staff.conflicted_index})
    if rnd.random() < 0.02:
        rows["recusals"].append({"case_id": case_id, "user_id": staff.recused, "at": opened})


TABLES = {"cases": Case, "case_clocks": CaseClock, "assignments": Assignment,
          "case_parties": CaseParty, "recusals": Recusal}


def grow(engine: Engine, staff: Staff, count: int, due: int, seed: int) -> None:
    """Add count open cases in Core chunks; `due` of them (spread evenly) have a clock due."""
    rnd = random.Random(seed)
    with engine.connect() as conn:
        first = (conn.execute(select(func.max(Case.id))).scalar() or 0) + 1
    every = count // due if due else 0
    for start in range(0, count, CHUNK):
        rows: dict[str, list] = {name: [] for name in TABLES}
        for n in range(start, min(start + CHUNK, count)):
            is_due = bool(every) and n % every == 0 and n // every < due
            case_rows(rnd, staff, first + n, is_due, rows)
        with engine.begin() as conn:
            for name, model in TABLES.items():
                if rows[name]:
                    conn.execute(insert(model), rows[name])


def timed(runtime: Runtime, repeat: int, commit: bool = False) -> tuple[dict, float]:
    """One counted run, then repeat runs; every run rolled back unless commit (the last)."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def once(counting: bool = False, keep: bool = False):
        session = runtime.sessions()
        try:
            if counting:
                event.listen(runtime.engine, "before_cursor_execute", count)
            started = time.perf_counter()
            result = send_reminders(Context(session, runtime))
            ms = (time.perf_counter() - started) * 1000
            if keep:
                session.commit()
            else:
                session.rollback()
            return result, ms
        finally:
            if counting:
                event.remove(runtime.engine, "before_cursor_execute", count)
            session.close()

    result, _ = once(counting=True)
    times = [once()[1] for _ in range(repeat)]
    if commit:
        once(keep=True)
    return {"clocks": result.clocks, "new": result.new, "existing": result.existing,
            "statements": len(statements)}, statistics.median(times)


def measure(runtime: Runtime, repeat: int) -> dict[str, float]:
    """A first run (the outbox empty: every reminder is new) and a repeat run (all taken, as
    for cron every few minutes): statements and median milliseconds of each."""
    with runtime.transaction() as session:
        session.execute(delete(Notification))
    first, first_ms = timed(runtime, repeat, commit=True)
    again, again_ms = timed(runtime, repeat)
    assert again["new"] == 0 and again["existing"] == first["new"], (first, again)
    return {"clocks": first["clocks"], "new": first["new"],
            "statements": first["statements"], "ms": first_ms,
            "again_statements": again["statements"], "again_ms": again_ms}


def run(url: str, workdir: Path, sizes: list[int], due: int, repeat: int) -> None:
    """Build, grow and measure at each size; print the table."""
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings.from_env({}, instance_dir=workdir, database_url=url,
                                 key_file=workdir / "casework.key", secret_key="bench")
    runtime = build_runtime(settings, engine=engine, clock=lambda: NOW)
    staff = setup(runtime)
    results, have = {}, 0
    for size in sizes:
        started = time.perf_counter()
        grow(engine, staff, size - have, due if have == 0 else 0, seed=size)
        tidy(engine, TABLES)
        gc.collect()
        have = size
        print(f"# {size:,} open cases loaded in {time.perf_counter() - started:.0f} s",
              flush=True)
        results[size] = measure(runtime, repeat)
        print(f"#   {results[size]}", flush=True)
    engine.dispose()
    report(engine.dialect.name, sizes, results)


def report(db: str, sizes: list[int], results: dict[int, dict[str, float]]) -> None:
    """One row per size; the statement columns must not change."""
    print(f"\ndatabase: {db}")
    print("| open cases | clocks due | reminders | first run: statements | ms "
          "| repeat run: statements | ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        r = results[size]
        print(f"| {size:,} | {r['clocks']} | {r['new']} | {r['statements']} | {r['ms']:.1f} "
              f"| {r['again_statements']} | {r['again_ms']:.1f} |")
    counts = {(results[s]["statements"], results[s]["again_statements"]) for s in sizes}
    print("statements: " + ("the same at every size" if len(counts) == 1
                            else f"DIFFERENT across sizes: {sorted(counts)}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000",
                        help="comma-separated open-case counts, measured as the db grows")
    parser.add_argument("--due", type=int, default=200,
                        help="cases with a clock due soon or overdue (fixed across sizes)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with bench_database() as (url, workdir):
        run(url, workdir, sizes, args.due, args.repeat)


if __name__ == "__main__":
    main()
