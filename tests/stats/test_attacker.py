"""The attacker breaks row-by-row protection and cannot break audited releases.

Each leak below is one the audit exists for (casework/stats/audit.py explains them); each test
shows the attacker breaking the rows as protected one by one, then failing against `publish`,
for an outsider and for an insider who knows any one case.
"""

from datetime import date

import pytest

from casework.stats import DEFAULT, PROFILES, Profile, Release, Row, Tally, parse_period, publish
from casework.stats.audit import _Space
from casework.stats.disclosure import protect_count
from casework.stats.tables import primary
from tests.stats.attacker import Attacker, Breach

Q1, Q2, Q3, Q4 = date(2026, 2, 10), date(2026, 5, 10), date(2026, 8, 10), date(2026, 11, 10)
ROUTES = ("disclosure", "harassment")
CATEGORIES = ("fraud", "conduct", "safety", "sexual")
DOMAINS = {"route": ROUTES, "category": CATEGORIES}
BY_BOTH = ("route", "category")


def cases(spec: dict[tuple, int]) -> list:
    """(day, value, ...) -> n as cases over the dimensions of DOMAINS, in order."""
    return [(key[0], dict(zip(DOMAINS, key[1:], strict=True)))
            for key, n in spec.items() for _ in range(n)]


def one_dim(spec: dict[tuple[date, str], int]) -> list:
    return [(day, {"category": value}) for (day, value), n in spec.items() for _ in range(n)]


def release_all(data, domains, plan, profile=DEFAULT, audited=True, fiscal=1):
    """Publish a plan of (period, dims) in order, each audited against those before it."""
    tally, stored = Tally.from_cases(data, domains), []
    for key, dims in plan:
        period = parse_period(key, fiscal)
        stored.append(publish(tally, period, dims, profile, stored) if audited
                      else primary(tally, period, dims, profile))
    return stored


def assert_leak_caught_and_fixed(data, domains, plan, profile=DEFAULT,
                                 fiscal=1) -> list[Release]:
    row_by_row = release_all(data, domains, plan, profile, audited=False, fiscal=fiscal)
    assert any(b.low == b.high for b in Attacker(row_by_row, domains).breaches(data))
    audited = release_all(data, domains, plan, profile, fiscal=fiscal)
    assert Attacker(audited, domains).breaches(data, insiders=data) == []
    return audited


def rows(release: Release) -> dict:
    return {row.key: row.count for row in release.rows}


def test_the_attacker_catches_a_suppressed_cell_beside_an_exact_total():
    exact = Profile("no rounding", threshold=8, rounding=1, share_min_group=20)
    bad = Release(parse_period("2026"), ("category",), (
        Row(("a",), None, True), Row(("b",), 10, False), Row((None,), 13, False)), exact)
    domains = {"category": ("a", "b")}
    data = one_dim({(Q1, "a"): 3, (Q1, "b"): 10})
    assert Attacker([bad], domains).breaches(data) == [Breach("2026", {"category": "a"}, 3, 3)]


def test_the_attacker_lets_a_lone_suppressed_cell_keep_its_doubt():
    domains = {"category": ("a", "b")}
    data = one_dim({(Q1, "a"): 3, (Q1, "b"): 10})
    alone = Release(parse_period("2026"), ("category",), (Row(("a",), None, True),), DEFAULT)
    assert Attacker([alone], domains).breaches(data, insiders=data) == []


def test_rounded_neighbours_and_total_pin_a_suppressed_cell():
    # 1, 8, 8 and 17 publish as suppressed, 10, 10, 15: the suppressed cell is at most 17-8-8.
    domains = {"category": ("a", "b", "c")}
    data = one_dim({(Q1, "a"): 1, (Q1, "b"): 8, (Q1, "c"): 8})
    [release] = assert_leak_caught_and_fixed(data, domains, [("2026-Q1", ("category",))])
    assert rows(release)[("a",)] is None
    assert release.withheld == (("b",),)  # a neighbouring cell, and the total stays


def test_suppressed_cells_alone_pin_a_suppressed_total():
    # Seven categories of one case each: every cell is at least 1 and the total at most 7.
    domains = {"category": tuple("abcdefg")}
    data = one_dim({(Q1, c): 1 for c in "abcdefg"})
    [release] = assert_leak_caught_and_fixed(data, domains, [("2026-Q1", ("category",))])
    assert release.withheld == ((None,),)


