"""Case list and case page server time at 1k and at 1M cases: the ratio 1M/1k is the figure.

Builds a scratch database, migrates it, creates staff (a handler in the intake queue, signed in
through the sign-in page with password and TOTP code, and colleagues in other queues), lodges a
few real cases through the service (real keys, sealed content, a timeline), then bulk-inserts
cases with SQLAlchemy Core in chunks until the database holds each size in turn (1,000, then the
same database grown to 1,000,000). The cases are spread over routes, queues, categories and
four years; older cases are mostly closed, newer ones are at every stage, each with its lodged
event, its clocks (running, met or missed), some assignments, implicated people with blind
indexes and a few recusals. Bulk-inserted cases carry placeholder keys and ciphertext (only the
lodged ones are opened), which the list pages never read.

At each size every page is requested through the Flask test client (warmed twice, then up to
--repeat times or --budget seconds) and the median server time is printed, with the ratio of the
largest size to the smallest. The deep pages are measured both ways: `page=200` (OFFSET) and
the page reached by following "Next page" (the list pages) or `next` (the API) 199 times from
the first (a keyset cursor; at 1,000 cases the list ends at page 40, which is then measured).
The first row, the sign-in form, reads no case: its ratio shows how much the machine itself
drifted between the two measurements. PostgreSQL is vacuumed and
analysed after loading, as autovacuum would; SQLite is left without ANALYZE, as a deployment
would be. --explain FILE appends, for the largest size, each page's queries on cases with their
time in the request and their plans (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on
SQLite).

    .venv/bin/python bench/bench_pages.py [--sizes 1000,1000000] [--repeat 20]
    CASEWORK_BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_pages.py

With the variable set a scratch database is created beside it and dropped afterwards;
otherwise a temporary SQLite file is used.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyotp  # noqa: E402
from sqlalchemy import Engine, event, func, insert, select, text  # noqa: E402

from casework import create_app  # noqa: E402
from casework.config import Settings  # noqa: E402
from casework.crypto.blind import blind_index  # noqa: E402
from casework.db import make_engine  # noqa: E402
from casework.migrate import upgrade  # noqa: E402
from casework.models import (  # noqa: E402
    Assignment,
    Case,
    CaseClock,
    CaseEvent,
    CaseKey,
    CaseParty,
    Recusal,
    User,
)
from casework.runtime import Runtime, build_runtime  # noqa: E402
from casework.services import tokens  # noqa: E402
from casework.services.access import staff_actor  # noqa: E402
from casework.services.accounts import NewUser, create_user  # noqa: E402
from casework.services.context import Context  # noqa: E402
from casework.services.people import NewPerson, create_person  # noqa: E402
from casework.services.reports import ImplicatedInput, NewReport, lodge_report  # noqa: E402
from casework.services.transitions import fire_transition  # noqa: E402
from casework.stats.facts import received_quarter  # noqa: E402
from tests.scratch_db import scratch_database  # noqa: E402

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NOW = datetime.now(UTC).replace(microsecond=0)
SPAN = timedelta(days=4 * 365)
CHUNK = 10_000
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
OPEN = {"disclosure": ["received", "assessment", "investigation", "findings", "feedback"],
        "harassment": ["reported", "options", "self_help", "informal", "formal_complaint",
                       "investigation", "findings"]}
QUEUES = {"disclosure": (["intake", "monitoring_officer", "internal_audit", "chief_executive",
                          "hr"], [75, 12, 8, 2, 3]),
          "harassment": (["hr", "monitoring_officer"], [85, 15])}
COLLEAGUES = [("hr", ("investigator",)), ("monitoring_officer", ("intake", "decision_maker")),
              ("internal_audit", ("investigator",)), ("intake", ("intake",))]


@dataclass(frozen=True)
class Walk:
    """A page reached by following "Next page" (the list pages' link) or `next` (the API's
    cursor) from `start`, `steps` times or to the last page if the list is shorter: what is
    measured is the request for that page, with its cursor (the walk itself is not timed)."""

    start: str
    steps: int = 199

    def path(self, client, headers: dict) -> str:
        path = self.start
        for _ in range(self.steps):
            reply = client.get(path, headers=headers)
            assert reply.status_code == 200, (path, reply.status_code)
            if path.startswith("/api"):
                after = reply.get_json()["next"]
                found = after and f"{self.start}{'&' if '?' in self.start else '?'}after={after}"
            else:
                link = NEXT_LINK.search(reply.get_data(as_text=True))
                found = link and link.group(1).replace("&amp;", "&")
            if not found:
                break
            path = found
        return path


NEXT_LINK = re.compile(r'href="([^"]+)" rel="next"')
PAGES = [("control: sign-in form (no case query)", "/staff/sign-in"),
         ("list: first page", "/staff/cases"),
         ("list: filtered (state)", "/staff/cases?state=investigation"),
         ("list: filtered (queue, category)", "/staff/cases?queue=intake&category=fraud"),
         ("list: deep page (page=200)", "/staff/cases?page=200"),
         ("list: deep page by Next page (cursor, page 200)", Walk("/staff/cases")),
         ("list: sort=due", "/staff/cases?sort=due"),
         ("list: sort=due, deep by Next page (page 200)", Walk("/staff/cases?sort=due")),
         ("list: overdue=y", "/staff/cases?overdue=y"),
         ("dashboard", "/staff/"),
         ("case page", None),
         ("api: GET /api/v1/cases", "/api/v1/cases"),
         ("api: filtered (queue, category)", "/api/v1/cases?queue=intake&category=fraud"),
         ("api: deep page (page=200)", "/api/v1/cases?page=200"),
         ("api: deep page by next (cursor, page 200)", Walk("/api/v1/cases"))]


@dataclass
class World:
    """What the bench made: the runtime, the staff ids, the handler's sign-in, the opened case."""

    runtime: Runtime
    handler_email: str
    totp_secret: str
    staff_ids: list[int]
    handler_index: str
    reference: str
    last_step: int = 0


