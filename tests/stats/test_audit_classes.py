"""The audit's classes (a quarter and a value of each dimension) known to be empty are left out
of its systems: `_Empty.classes` builds them with arrays, and must leave out exactly the
classes a prefix-by-prefix reading of the rules does (the reference below)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest

from casework.stats import PROFILES, Tally, parse_period
from casework.stats.audit import _Empty, secure
from casework.stats.periods import quarters_within
from casework.stats.tables import primary
from tests.stats.small_world import DOMAINS, FEASIBLE, organisation


def dead(empty: _Empty, prefix: tuple) -> bool:
    """The rule, one prefix at a time."""
    if prefix in empty.live:
        return False
    for positions, allowed in empty.rules.get(len(prefix), ()):
        if tuple(prefix[p] for p in positions) not in allowed:
            return True
    quarter = prefix[0]
    for positions, spans in empty.zeros.get(len(prefix), {}).items():
        found = spans.get(tuple(prefix[p] for p in positions))
        if found and any(start <= quarter.start and quarter.end <= end for start, end in found):
            return True
    return False


def reference(empty: _Empty, axes) -> list[tuple]:
    classes: list[tuple] = [()]
    for axis in axes:
        classes = [(*k, v) for k in classes for v in axis if not dead(empty, (*k, v))]
    return classes


@pytest.mark.parametrize("seed", range(10))
def test_the_classes_built_with_arrays_are_the_prefix_rules_classes(seed):
    tally = organisation(seed, random.Random(seed).choice([3, 8, 20, 40]))
    releases = []
    for period, dims in [("2026-Q1", ("category",)), ("2026-H2", ("anonymous", "route")),
                         ("2026", ("category", "route")), ("2026-Q3", ("route",))]:
        releases.append(secure(primary(tally, parse_period(period), dims, PROFILES["standard"],
                                       tally.secret), releases, tally))
    zeros = sum(1 for r in releases for row in r.rows if row.count == 0 and not row.suppressed)
    for dims in (["route", "category"], ["category", "anonymous", "route"], ["anonymous"]):
        quarters = sorted({q for r in releases for q in quarters_within(r.period)},
                          key=lambda q: q.start)
        where = [list(tally.domains).index(d) for d in dims]
        true: dict[tuple, int] = {}
        for (quarter, values), n in tally.counts.items():
            if n and quarter in quarters:
                key = (quarter, *(values[i] for i in where))
                true[key] = true.get(key, 0) + n
        empty = _Empty(dims, releases, true, tally.feasible)
        axes = [quarters, *(tally.domains[d] for d in dims)]
        digits = empty.classes(axes)
        built = [(quarters[row[0]], *(axes[j][d] for j, d in enumerate(row[1:], 1)))
                 for row in digits.tolist()]
        assert built == reference(empty, axes), (seed, dims, zeros)


def test_a_published_zero_and_the_route_rules_leave_classes_out():
    cases = [(date(2026, 2, 1), {"route": "disclosure", "category": "fraud",
                                 "anonymous": "named"})] * 30
    tally = replace(Tally.from_cases(cases, DOMAINS), feasible=FEASIBLE)
    q1 = parse_period("2026-Q1")
    release = secure(primary(tally, q1, ("category",), PROFILES["standard"], tally.secret),
                     [], tally)
    true = {(q1, "disclosure", "fraud"): 30}
    empty = _Empty(["route", "category"], [release], true, tally.feasible)
    built = {(route, category) for _q, route, category in [
        (None, *(DOMAINS[d][i] for d, i in zip(("route", "category"), row[1:], strict=True)))
        for row in empty.classes([[q1], DOMAINS["route"], DOMAINS["category"]]).tolist()]}
    # fraud's cases; no other category has a case and each was published as 0 for Q1, and
    # fraud is no harassment (the route rules)
    assert built == {("disclosure", "fraud")}
