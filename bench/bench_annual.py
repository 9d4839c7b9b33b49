"""The annual report (every section a stored, audited release) for a year of varied cases, with
the disclosure audit's class space pruned by published zeros, and without.

Builds, through the services, cases received over last calendar year: both routes, every
category, named and anonymous, walked along realistic paths (acknowledged, declined with and
without a kind of reason, referred, investigated with each finding, action recorded, resolved
informally or by self-help). Then, for the pack's annual reports, times:

- pruned: services.annual.annual_report as shipped (the audit leaves out classes under a row
  published as 0, casework.stats.audit._Empty);
- unpruned: the same with every class of the cross-classification kept (the audit before).

Each repetition runs in a transaction rolled back afterwards, so every section publishes anew.
Medians of --repeat runs, interleaved; the figure is unpruned / pruned at each size, and the
number of classes each searched.

    .venv/bin/python bench/bench_annual.py [--sizes 0,100] [--repeat 1] [--policy uk-council]
                                             [--pruned-only]   (unpruned: ten minutes at 100)
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
from casework.stats import audit, witness  # noqa: E402

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
        "no_further_action": {"reason": "Words.", **({"reason_class": kind} if kind else {})},
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


def measure(runtime, repeat: int, ways=("pruned", "unpruned")) -> dict[str, tuple[float, int]]:
    """Median ms of the annual report, pruned and unpruned, and the classes searched."""
    shipped = audit._Empty
    classes: list[int] = []
    original_init = witness.Search.__init__

    def counting_init(self, axes, dead=None):
        original_init(self, axes, dead)
        classes.append(len(self.classes))

    def report(prune: bool) -> tuple[float, int]:
        audit._Empty = shipped if prune else (lambda *args: None)
        classes.clear()
        witness.Search.__init__ = counting_init
        try:
            with runtime.sessions() as session:
                started = time.perf_counter()
                annual_report(Context(session, runtime), OPERATOR, str(YEAR))
                took = (time.perf_counter() - started) * 1000
                session.rollback()
        finally:
            audit._Empty = shipped
            witness.Search.__init__ = original_init
        return took, max(classes, default=0)

    times: dict[str, list[tuple[float, int]]] = {way: [] for way in ways}
    for _ in range(repeat):
        for name in times:
            times[name].append(report(name == "pruned"))
    return {name: (statistics.median(t for t, _ in runs), runs[0][1])
            for name, runs in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,100")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--policy", default="uk-council")
    parser.add_argument("--pruned-only", action="store_true",
                        help="skip the unpruned audit (minutes at a few hundred cases)")
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
            results[size] = measure(runtime, args.repeat, ("pruned",) if args.pruned_only
                                    else ("pruned", "unpruned"))
            for name, (ms, n) in results[size].items():
                print(f"#   {name}: {ms:.0f} ms, {n:,} classes", flush=True)
        print(f"\npolicy {args.policy}: annual reports "
              f"{', '.join(runtime.pack.annual_reports)} for {YEAR}; sqlite")
        print("| cases | pruned (ms) | classes | unpruned (ms) | classes | unpruned ÷ pruned |")
        print("|---:|---:|---:|---:|---:|---:|")
        for size, found in results.items():
            (p_ms, p_n), (u_ms, u_n) = found["pruned"], found.get("unpruned", (None, None))
            print(f"| {size:,} | {p_ms:.0f} | {p_n:,} | "
                  + (f"{u_ms:.0f} | {u_n:,} | {u_ms / p_ms:.1f} |" if u_ms else "- | - | - |"))
        engine.dispose()


if __name__ == "__main__":
    main()