def reference(case_id: int) -> str:
    """A unique reference from an id (a bijection mod 30^8), in the real alphabet."""
    n, chars = (case_id * 7_919_393) % 30**8, []
    for _ in range(8):
        n, digit = divmod(n, 30)
        chars.append(ALPHABET[digit])
    return "CW-" + "".join(chars)


def setup(runtime: Runtime) -> World:
    """Staff, a directory person for the handler, and a few cases lodged for real."""
    with runtime.transaction() as session:
        ctx = Context(session, runtime)
        me = create_person(ctx, "bench", NewPerson(name="Hana Handler", position="Officer")).id
        accused = create_person(ctx, "bench", NewPerson(name="Ivo Implicated", position="Clerk"))
        made = create_user(ctx, "bench", NewUser(
            email="handler@bench.example", name="Hana Handler", password=PASSWORD,
            roles=("intake", "investigator", "decision_maker"), queues=("intake",),
            person_id=me))
        ids = [made.user.id] + [create_user(ctx, "bench", NewUser(
            email=f"staff{n}@bench.example", name=f"Staff {n}", password=PASSWORD,
            roles=roles, queues=(queue,))).user.id for n, (queue, roles) in
            enumerate(COLLEAGUES)]
        handler = staff_actor(made.user, runtime.keyring)
        refs = []
        for n in range(3):
            case = lodge_report(ctx, NewReport(
                route="disclosure", category="health_and_safety", summary=f"Scaffolding {n}",
                details="Unsafe scaffolding on site B." * 20,
                implicated=(ImplicatedInput(person_id=accused.id),))).case
            fire_transition(ctx, handler, case.reference, "acknowledge", case.version)
            fire_transition(ctx, handler, case.reference, "accept_for_investigation",
                            case.version, {"protected": True, "reason": "In scope."})
            refs.append(case.reference)
    return World(runtime, made.user.email, made.totp_secret, ids, handler.person_index, refs[0])


def state_and_clocks(rnd: random.Random, route: str, opened: date) -> tuple[str, list[dict]]:
    """A state likely for a case of this age, and the clocks it would have."""
    age, stages = (NOW.date() - opened).days, OPEN[route]
    if rnd.random() < (0.97 if age > 120 else age / 200):
        state = "closed"
    else:
        state = stages[min(len(stages) - 1, int(rnd.random() * min(len(stages), 1 + age / 10)))]
        if state == stages[0] and age > 10 and rnd.random() < 0.99:
            state = stages[1]  # acknowledged within its seven days, as nearly all are
    if rnd.random() < 0.05:
        return state, []  # recorded on paper before the clocks were kept
    acknowledged = state != stages[0]
    ack_stop = opened + timedelta(days=rnd.randint(1, 10))
    clocks = [{"name": "acknowledge", "started_on": opened, "due_on": opened + timedelta(days=7),
               "status": ("met" if ack_stop <= opened + timedelta(days=7) else "missed")
               if acknowledged else "running", "stopped_on": ack_stop if acknowledged else None}]
    if route == "disclosure" and acknowledged:
        due, closed = ack_stop + timedelta(days=91), state == "closed"
        clocks.append({"name": "feedback", "started_on": ack_stop, "due_on": due,
                       "status": ("met" if rnd.random() < 0.9 else "missed") if closed
                       else "running", "stopped_on": min(due, NOW.date()) if closed else None})
    return state, clocks


