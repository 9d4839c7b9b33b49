"""A statistics release at 1k and 1M cases, against the raw GROUP BY for the same counts.

Builds the same database as bench_pages.py (cases spread over four years, with events, clocks,
assignments), then at each size times, for last calendar year by route and category:

- raw: `SELECT route, category, count(*) ... WHERE received_quarter BETWEEN 20251 AND 20254
  GROUP BY route, category`, nothing else;
- release: services.stats.release without measures (the counts by quarter in one GROUP BY, the
  disclosure control and the audit against stored releases, the stored row), in a transaction
  rolled back each time so every repetition publishes anew;
- with measures: the same plus the median and percentile days and clock shares;
- stored: asking again for a release already published (read from stats_releases).

The figure is the ratio release / raw at the largest size (goal: at most 1.5). Medians of
--repeat runs, interleaved so that the machine's drift hits both alike.

    .venv/bin/python bench/bench_stats.py [--sizes 1000,1000000] [--repeat 7]
    CASEWORK_BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_stats.py
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_pages  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from casework.models import Case  # noqa: E402
from casework.services.context import Context  # noqa: E402
from casework.services.stats import OPERATOR, StatsRequest, release  # noqa: E402
from casework.stats.facts import period_quarters  # noqa: E402
from casework.stats.periods import parse_period  # noqa: E402

DIMS = ("category", "route")


def in_year(year: int):
    """Cases received in a calendar year, by the fact the release reads (the raw query's WHERE
    is the release's, so the ratio is what the release adds to the same counts)."""
    quarters = period_quarters(parse_period(str(year)))
    return Case.received_quarter.between(quarters[0], quarters[-1])


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def measure(runtime, year: int, repeat: int) -> dict[str, float]:
    """Median ms of each way of getting the counts, interleaved."""
    raw_sql = (select(Case.route, Case.category, func.count())
               .where(in_year(year)).group_by(Case.route, Case.category))
    request = StatsRequest(DIMS, str(year), measures=False)

    def raw():
        with runtime.sessions() as session:
            session.execute(raw_sql).all()

    def publish(measures: bool):
        def run():
            with runtime.sessions() as session:
                release(Context(session, runtime), OPERATOR,
                        StatsRequest(DIMS, str(year), measures=measures))
                session.rollback()  # publish anew next time
        return run

    with runtime.transaction() as session:  # one stored release for the "stored" figure
        release(Context(session, runtime), OPERATOR, StatsRequest(("route",), str(year)))

    def stored():
        with runtime.sessions() as session:
            release(Context(session, runtime), OPERATOR,
                    StatsRequest(("route",), str(year), measures=False))
            session.rollback()

    ways = {"raw GROUP BY": raw, "release (counts)": publish(False),
            "release with measures": publish(True), "stored release again": stored}
    for fn in ways.values():  # warm caches
        fn()
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(repeat):
        for name, fn in ways.items():
            times[name].append(timed(fn))
    assert request.by == DIMS
    return {name: statistics.median(values) for name, values in times.items()}


def run(url: str, workdir: Path, sizes: list[int], repeat: int) -> None:
    engine, runtime, world = bench_pages.prepare(url, workdir)
    year = bench_pages.NOW.year - 1
    results, have = {}, 3
    for size in sizes:
        started = time.perf_counter()
        bench_pages.grow(engine, world, size - have, seed=size)
        bench_pages.tidy(engine)
        gc.collect()
        have = size
        with engine.connect() as conn:
            received = conn.execute(select(func.count()).where(in_year(year))).scalar()
        print(f"# {size:,} cases loaded in {time.perf_counter() - started:.0f} s; "
              f"{received:,} in {year}", flush=True)
        results[size] = measure(runtime, year, repeat)
        for name, ms in results[size].items():
            print(f"#   {name}: {ms:.1f} ms", flush=True)
    print(f"\ndatabase: {engine.dialect.name}; period {year}, by {', '.join(DIMS)}")
    print("| way | " + " | ".join(f"{s:,} cases (ms)" for s in sizes)
          + " | ÷ raw at " + " | ÷ raw at ".join(f"{s:,}" for s in sizes) + " |")
    print("|---|" + "---:|" * (2 * len(sizes)))
    for name in results[sizes[0]]:
        cells = " | ".join(f"{results[s][name]:.1f}" for s in sizes)
        ratios = " | ".join(f"{results[s][name] / results[s]['raw GROUP BY']:.2f}"
                            for s in sizes)
        print(f"| {name} | {cells} | {ratios} |")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with bench_pages.bench_database() as (url, workdir):
        run(url, workdir, sizes, args.repeat)


if __name__ == "__main__":
    main()
