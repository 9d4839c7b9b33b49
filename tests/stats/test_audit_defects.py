"""The two defects of the audit the outside attack of issue 19 went through, each shown on the
publishing code as it was (both tests fail there) and gone now.

1. "Not narrower than before": the reach a count had before a release was measured after that
   release's own zeros had pruned the classes its witnesses needed, so it came out as small as
   the reach after, and the release was accepted while it narrowed the count.
2. A failed search: a witness search that found nothing reported a reach of 0, and 0 was taken
   as the reach before too, so a missed search withheld less, not more.

Both are written against `publish` as it was called then, and checked by the attacker of
tests/stats/attacker.py, for an insider who knows one case.
"""

from dataclasses import replace
from datetime import date

import pytest

from casework.stats import PROFILES, Tally, parse_period, publish
from tests.stats.attack import attack
from tests.stats.small_world import DOMAINS, FEASIBLE

Q1, Q2, Q3, Q4 = (date(2026, m, 1) for m in (2, 5, 8, 11))
PERIODS = ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026-H1", "2026-H2", "2026")


def case(day, route, category, anonymous):
    return day, {"route": route, "category": category, "anonymous": anonymous}


#: Found by searching random organisations against the publishing code of before issue 19:
#: from 2026-Q2 on, the audit accepted route-by-category tables whose counts it could move by
#: only 1 or 2, because measured "before" (after the tables' own zeros) they moved no further;
#: together with the route tables they pin the disclosures of Q3 and Q4 to 1 .. 3.
EXCUSED = [
    case(Q1, "harassment", "sexual", "anonymous"), case(Q2, "harassment", "sexual", "anonymous"),
    case(Q2, "disclosure", "safety", "anonymous"), case(Q3, "disclosure", "safety", "anonymous"),
    case(Q3, "harassment", "sexual", "named"), case(Q1, "disclosure", "safety", "anonymous"),
    case(Q2, "disclosure", "safety", "anonymous"), case(Q2, "harassment", "conduct", "anonymous"),
    case(Q4, "harassment", "conduct", "named"), case(Q1, "disclosure", "conduct", "anonymous"),
    case(Q2, "disclosure", "safety", "anonymous"), case(Q4, "disclosure", "safety", "named"),
    case(Q2, "harassment", "conduct", "named"), case(Q2, "harassment", "sexual", "anonymous"),
    case(Q2, "disclosure", "fraud", "anonymous"), case(Q3, "harassment", "sexual", "named"),
    case(Q1, "disclosure", "conduct", "anonymous"), case(Q1, "disclosure", "conduct", "anonymous"),
    case(Q4, "harassment", "sexual", "named"), case(Q3, "disclosure", "conduct", "named"),
    case(Q4, "harassment", "sexual", "anonymous"), case(Q1, "disclosure", "fraud", "named"),
]


def published(cases, plan) -> list[dict]:
    """Every table of the plan as answered, each published after the ones before it."""
    tally = replace(Tally.from_cases(cases, DOMAINS), feasible=FEASIBLE)
    releases = []
    for period, dims in plan:
        releases.append(publish(tally, parse_period(period), dims, PROFILES["standard"],
                                releases))
    return [{**r.as_dict(), "by": list(r.dims)} for r in releases]


def breaches(cases, plan):
    records = [{"quarter": d.year * 10 + (d.month - 1) // 3 + 1, **values}
               for d, values in cases]
    figures = attack(published(cases, plan), records, DOMAINS, FEASIBLE, 1,
                     insider=records[0])
    return figures.narrowed + figures.exact


def test_a_table_is_not_excused_by_what_its_own_zeros_hide():
    plan = [(p, ("route",)) for p in PERIODS] + [(p, ("category", "route")) for p in PERIODS]
    assert breaches(EXCUSED, plan) == []


@pytest.fixture
def every_search_fails(monkeypatch):
    """An audit whose solver never finds an answer."""
    from casework.stats import audit

    def fail(*args, **kwargs):
        raise audit.Unsure("no answer")
    monkeypatch.setattr(audit._System, "_solve", fail)


def test_a_search_that_finds_nothing_publishes_nothing_it_could_not_vouch_for(
        every_search_fails):
    # Seven kinds of conduct, one report each: every cell at least 1, the total at most 7.
    # Before, a failed search counted as "no narrower than before" and the rows went out.
    domains = {"category": tuple("abcdefg")}
    cases = [(Q1, {"category": c}) for c in "abcdefg"]
    release = publish(Tally.from_cases(cases, domains), parse_period("2026-Q1"), ["category"])
    assert release.refused and release.rows == ()
    assert release.as_dict()["withheld"] is True and release.as_dict()["rows"] == []


def test_an_audit_out_of_time_refuses_the_release():
    domains = {"category": tuple("abc")}
    cases = [(Q1, {"category": "a"})] * 3 + [(Q1, {"category": "b"})] * 20
    tally = Tally.from_cases(cases, domains)
    assert publish(tally, parse_period("2026"), ["category"], PROFILES["standard"],
                   time_limit=-1).refused
    # With time, the audit vouches for it and it is published.
    assert not publish(tally, parse_period("2026"), ["category"], PROFILES["standard"]).refused


def legacy(tally, period, dims):
    """A release as the rounding method of before issue 19 stored it (no perturbation)."""
    from casework.stats import ROUNDING, Release, Row
    from casework.stats.tables import row_keys
    rows = []
    for key in row_keys(dims, tally.domains):
        n = tally.exact(period, dims, key)
        count = None if 0 < n < 8 else (2 * n + 5) // 10 * 5
        rows.append(Row(key, count, count is None))
    return Release(period, tuple(dims), tuple(rows), PROFILES["standard"], method=ROUNDING,
                   noise=0)


def test_tables_of_before_are_read_with_their_own_rules():
    # Q1 by category was published by plain rounding: a 3 suppressed beside a 20 rounded to 20
    # and a total of 23 rounded to 25. A year table now (all in Q1) could not narrow the 3
    # further on its own; the audit reads the stored table as exact rounding (no noise) and
    # still finds doubt, so the year is published.
    domains = {"category": tuple("abc")}
    cases = [(Q1, {"category": "a"})] * 3 + [(Q1, {"category": "b"})] * 20
    tally = Tally.from_cases(cases, domains)
    stored = [legacy(tally, parse_period("2026-Q1"), ["category"])]
    assert not publish(tally, parse_period("2026"), ["category"], PROFILES["standard"],
                       stored).refused


def test_a_total_whose_perturbation_fell_high_over_suppressed_groups_is_refused(monkeypatch):
    # Two kinds with 7 cases each, both suppressed; their total of 14, moved up by the most
    # (10) and rounded to 25, says "at least 25 - 2 - 10 = 13", so with each kind at most 7,
    # each is at least 6: a 7 fenced into 6..7. The audit sees it and refuses the table.
    from casework.stats import disclosure
    monkeypatch.setattr(disclosure, "perturbation", lambda key, limit=10: limit)
    domains = {"category": ("a", "b", "c")}
    cases = [(Q1, {"category": "a"})] * 7 + [(Q1, {"category": "b"})] * 7
    release = publish(Tally.from_cases(cases, domains), parse_period("2026-Q1"), ["category"])
    assert release.refused
    monkeypatch.setattr(disclosure, "perturbation", lambda key, limit=10: 0)
    assert not publish(Tally.from_cases(cases, domains), parse_period("2026-Q1"),
                       ["category"]).refused