def case_rows(rnd: random.Random, world: World, case_id: int, opened_at: datetime,
              blobs: list[bytes], people: list[str], mine: float,
              rows: dict[str, list]) -> None:
    """One case and what hangs off it, appended to the per-table row lists; one assignment in
    four, a share `mine` of them to the bench's handler."""
    route = "disclosure" if rnd.random() < 0.6 else "harassment"
    state, clocks = state_and_clocks(rnd, route, opened_at.date())
    closed, acknowledged = state == "closed", state not in OPEN[route][:1]
    running = [c["due_on"] for c in clocks if c["status"] == "running"]
    rows["cases"].append({
        "id": case_id, "reference": reference(case_id), "route": route,
        "category": rnd.choice(CATEGORIES[route]), "department": rnd.choice(DEPARTMENTS),
        "state": state, "outcome": "no_further_action" if closed else None,
        "queue": rnd.choices(*QUEUES[route])[0], "version": 3, "anonymous": rnd.random() < 0.6,
        "witness": False, "recorded_by_staff": False, "actions": [], "opened_at": opened_at,
        "acknowledged_at": opened_at + timedelta(days=2) if acknowledged else None,
        "closed_at": opened_at + timedelta(days=100) if closed else None,
        "receipt_hash": "$argon2id$v=19$m=65536,t=3,p=4$placeholder",
        "content_ct": blobs[case_id % 64], "routing_ct": blobs[(case_id + 7) % 64][:90],
        **({"next_due_on": min(running) if running else None} if HAS_NEXT_DUE else {}),
        **(facts(opened_at, acknowledged, closed, world.runtime.pack.timezone)
           if HAS_FACTS else {}),
        # The record key lodging gives every case (casework.stats.cellkey).
        **({"stats_key": case_id * 2654435761 % 2**31} if HAS_RECORD_KEY else {}),
        # How its deadlines ended, as casework.services.clocks.keep_facts keeps it.
        **({"deadlines_ended": 2 if any(c["status"] == "missed" for c in clocks) else
            1 if any(c["status"] == "met" for c in clocks) else 0}
           if HAS_DEADLINES_ENDED else {})})
    rows["case_keys"] += [{"case_id": case_id, "purpose": p, "key_id": None, "wrapped": None}
                          for p in ("content", "identity")]
    rows["case_events"].append({"case_id": case_id, "seq": 1, "kind": "lodged",
                                "to_state": OPEN[route][0], "actor_kind": "reporter",
                                "at": opened_at, "facts": {}})
    rows["case_clocks"] += [{"case_id": case_id, **c} for c in clocks]
    if rnd.random() < 0.25:
        user = world.staff_ids[0] if rnd.random() < mine else rnd.choice(world.staff_ids[1:])
        rows["assignments"].append({"case_id": case_id, "user_id": user, "capacity": "handler",
                                    "assigned_at": opened_at, "ended_at": NOW if closed
                                    else None})
    if rnd.random() < 0.35:
        index = world.handler_index if rnd.random() < 0.002 else rnd.choice(people)
        rows["case_parties"].append({"case_id": case_id, "kind": "implicated",
                                     "person_index": index, "details_ct": blobs[case_id % 61]})
    if rnd.random() < 0.0005:
        rows["recusals"].append({"case_id": case_id, "user_id": world.staff_ids[0],
                                 "at": opened_at})


TABLES = {"cases": Case, "case_keys": CaseKey, "case_events": CaseEvent,
          "case_clocks": CaseClock, "assignments": Assignment, "case_parties": CaseParty,
          "recusals": Recusal}
