"""The annual report (every section a stored, audited release) for a year of varied cases: its
first showing, when every section is published and audited, and showing it again.

Builds, through the services, cases received over last calendar year: both routes, every
category, named and anonymous, walked along realistic paths (acknowledged, declined with and
without a kind of reason, referred, investigated with each finding, action recorded, resolved
informally or by self-help). Then, for the pack's annual reports, times:

- first: services.annual.annual_report with nothing stored (each section published, audited
  with the linear programs of casework.stats.audit, stored), in a transaction rolled back
  afterwards so that every repetition publishes anew; with the number of programs solved;
- again: the same report once stored (read back, as the page shows it from then on).

Medians of --repeat runs, interleaved (goal: a first showing within a second at 100 cases).

    .venv/bin/python bench/bench_annual.py [--sizes 100] [--repeat 3] [--policy uk-council]

(One size per run: the releases stored for "again" would otherwise be read by the next size.)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from casework.config import Settings  # noqa: E402
from casework.db import make_engine  # noqa: E402
from casework.migrate import upgrade  # noqa: E402
from casework.runtime import build_runtime  # noqa: E402
from casework.services.access import staff_actor  # noqa: E402
from casework.services.accounts import NewUser, create_user  # noqa: E402
from casework.services.annual import annual_report  # noqa: E402
from casework.services.context import Context  # noqa: E402
from casework.services.reports import NewReport, ReporterInput, lodge_report  # noqa: E402
from casework.services.stats import OPERATOR  # noqa: E402
from casework.services.transitions import fire_transition  # noqa: E402
from casework.stats import audit  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)
YEAR = NOW.year - 1
DISCLOSURE_REASONS = ["not_a_disclosure", "insufficient_information", "already_dealt_with",
                      "trivial_or_vexatious", "too_long_ago", "other", None]
HARASSMENT_REASONS = ["outside_policy", "insufficient_information", "already_dealt_with",
                      "trivial_or_vexatious", "resolved_another_way", "other", None]
FINDINGS = {"disclosure": ["substantiated", "partly_substantiated", "not_substantiated",
                           "malicious"],
            "harassment": ["substantiated", "not_substantiated"]}
#: Paths and how often each is taken, per route.
PATHS = {
    "disclosure": [((), 1), (("acknowledge",), 2), (("acknowledge", "no_further_action"), 3),
                   (("acknowledge", "refer"), 1),
                   (("acknowledge", "accept_for_investigation"), 2),
                   (("acknowledge", "accept_for_investigation", "record_findings"), 2),
                   (("acknowledge", "accept_for_investigation", "record_findings",
                     "record_action", "give_feedback"), 2), (("withdraw",), 1)],
    "harassment": [((), 1), (("acknowledge",), 1),
                   (("acknowledge", "choose_self_help", "resolved"), 2),
                   (("acknowledge", "choose_informal", "resolved"), 3),
                   (("acknowledge", "choose_formal", "decline_investigation"), 2),
                   (("acknowledge", "choose_formal", "decide_to_investigate",
                     "record_findings", "record_action"), 2),
                   (("acknowledge", "external_route"), 1)],
}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def fields(rnd: random.Random, route: str, key: str, previous: str) -> dict:
    reasons = DISCLOSURE_REASONS if route == "disclosure" else HARASSMENT_REASONS
    kind = rnd.choice(reasons)
    return {
        "accept_for_investigation": {"protected": True, "reason": "In scope."},
        "refer": {"destination": "police", "reason": "A crime."},
        "no_further_action": {"reason": "Words.", "reporter_reason": "Words for the reporter.",
                              **({"reason_class": kind} if kind else {})},
        "decline_investigation": {"reason": "Words.",
                                  **({"reason_class": kind} if kind else {})},
        "record_findings": {"finding": rnd.choice(FINDINGS[route]), "reason": "Evidence."},
        "record_action": {"action": "Training."},
        "give_feedback": {"message": "Thank you."},
        "decide_to_investigate": {"reason": "Serious."},
        "withdraw": {"reason": "Asked to stop.", "channel": "phone"},
        "external_route": {"reason": "Gone to a tribunal.", "channel": "email"},
        "resolved": {"admitted": rnd.random() < 0.5, "reporter_satisfied": True,
                     "confirmed_how": "in_person"}
        if previous == "choose_informal" else {},
    }.get(key, {})


def grow(runtime, clock: Clock, boss, count: int, seed: int) -> None:
    """count cases received over last year, each walked along a path."""
    rnd = random.Random(seed)
    start = datetime(YEAR, 1, 1, 9, tzinfo=UTC)
    pack = runtime.pack
    for n in range(count):
        route = "disclosure" if rnd.random() < 0.6 else "harassment"
        named = rnd.random() < 0.4
        clock.now = start + timedelta(days=364 * (n + rnd.random()) / count)
        with runtime.transaction() as session:
            ctx = Context(session, runtime)
            case = lodge_report(ctx, NewReport(
                route=route, category=rnd.choice(pack.categories_for(route)).key,
                summary="A summary", details="Details", anonymous=not named,
                reporter=ReporterInput(name="Rep Orter") if named else None)).case
            paths, weights = zip(*PATHS[route], strict=True)
            previous = ""
            for key in rnd.choices(paths, weights)[0]:
                clock.now += timedelta(days=rnd.randint(1, 20))
                fire_transition(ctx, boss, case.reference, key, case.version,
                                fields(rnd, route, key, previous))
                previous = key
    clock.now = NOW


def measure(runtime, repeat: int) -> dict[str, tuple[float, int]]:
    """Median ms of the annual report's first showing (every section published and audited
    anew) and of showing it again (read from storage), with the linear programs solved."""
    solved: list[int] = []
    original = audit._System._solve

    def counting(self, *args, **kwargs):
        solved.append(1)
        return original(self, *args, **kwargs)

    def first() -> tuple[float, int]:
        solved.clear()
        audit._System._solve = counting
        try:
            with runtime.sessions() as session:
                started = time.perf_counter()
                annual_report(Context(session, runtime), OPERATOR, str(YEAR))
                took = (time.perf_counter() - started) * 1000
                session.rollback()  # publish anew next time
        finally:
            audit._System._solve = original
        return took, len(solved)

    def again() -> tuple[float, int]:
        with runtime.sessions() as session:
            started = time.perf_counter()
            annual_report(Context(session, runtime), OPERATOR, str(YEAR))
            return (time.perf_counter() - started) * 1000, 0

    times: dict[str, list[tuple[float, int]]] = {"first": [], "again": []}
    for _ in range(repeat):
        times["first"].append(first())
    with runtime.transaction() as session:  # stored once, for "again"
        annual_report(Context(session, runtime), OPERATOR, str(YEAR))
    for _ in range(repeat):
        times["again"].append(again())
    return {name: (statistics.median(t for t, _ in runs), runs[0][1])
            for name, runs in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--policy", default="uk-council")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{workdir}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        settings = Settings.from_env({"CASEWORK_POLICY": args.policy},
                                     instance_dir=Path(workdir), database_url=url,
                                     key_file=Path(workdir) / "casework.key",
                                     secret_key="bench")
        clock = Clock()
        runtime = build_runtime(settings, engine=engine, clock=clock)
        with runtime.transaction() as session:
            user = create_user(Context(session, runtime), "bench", NewUser(
                email="boss@bench.example", name="Boss", password="correct horse battery",
                roles=("intake", "investigator", "decision_maker"),
                queues=tuple(runtime.pack.queues))).user
            boss = staff_actor(user, runtime.keyring)
        results, have = {}, 0
        for size in sizes:
            started = time.perf_counter()
            grow(runtime, clock, boss, size - have, seed=size)
            have = size
            print(f"# {size:,} cases in {YEAR} ({time.perf_counter() - started:.0f} s to make)",
                  flush=True)
            results[size] = measure(runtime, args.repeat)
            for name, (ms, n) in results[size].items():
                print(f"#   {name}: {ms:.0f} ms, {n:,} linear programs", flush=True)
        print(f"\npolicy {args.policy}: annual reports "
              f"{', '.join(runtime.pack.annual_reports)} for {YEAR}; sqlite")
        print("| cases | first showing (ms) | linear programs | shown again (ms) |")
        print("|---:|---:|---:|---:|")
        for size, found in results.items():
            (f_ms, f_n), (a_ms, _) = found["first"], found["again"]
            print(f"| {size:,} | {f_ms:.0f} | {f_n:,} | {a_ms:.0f} |")
        engine.dispose()


if __name__ == "__main__":
    main()