def test_nested_periods_pin_a_cell_each_release_alone_protects():
    domains = {"category": ("a", "b")}
    data = one_dim({(Q1, "a"): 1, (Q2, "a"): 8, (Q1, "b"): 8})
    plan = [("2026-Q1", ("category",)), ("2026-Q2", ("category",)), ("2026-H1", ("category",))]
    for release in release_all(data, domains, plan[:2]):
        assert Attacker([release], domains).breaches(data, insiders=data) == []
    q1, q2, h1 = assert_leak_caught_and_fixed(data, domains, plan)
    assert (q1.withheld, q2.withheld, h1.withheld) == ((), (), ((None,),))


def test_a_stricter_profile_makes_rounding_tell_more():
    # With threshold 11 a published 10 means 11 or 12: 1 + 11 = 12 publishes as "suppressed, 10,
    # total 10", and the suppressed cell is at most 12 - 11.
    domains = {"category": ("a", "b")}
    data = one_dim({(Q1, "a"): 1, (Q1, "b"): 11})
    assert_leak_caught_and_fixed(data, domains, [("2026-Q1", ("category",))], PROFILES["strict"])


ORGANISATION = cases({
    (Q1, "disclosure", "fraud"): 9, (Q1, "disclosure", "conduct"): 2,
    (Q1, "harassment", "sexual"): 3, (Q1, "harassment", "conduct"): 1,
    (Q2, "disclosure", "fraud"): 4, (Q2, "disclosure", "safety"): 1,
    (Q2, "harassment", "sexual"): 6, (Q2, "harassment", "conduct"): 8,
    (Q3, "disclosure", "fraud"): 5, (Q3, "harassment", "sexual"): 1,
    (Q4, "disclosure", "conduct"): 3, (Q4, "harassment", "sexual"): 2,
})
QUARTERS_HALF_YEAR_YEAR = [("2026-Q1", BY_BOTH), ("2026-Q2", BY_BOTH), ("2026-H1", BY_BOTH),
                           ("2026", BY_BOTH), ("2026", ("route",))]


@pytest.mark.parametrize("profile", PROFILES.values(), ids=PROFILES)
def test_quarters_half_year_year_and_two_dimension_sets_cannot_be_differenced(profile):
    releases = release_all(ORGANISATION, DOMAINS, QUARTERS_HALF_YEAR_YEAR, profile)
    assert Attacker(releases, DOMAINS).breaches(ORGANISATION, insiders=ORGANISATION) == []
    # Counts nobody asked for yet keep their doubt too, so Q3, Q4 or H2 can follow safely.
    unasked = [Release(parse_period(key), BY_BOTH, (), profile)
               for key in ("2026-Q3", "2026-Q4", "2026-H2")]
    assert Attacker(releases + unasked, DOMAINS).breaches(ORGANISATION) == []
    assert_only_withheld_never_altered(releases, profile)


def test_the_audit_withholds_little_in_an_ordinary_year():
    releases = release_all(ORGANISATION, DOMAINS, QUARTERS_HALF_YEAR_YEAR)
    published = sum(len(r.rows) for r in releases)
    withheld = sum(len(r.withheld) for r in releases)
    assert published + withheld == 4 * (8 + 6 + 1) + 3
    assert withheld <= published // 5
    # The route-only release repeats the route margins of route x category: nothing new in it.
    by_both, by_route = releases[3], releases[4]
    margins = {key[:1]: n for key, n in rows(by_both).items() if key[1] is None}
    assert all(margins.get(key, n) == n for key, n in rows(by_route).items())


def assert_only_withheld_never_altered(releases, profile):
    """The audit only leaves rows out: every published row is the rule applied to its count."""
    tally = Tally.from_cases(ORGANISATION, DOMAINS)
    for release in releases:
        for row in release.rows:
            published = protect_count(tally.exact(release.period, release.dims, row.key), profile)
            assert (row.count, row.suppressed) == (published.count, published.suppressed)


def test_a_stored_release_reads_back_and_is_audited_against():
    tally = Tally.from_cases(ORGANISATION, DOMAINS)
    first = publish(tally, parse_period("2026-Q1"), BY_BOTH)
    stored = Release.from_dict(first.as_dict(), BY_BOTH)
    assert stored.rows == first.rows and stored.period == first.period
    data = one_dim({(Q1, "a"): 1, (Q2, "a"): 8, (Q1, "b"): 8})
    domains = {"category": ("a", "b")}
    tally = Tally.from_cases(data, domains)
    q1, q2 = (Release.from_dict(publish(tally, parse_period(k), ["category"]).as_dict(),
                                ["category"]) for k in ("2026-Q1", "2026-Q2"))
    h1 = publish(tally, parse_period("2026-H1"), ["category"], stored=[q1, q2])
    assert Attacker([q1, q2, h1], domains).breaches(data, insiders=data) == []
    assert h1.withheld


