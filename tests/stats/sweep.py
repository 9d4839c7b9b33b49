"""The attack of test_attacker_property.py over many organisations, with totals: how many tables
were refused, how many small counts the attacker could narrow or recover, how many small groups
it proved to hold a case (the figures in docs/STATISTICS.md).

    .venv/bin/python -m tests.stats.sweep FIRST_SEED LAST_SEED
"""

from __future__ import annotations

import random
import sys

from casework.stats import PROFILES, Tally, parse_period, publish
from tests.stats import test_attacker_property as plan


def main(first: int, last: int) -> None:
    total = dict(organisations=0, tables=0, refused=0, small=0, narrowed=0, exact=0,
                 proven=0, groups=0)
    for seed in range(first, last):
        drawn = plan.organisation(random.Random(seed), 100 + seed % 31)
        secret = seed.to_bytes(4, "big") * 8
        cases = [(plan.lodged(q), {"route": r, "category": c, "anonymous": a, "department": d})
                 for q, (r, c), a, d in drawn]
        tally = Tally.from_cases(cases, plan.DOMAINS, feasible=plan.FEASIBLE, secret=secret)
        releases = []
        for period, dims in plan.PLAN:
            releases.append(publish(tally, parse_period(period, plan.FISCAL), dims,
                                    PROFILES["standard"], releases))
        try:
            figures = plan.check(drawn, lambda records: records[0], secret=secret)
        except AssertionError as failed:
            figures = failed.args[0]
            print(f"seed {seed}: {figures}", flush=True)
        total["organisations"] += 1
        total["tables"] += len(releases)
        total["refused"] += sum(r.refused for r in releases)
        total["small"] += figures.small
        total["narrowed"] += len(figures.narrowed)
        total["exact"] += len(figures.exact)
        total["proven"] += len(figures.existence)
        total["groups"] += figures.existence_checked
    print(total)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
