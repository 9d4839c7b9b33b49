"""Word search on the case list at 100k and 1M cases, against the list's first page.

Builds the database of bench/bench_pages.py (the same staff, a few cases lodged for real, then
cases bulk-inserted with their events, clocks, assignments and implicated people) and gives
every bulk case the keyed word index lodging would: about a dozen distinct words each, drawn
from a vocabulary of 20,000 with a Zipf-like spread, as HMAC tokens under the key derived from
the bench's keyring (casework.services.search). Three words are planted at known rates: a rare
one (1 case in 10,000), two middling ones (1 in 100 each, drawn independently) and a common
one (1 in 5).

At each size every page is requested through the Flask test client by the intake handler
(warmed twice, then up to --repeat times or --budget seconds) and the median server time is
printed; the figure is each search's time **divided by the first page's, measured in the same
run** (the machine's drift cancels), and how that ratio moves from the smallest size to the
largest.

    .venv/bin/python bench/bench_search.py [--sizes 100000,1000000] [--repeat 20]
    CASEWORK_BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_search.py
    .venv/bin/python bench/bench_search.py --sizes 300,600 --repeat 3 --json   # a smoke run

With the variable set a scratch database is created beside it and dropped afterwards;
otherwise a temporary SQLite file is used.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import hmac
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_pages  # noqa: E402
from bench_pages import bench_database, grow, tidy  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from casework.config import Settings  # noqa: E402
from casework.models import Case, CaseWord  # noqa: E402
from casework.services.search import TOKEN_HEX, WORDS_PURPOSE  # noqa: E402

VOCABULARY, WORDS_PER_CASE, CHUNK = 20_000, 12, 10_000
#: Planted words and the share of cases holding each.
PLANTED = {"quarantine": 0.0001, "forklift": 0.01, "pallet": 0.01, "overtime": 0.2}
PAGES = [("control: sign-in form (no case query)", "/staff/sign-in"),
         ("list: first page", "/staff/cases"),
         ("search: rare word (1 in 10,000)", "/staff/cases?q=quarantine"),
         ("search: middling word (1 in 100)", "/staff/cases?q=forklift"),
         ("search: common word (1 in 5)", "/staff/cases?q=overtime"),
         ("search: common and middling word", "/staff/cases?q=overtime+forklift"),
         ("search: two middling words", "/staff/cases?q=forklift+pallet"),
         ("search: rare and middling word", "/staff/cases?q=quarantine+forklift"),
         ("search: a word no case has", "/staff/cases?q=zeppelin"),
         ("search: middling word in a queue", "/staff/cases?q=forklift&queue=intake"),
         ("search: rare word in a queue", "/staff/cases?q=quarantine&queue=intake"),
         ("api: GET /api/v1/cases (no words)", "/api/v1/cases"),
         ("api: GET /api/v1/cases?q= (middling)", "/api/v1/cases?q=forklift"),
         ("api: GET /api/v1/cases?q= (common)", "/api/v1/cases?q=overtime"),
         ("api: GET /api/v1/cases?q= (two middling)", "/api/v1/cases?q=forklift+pallet")]
FIRST = PAGES[1][0]


def index_words(engine, keyring, after: int, seed: int) -> int:
    """Give every case above id `after` its word tokens; returns the highest id indexed."""
    key = keyring.derive(WORDS_PURPOSE)

    def token(word: str) -> str:
        return hmac.new(key, word.encode(), hashlib.sha256).hexdigest()[:TOKEN_HEX]

    vocabulary = [token(f"w{n}") for n in range(VOCABULARY)]
    weights = [1 / (n + 1) for n in range(VOCABULARY)]
    planted = {token(word): share for word, share in PLANTED.items()}
    rnd = random.Random(seed)
    with engine.connect() as conn:
        ids = conn.execute(select(Case.id).where(Case.id > after).order_by(Case.id)
                           ).scalars().all()
    for start in range(0, len(ids), CHUNK):
        rows = []
        for case_id in ids[start:start + CHUNK]:
            words = set(rnd.choices(vocabulary, weights, k=WORDS_PER_CASE))
            words |= {t for t, share in planted.items() if rnd.random() < share}
            rows += [{"token": t, "case_id": case_id} for t in words]
        with engine.begin() as conn:
            conn.execute(insert(CaseWord), rows)
    return ids[-1] if ids else after


def measure(world, settings: Settings, repeat: int, budget: float,
            explain: Path | None = None) -> dict[str, float]:
    """Median milliseconds per page for the signed-in intake handler (bench_pages' measure,
    over this bench's pages)."""
    bench_pages.PAGES[:] = PAGES
    return bench_pages.measure(world, settings, repeat, budget, explain)


def run(url: str, workdir: Path, sizes: list[int], repeat: int, budget: float,
        as_json: bool, explain: Path | None = None) -> None:
    """Build, grow, index and measure at each size; print the table (or JSON lines)."""
    engine, runtime, world = bench_pages.prepare(url, workdir)
    with engine.connect() as conn:
        indexed = conn.execute(select(func.max(Case.id))).scalar()  # lodged: indexed for real
    results, have = {}, 3
    for size in sizes:
        started = time.perf_counter()
        grow(engine, world, size - have, seed=size)
        indexed = index_words(engine, runtime.keyring, indexed, seed=size)
        tidy(engine, ("cases", "case_events", "case_clocks", "assignments", "case_parties"))
        gc.collect()
        have = size
        with engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(CaseWord)).scalar()
        loaded = time.perf_counter() - started
        print(f"# {size:,} cases ({rows:,} word rows) loaded in {loaded:.0f} s", flush=True)
        results[size] = measure(world, runtime.settings, repeat, budget,
                                explain if size == sizes[-1] else None)
        for label, ms in results[size].items():
            if as_json:
                print(json.dumps({"size": size, "page": label, "ms": round(ms, 2),
                                  "vs_first_page": round(ms / results[size][FIRST], 3)}))
            else:
                print(f"#   {label}: {ms:.1f} ms", flush=True)
    engine.dispose()
    if not as_json:
        report(engine.dialect.name, sizes, results)


def report(db: str, sizes: list[int], results: dict[int, dict[str, float]]) -> None:
    """One row per page: median ms and its ratio to the first page at each size, and how that
    ratio moved from the smallest size to the largest."""
    small, large = sizes[0], sizes[-1]
    heads = " | ".join(f"{s:,}: ms | {s:,}: ÷ first page" for s in sizes)
    print(f"\ndatabase: {db}")
    print(f"| page | {heads} | ratio {large:,}/{small:,} of ÷ first page |")
    print("|---|" + "---:|" * (2 * len(sizes) + 1))
    for label in results[small]:
        cells = " | ".join(f"{results[s][label]:.1f} | {results[s][label] / results[s][FIRST]:.2f}"
                           for s in sizes)
        moved = (results[large][label] / results[large][FIRST]) / (
            results[small][label] / results[small][FIRST])
        print(f"| {label} | {cells} | {moved:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="comma-separated case counts, measured in turn as the db grows")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--budget", type=float, default=20.0,
                        help="stop repeating a page after this many seconds (min 3 runs)")
    parser.add_argument("--json", action="store_true", help="one JSON line per page and size")
    parser.add_argument("--explain", type=Path,
                        help="append the plans of each page's case queries at the largest size")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with bench_database() as (url, workdir):
        run(url, workdir, sizes, args.repeat, args.budget, args.json, args.explain)


if __name__ == "__main__":
    main()