HAS_NEXT_DUE = "next_due_on" in Case.__table__.c
HAS_DEADLINES_ENDED = "deadlines_ended" in Case.__table__.c
HAS_FACTS = "received_quarter" in Case.__table__.c
HAS_RECORD_KEY = "stats_key" in Case.__table__.c


def facts(opened_at: datetime, acknowledged: bool, closed: bool, timezone: str) -> dict:
    """The statistics facts the services would have set (casework.stats.facts)."""
    return {"received_quarter": received_quarter(opened_at, timezone),
            "days_to_acknowledge": 2 if acknowledged else None,
            "days_to_close": 100 if closed else None}

CATEGORIES: dict[str, list[str]] = {}
DEPARTMENTS: list[str] = []


def grow(engine: Engine, world: World, count: int, seed: int) -> None:
    """Add count cases spread over the last four years, oldest first, in Core chunks."""
    rnd = random.Random(seed)
    mine = min(0.08, 400 / count)  # one handler among many: 100 or so more per batch
    blobs = [rnd.randbytes(420) for _ in range(64)]
    people = [blind_index(world.runtime.keyring.index_key, n) for n in range(10_000, 12_000)]
    with engine.connect() as conn:
        first = conn.execute(select(func.max(Case.id))).scalar() + 1
    for start in range(0, count, CHUNK):
        rows: dict[str, list] = {name: [] for name in TABLES}
        for n in range(start, min(start + CHUNK, count)):
            opened = NOW - SPAN + SPAN * ((n + rnd.random()) / count) - timedelta(hours=1)
            case_rows(rnd, world, first + n, opened, blobs, people, mine, rows)
        with engine.begin() as conn:
            for name, model in TABLES.items():
                if rows[name]:
                    conn.execute(insert(model), rows[name])


def tidy(engine: Engine, tables: Iterable[str] = ("cases", "case_events", "case_clocks",
                                                  "assignments", "case_parties", "recusals")
         ) -> None:
    """Sequences past the inserted ids; PostgreSQL vacuumed and analysed as autovacuum would."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
        conn.execute(text("VACUUM ANALYZE"))


def sign_in(client, world: World) -> None:
    """Through the sign-in page, as a person would (password and authenticator code); a code
    is accepted once, so a second sign-in waits for the next one."""
    totp = pyotp.TOTP(world.totp_secret)
    while totp.timecode(datetime.now()) == world.last_step:
        time.sleep(1)
    world.last_step = totp.timecode(datetime.now())
    page = client.get("/staff/sign-in").get_data(as_text=True)
    reply = client.post("/staff/sign-in", data={
        "email": world.handler_email, "password": PASSWORD,
        "csrf_token": TOKEN.search(page).group(1), "totp": totp.now()})
    assert reply.status_code == 303, reply.status_code


def measure(world: World, settings: Settings, repeat: int, budget: float,
            explain: Path | None = None) -> dict[str, float]:
    """Median milliseconds per page for the signed-in handler (after two warm-up requests)."""
    app = create_app(settings, runtime=world.runtime)
    client = app.test_client()
    sign_in(client, world)
    with world.runtime.transaction() as session:
        user = session.get(User, world.staff_ids[0])
        bearer = tokens.issue(Context(session, world.runtime), user=user).token
    medians = {}
    for label, path in PAGES:
        path = path or f"/staff/cases/{world.reference}"
        start = path.start if isinstance(path, Walk) else path
        headers = {"Authorization": f"Bearer {bearer}"} if start.startswith("/api") else {}
        if isinstance(path, Walk):
            path = path.path(client, headers)
        assert client.get(path, headers=headers).status_code == 200, path
        with capture(world.runtime.engine) as statements:
            client.get(path, headers=headers)
        times: list[float] = []
        while len(times) < repeat and (sum(times) < budget * 1000 or len(times) < 3):
            started = time.perf_counter()
            reply = client.get(path, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert reply.status_code == 200, (path, reply.status_code)
        medians[label] = statistics.median(times)
        if explain:
            write_plans(world.runtime.engine, explain, label, path, statements)
    return medians


@contextmanager
def capture(engine: Engine) -> Iterator[list[tuple[str, object, float]]]:
    """The SELECTs on cases one request runs, with their parameters and milliseconds."""
    found: list[tuple[str, object, float]] = []
    started: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        started.append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        ms = (time.perf_counter() - started.pop()) * 1000
        if statement.lstrip().upper().startswith("SELECT") and (
                "FROM cases" in statement or "JOIN cases" in statement):
            found.append((statement, parameters, ms))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def write_plans(engine: Engine, out: Path, label: str, path: str,
                statements: list[tuple[str, object, float]]) -> None:
    """Append each statement's plan (PostgreSQL: EXPLAIN ANALYZE; SQLite: EXPLAIN QUERY PLAN)."""
    prefix = ("EXPLAIN (ANALYZE, COSTS OFF) " if engine.dialect.name == "postgresql"
              else "EXPLAIN QUERY PLAN ")
    with engine.connect() as conn, out.open("a", encoding="utf-8") as handle:
        handle.write(f"\n===== {label}: {path}\n")
        for statement, parameters, ms in statements:
            plan = conn.exec_driver_sql(prefix + statement, parameters).all()
            handle.write(f"\n-- {ms:.2f} ms in the request\n{statement}\n{parameters}\n")
            handle.write("\n".join(" | ".join(str(c) for c in row) for row in plan) + "\n")