def test_a_stored_row_the_records_no_longer_match_is_left_out_of_the_audit():
    domains = {"category": ("a", "b")}
    before = one_dim({(Q1, "a"): 7})
    old = publish(Tally.from_cases(before, domains), parse_period("2026-Q1"), ["category"])
    assert rows(old) == {("a",): None, ("b",): 0, (None,): None}
    after = one_dim({(Q1, "a"): 6, (Q1, "b"): 1})  # one case reclassified since: b is not 0
    tally = Tally.from_cases(after, domains)
    new = publish(tally, parse_period("2026-H1"), ["category"], stored=[old])
    assert new == publish(tally, parse_period("2026-H1"), ["category"])
    assert rows(new) == {("a",): None, ("b",): None, (None,): None}
    # What the audit believes each stored Q1 row says: nothing where it is no longer true.
    space = _Space(tally, [old], primary(tally, parse_period("2026-H1"), ["category"], DEFAULT))
    q1 = (date(2026, 1, 1), date(2026, 4, 1))
    believed = {key: space.stored_bounds[space.count_id[q1, key]] for key in old_keys(old)}
    assert believed == {("a",): (1, 7), ("b",): None, (None,): (1, 7)}


def old_keys(release: Release) -> list:
    return [row.key for row in release.rows]


def test_a_financial_year_and_calendar_quarters_cannot_be_differenced():
    # FY2026 from April: 2025-Q2 to 2026-Q1. The nested-periods leak, across the two calendars.
    domains = {"category": ("a", "b")}
    q4 = date(2025, 11, 10)
    data = one_dim({(Q1, "a"): 1, (q4, "a"): 8, (Q1, "b"): 8})
    plan = [("2026-Q1", ("category",)), ("2025-Q4", ("category",)), ("FY2026", ("category",))]
    releases = assert_leak_caught_and_fixed(data, domains, plan, fiscal=4)
    assert releases[-1].period.start == date(2025, 4, 1)


def test_releases_that_share_no_quarter_with_the_new_one_are_not_audited_with_it():
    tally = Tally.from_cases(ORGANISATION, DOMAINS)
    elsewhere = Tally.from_cases([(date(2024, 2, 1), {"department": "audit"})] * 3,
                                 {"department": ("audit",)})
    old = publish(elsewhere, parse_period("2024"), ["department"])
    alone = publish(tally, parse_period("2026-Q1"), BY_BOTH)
    assert publish(tally, parse_period("2026-Q1"), BY_BOTH, stored=[old]) == alone
    linked = Release(parse_period("2026"), ("department",), (), DEFAULT)
    with pytest.raises(ValueError, match="department"):
        publish(tally, parse_period("2026-Q1"), BY_BOTH, stored=[linked])


def test_the_audit_searches_only_classes_that_could_hold_a_case():
    """Classes under a published 0, and combinations the rules rule out, are left out of the
    search; every class that holds a case stays."""
    feasible = {("route", "category"): frozenset({("disclosure", "fraud"),
                                                  ("disclosure", "conduct"),
                                                  ("disclosure", "safety"),
                                                  ("harassment", "conduct"),
                                                  ("harassment", "sexual")})}
    data = cases({(Q1, "disclosure", "fraud"): 9, (Q1, "harassment", "sexual"): 2,
                  (Q2, "disclosure", "conduct"): 8})  # no safety case at all
    plain = Tally.from_cases(data, DOMAINS)
    tally = Tally(plain.domains, plain.counts, feasible)
    year = parse_period("2026")

    def space(tally):
        by_route = primary(tally, year, ["route"], DEFAULT)  # route and category never crossed
        by_category = primary(tally, year, ["category"], DEFAULT)
        assert rows(by_category)[("safety",)] == 0
        return _Space(tally, [by_route], by_category)

    searched = space(tally)
    pairs = {key[1:] for key in searched.classes}
    assert pairs == {("disclosure", "fraud"), ("disclosure", "conduct"),
                     ("harassment", "conduct"), ("harassment", "sexual")}
    assert len(searched.classes) == 4 * 4  # every quarter, the possible pairs without safety
    assert all(searched.truth[searched.class_id[(quarter, *cell)]] == n
               for (quarter, cell), n in tally.counts.items())  # every case is still there
    assert len(space(plain).classes) == 4 * 2 * 3  # no rules known: only the published 0 prunes
