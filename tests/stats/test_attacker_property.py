"""Random organisations of 1 to 40 cases: the attacker never breaks their audited releases."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.stats import (
    PROFILES,
    PublishedCount,
    Tally,
    parse_period,
    protect_count,
    publish,
)
from tests.stats.attacker import Attacker, all_keys

DOMAINS = {"route": ("disclosure", "harassment"), "category": ("fraud", "conduct", "sexual")}
DAYS = [date(2026, 2, 1), date(2026, 5, 1), date(2026, 8, 1), date(2026, 11, 1)]
PERIODS = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026-H1", "2026-H2", "2026"]
DIMS = [("route", "category"), ("category", "route"), ("route",), ("category",), ()]
NESTED = [(key, ("route", "category")) for key in ("2026-Q1", "2026-Q2", "2026-H1", "2026")]

CASE = st.tuples(st.sampled_from(DAYS), st.sampled_from(DOMAINS["route"]),
                 st.sampled_from(DOMAINS["category"]))
# Sizes drawn evenly from 1 to 40: left to itself hypothesis favours short lists.
CASES = st.integers(1, 40).flatmap(lambda n: st.lists(CASE, min_size=n, max_size=n))
PLANS = st.one_of(
    st.just([*NESTED, ("2026", ("route",))]),
    st.lists(st.tuples(st.sampled_from(PERIODS), st.sampled_from(DIMS)), min_size=2, max_size=5),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CASES, PLANS, st.sampled_from(sorted(PROFILES)), st.data())
def test_random_organisations_publish_releases_the_attacker_cannot_break(
        drawn, plan, profile_name, data):
    profile = PROFILES[profile_name]
    cases = [(day, {"route": route, "category": category}) for day, route, category in drawn]
    tally, releases = Tally.from_cases(cases, DOMAINS), []
    for key, dims in plan:
        releases.append(publish(tally, parse_period(key), dims, profile, releases))
    insider = data.draw(st.sampled_from(cases), label="the insider's own case")
    assert Attacker(releases, DOMAINS).breaches(cases, insiders=[insider]) == []
    for release in releases:
        shown_or_withheld = [row.key for row in release.rows] + list(release.withheld)
        assert sorted(shown_or_withheld, key=repr) == sorted(all_keys(release.dims, DOMAINS),
                                                              key=repr)
        for row in release.rows:  # the audit leaves rows out; it never changes one
            exact = tally.exact(release.period, release.dims, row.key)
            assert protect_count(exact, profile) == PublishedCount(row.count, row.suppressed)


#: Rules anyone can read: fraud is raised only as a disclosure, sexual harassment only as a
#: harassment complaint; conduct either way.
FEASIBLE = {("route", "category"): frozenset({("disclosure", "fraud"), ("disclosure", "conduct"),
                                              ("harassment", "conduct"),
                                              ("harassment", "sexual")})}
ALLOWED = sorted(FEASIBLE[("route", "category")])
POSSIBLE_CASE = st.tuples(st.sampled_from(DAYS), st.sampled_from(ALLOWED))
POSSIBLE_CASES = st.integers(1, 40).flatmap(
    lambda n: st.lists(POSSIBLE_CASE, min_size=n, max_size=n))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(POSSIBLE_CASES, PLANS, st.data())
def test_an_attacker_who_knows_the_rules_cannot_break_them_either(drawn, plan, data):
    """The audit leaves impossible classes out of its search (no witness may use them), so its
    releases hold against an attacker who also rules them out."""
    cases = [(day, {"route": route, "category": category}) for day, (route, category) in drawn]
    tally = Tally(Tally.from_cases(cases, DOMAINS).domains,
                  Tally.from_cases(cases, DOMAINS).counts, FEASIBLE)
    releases = []
    for key, dims in plan:
        releases.append(publish(tally, parse_period(key), dims, PROFILES["standard"], releases))
    insider = data.draw(st.sampled_from(cases), label="the insider's own case")
    attacker = Attacker(releases, DOMAINS, FEASIBLE)
    assert attacker.breaches(cases, insiders=[insider]) == []