def prepare(url: str, workdir: Path) -> tuple[Engine, Runtime, World]:
    """A migrated bench database, its runtime (the pack's categories and departments taken
    for the bulk cases) and the staff and first cases of setup(); every bench starts here."""
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings.from_env({}, instance_dir=workdir, database_url=url,
                                 key_file=workdir / "casework.key", secret_key="bench")
    runtime = build_runtime(settings, engine=engine)
    CATEGORIES.update({r: [c.key for c in runtime.pack.categories_for(r)] for r in OPEN})
    DEPARTMENTS.extend(runtime.pack.departments)
    return engine, runtime, setup(runtime)


def run(url: str, workdir: Path, sizes: list[int], repeat: int, budget: float,
        explain: Path | None) -> None:
    """Build, grow and measure at each size; print a table of medians and ratios."""
    engine, runtime, world = prepare(url, workdir)
    settings = runtime.settings
    results, have = {}, 3
    for size in sizes:
        started = time.perf_counter()
        grow(engine, world, size - have, seed=size)
        tidy(engine)
        gc.collect()  # the load's garbage is not the pages' to pay for
        have = size
        print(f"# {size:,} cases loaded in {time.perf_counter() - started:.0f} s", flush=True)
        results[size] = measure(world, settings, repeat, budget,
                                explain if size == sizes[-1] else None)
        for label, ms in results[size].items():
            print(f"#   {label}: {ms:.1f} ms", flush=True)
    engine.dispose()
    report(engine.dialect.name, sizes, results)


def report(db: str, sizes: list[int], results: dict[int, dict[str, float]]) -> None:
    """The table: one row per page, median ms at each size, the ratio of largest to smallest,
    and that ratio over the control's (what is left once the machine's drift is taken out)."""
    small, large = sizes[0], sizes[-1]
    control = PAGES[0][0]
    drift = results[large][control] / results[small][control]
    heads = [f"{s:,} cases (ms)" for s in sizes]
    print(f"\ndatabase: {db}")
    print("| page | " + " | ".join(heads) + f" | ratio {large:,}/{small:,} | ÷ control |")
    print("|---|" + "---:|" * (len(sizes) + 2))
    for label in results[small]:
        cells = " | ".join(f"{results[s][label]:.1f}" for s in sizes)
        ratio = results[large][label] / results[small][label]
        print(f"| {label} | {cells} | {ratio:.2f} | {ratio / drift:.2f} |")


@contextmanager
def bench_database() -> Iterator[tuple[str, Path]]:
    """A scratch database and folder for one bench run: beside CASEWORK_BENCH_DATABASE_URL
    (dropped afterwards) if it is set, otherwise a temporary SQLite file."""
    server = os.environ.get("CASEWORK_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        base = server or f"sqlite:///{Path(tmp) / 'unused.db'}"
        with scratch_database(base, Path(tmp), "casework_bench") as url:
            yield url, Path(tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,1000000",
                        help="comma-separated case counts, measured in turn as the db grows")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--budget", type=float, default=20.0,
                        help="stop repeating a page after this many seconds (min 3 runs)")
    parser.add_argument("--explain", type=Path,
                        help="append the plans of each page's case queries at the largest size")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with bench_database() as (url, workdir):
        run(url, workdir, sizes, args.repeat, args.budget, args.explain)


if __name__ == "__main__":
    main()
