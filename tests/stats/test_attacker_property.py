"""Organisations drawn by hypothesis against the full-knowledge attacker, on the publishing code
itself: over a hundred cases in the four quarters of 2025, every table an analyst may publish
over nested periods (quarters, halves, the year, two financial years), department alone, the
route rules anyone can read, and an insider who knows one case. The attacker solves integer
programs over the finest groups (tests/stats/attack.py); no small count may be narrowed below
its promised range, none recovered exactly, and no small group proven to hold a case.

The same attack through the services, with measures, is tests/stats/test_attacker_full.py.
"""

import random
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.stats import PROFILES, Tally, parse_period, publish

FISCAL = 4  # financial years from April, as the uk-council pack
DOMAINS = {"route": ("disclosure", "harassment"),
           "category": ("fraud", "safety", "bullying", "sexual", "victimisation"),
           "anonymous": ("anonymous", "named"),
           "department": ("finance", "care", "legal", "parks")}
#: Rules anyone can read in the route definitions: which category belongs to which route.
ALLOWED = (("disclosure", "fraud"), ("disclosure", "safety"), ("disclosure", "bullying"),
           ("harassment", "bullying"), ("harassment", "sexual"),
           ("harassment", "victimisation"))
FEASIBLE = {("route", "category"): frozenset(ALLOWED)}
PERIODS = ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025-H1", "2025-H2", "2025", "FY2025",
           "FY2026")
PLAN = ([(p, by) for by in (("category", "route"), ("anonymous", "category"),
                            ("anonymous", "route")) for p in PERIODS]
        + [("FY2025", ("department",)), ("FY2026", ("department",)),
           ("2025", ("category",)), ("2025", ("route",))])

#: Skewed weights, so that some groups are small in some quarters and large in others.
QUARTERS = {1: 4, 2: 3, 3: 2, 4: 3}
KINDS = {("disclosure", "fraud"): 6, ("disclosure", "safety"): 8, ("disclosure", "bullying"): 2,
         ("harassment", "bullying"): 5, ("harassment", "sexual"): 6,
         ("harassment", "victimisation"): 1}
UNITS = {"finance": 2, "care": 8, "legal": 1, "parks": 4}


def organisation(rnd, n: int) -> list[tuple]:
    """n cases drawn with the weights above."""
    def pick(weights):
        return rnd.choices(list(weights), list(weights.values()))[0]
    return [(pick(QUARTERS), pick(KINDS), rnd.choice(("anonymous", "named", "named")),
             pick(UNITS)) for _ in range(n)]


def lodged(quarter: int) -> date:
    return date(2025, 3 * quarter - 1, 10)


@settings(max_examples=2, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(0, 2**32), st.integers(100, 130), st.data())
def test_drawn_organisations_publish_nothing_an_attacker_with_every_table_can_narrow(
        seed, n, data):
    check(organisation(random.Random(seed), n),
          lambda records: data.draw(st.sampled_from(records), label="the insider's own case"))


def check(drawn, choose_insider, secret=None):
    from tests.stats.attack import attack

    cases = [(lodged(q), {"route": r, "category": c, "anonymous": a, "department": d})
             for q, (r, c), a, d in drawn]
    tally = Tally.from_cases(cases, DOMAINS, feasible=FEASIBLE, secret=secret)
    releases = []
    for period, dims in PLAN:
        releases.append(publish(tally, parse_period(period, FISCAL), dims, PROFILES["standard"],
                                releases))
    bodies = [{**r.as_dict(), "by": list(r.dims)} for r in releases]
    records = [{"quarter": 20250 + q, "route": r, "category": c, "anonymous": a,
                "department": d} for q, (r, c), a, d in drawn]
    insider = choose_insider(records)
    figures = attack(bodies, records, DOMAINS, FEASIBLE, FISCAL, insider=insider)
    print(f"\n{len(bodies)} tables over {len(cases)} cases: {figures}")
    assert len(cases) >= 100 and len(bodies) >= 30
    assert figures.small > 0  # the weights make small groups in every organisation
    assert figures.narrowed == [] and figures.exact == [] and figures.existence == [], figures
    return figures
