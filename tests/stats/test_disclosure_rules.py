"""The rules for one published number: counts, totals, profiles, shares and day measures."""

from datetime import date
from statistics import median

import pytest

from casework.stats import (
    DEFAULT,
    PROFILES,
    Profile,
    PublishedCount,
    PublishedShare,
    Tally,
    parse_period,
    protect_count,
    protect_measure,
    protect_shares,
    publish,
)
from casework.stats.disclosure import possible_counts

DOMAINS = {"route": ("disclosure", "harassment"), "category": ("fraud", "conduct", "safety")}


def tally(cells: dict[tuple[str, str], int], day: date = date(2026, 2, 1)) -> Tally:
    cases = [(day, {"route": r, "category": c}) for (r, c), n in cells.items() for _ in range(n)]
    return Tally.from_cases(cases, DOMAINS)


def test_zero_is_shown_as_zero():
    assert protect_count(0) == PublishedCount(0, False)


@pytest.mark.parametrize("exact", range(1, 8))
def test_one_to_seven_are_suppressed(exact):
    assert protect_count(exact) == PublishedCount(None, True)


@pytest.mark.parametrize(("exact", "published"), [
    (8, 10), (10, 10), (12, 10), (13, 15), (17, 15), (18, 20), (102, 100), (103, 105),
])
def test_other_counts_round_half_up_to_a_multiple_of_five(exact, published):
    assert protect_count(exact) == PublishedCount(published, False)


def test_a_negative_count_is_a_bug():
    with pytest.raises(ValueError, match="negative"):
        protect_count(-1)


@pytest.mark.parametrize(("name", "largest_suppressed", "smallest_shown"), [
    ("standard", 7, 8), ("strict", 10, 11), ("threshold10", 9, 10),
])
def test_profiles_move_the_threshold(name, largest_suppressed, smallest_shown):
    profile = PROFILES[name]
    assert protect_count(largest_suppressed, profile).suppressed
    assert protect_count(smallest_shown, profile) == PublishedCount(10, False)
    assert (profile.rounding, profile.share_min_group) == (5, 20)


def test_the_default_is_the_standard_profile():
    assert DEFAULT is PROFILES["standard"]
    assert (DEFAULT.threshold, DEFAULT.rounding, DEFAULT.share_min_group) == (8, 5, 20)


@pytest.mark.parametrize(("threshold", "rounding", "message"), [
    (4, 5, "doubt"), (8, 0, ">= 1"), (8, 17, "round to 0"),
])
def test_unsafe_profiles_are_refused(threshold, rounding, message):
    with pytest.raises(ValueError, match=message):
        Profile("custom", threshold, rounding, 20)


@pytest.mark.parametrize(("published", "profile", "possible"), [
    (PublishedCount(0, False), DEFAULT, (0, 0)),
    (PublishedCount(None, True), DEFAULT, (1, 7)),
    (PublishedCount(10, False), DEFAULT, (8, 12)),
    (PublishedCount(15, False), DEFAULT, (13, 17)),
    (PublishedCount(10, False), PROFILES["strict"], (11, 12)),
    (PublishedCount(10, False), PROFILES["threshold10"], (10, 12)),
])
def test_what_a_published_count_tells_a_reader(published, profile, possible):
    assert possible_counts(published, profile) == possible
    low, high = possible
    assert all(protect_count(n, profile) == published for n in range(low, high + 1))
    assert low == 0 or protect_count(low - 1, profile) != published
    assert protect_count(high + 1, profile) != published


def test_totals_are_rounded_from_the_exact_sum_not_from_rounded_cells():
    # Cells of 12 publish as 10 each; the exact total 24 publishes as 25, not 10 + 10.
    release = publish(tally({("disclosure", "fraud"): 12, ("disclosure", "conduct"): 12}),
                      parse_period("2026"), ["route", "category"])
    rows = {tuple(row.values())[:2]: row["count"] for row in release.as_dict()["rows"]}
    assert rows["disclosure", "fraud"] == rows["disclosure", "conduct"] == 10
    assert rows["disclosure", None] == 25
    assert rows[None, None] == 25
    assert rows[None, "safety"] == rows["harassment", None] == rows["harassment", "fraud"] == 0


def test_the_answer_has_every_row_in_the_contract_shape():
    release = publish(tally({("disclosure", "fraud"): 12}), parse_period("2026-Q1"),
                      ["route", "category"])
    answer = release.as_dict()
    assert set(answer) == {"period", "rows", "threshold", "rounding"}
    assert (answer["period"], answer["threshold"], answer["rounding"]) == ("2026-Q1", 8, 5)
    # 2 x 3 cells, 2 + 3 one-way margins, the grand total.
    assert len(answer["rows"]) == 6 + 5 + 1
    assert answer["rows"][0] == {"route": "disclosure", "category": "fraud", "count": 10,
                                 "suppressed": False}
    assert answer["rows"][-1] == {"route": None, "category": None, "count": 10,
                                  "suppressed": False}


def test_counts_outside_the_period_are_not_counted():
    release = publish(tally({("disclosure", "fraud"): 12}, day=date(2026, 4, 1)),
                      parse_period("2026-Q1"), ["route"])
    assert [row["count"] for row in release.as_dict()["rows"]] == [0, 0, 0]


def test_an_unknown_dimension_is_refused():
    with pytest.raises(ValueError, match="unknown or repeated"):
        publish(tally({}), parse_period("2026"), ["route", "department"])
    with pytest.raises(ValueError, match="unknown or repeated"):
        publish(tally({}), parse_period("2026"), ["route", "route"])


def test_a_case_with_a_value_outside_its_dimension_is_refused():
    with pytest.raises(ValueError, match="not one of"):
        Tally.from_cases([(date(2026, 1, 5), {"route": "other", "category": "fraud"})], DOMAINS)


def shares(total, counts, profile=DEFAULT):
    return {k: v.percent for k, v in protect_shares(total, counts, profile).items()}


def test_a_small_group_where_everyone_had_one_outcome_is_suppressed_with_its_complement():
    assert shares(12, {"substantiated": 12, "not_substantiated": 0}) == {
        "substantiated": None, "not_substantiated": None}
    assert all(s.suppressed for s in protect_shares(12, {"a": 12, "b": 0}).values())


def test_with_three_outcomes_one_empty_one_suppresses_the_whole_group():
    assert shares(10, {"a": 4, "b": 6, "c": 0}) == {"a": None, "b": None, "c": None}


def test_a_small_group_without_zero_or_hundred_percent_is_published():
    assert shares(10, {"a": 3, "b": 7}) == {"a": 30, "b": 70}
    assert protect_shares(10, {"a": 3, "b": 7})["a"] == PublishedShare(30, False)


def test_a_group_of_share_min_group_or_more_is_always_published():
    assert shares(20, {"a": 20, "b": 0}) == {"a": 100, "b": 0}
    assert shares(19, {"a": 19, "b": 0}) == {"a": None, "b": None}
    assert shares(30, {"a": 1, "b": 2, "c": 27}) == {"a": 3, "b": 7, "c": 90}


def test_an_empty_group_has_no_shares_and_bad_input_is_refused():
    assert shares(0, {"a": 0}) == {"a": None}
    with pytest.raises(ValueError, match="more than the group"):
        protect_shares(3, {"a": 2, "b": 2})
    with pytest.raises(ValueError, match="negative"):
        protect_shares(3, {"a": -1})


def test_measures_need_at_least_threshold_values():
    assert protect_measure([5] * 7) is None
    assert protect_measure([5] * 9, PROFILES["threshold10"]) is None
    assert protect_measure([5] * 10, PROFILES["strict"]) is None
    assert protect_measure([5] * 8) == {"p25": 5, "p50": 5, "p75": 5, "p90": 5}


def test_measures_interpolate_so_the_slowest_case_is_not_published():
    days = [1, 2, 3, 4, 5, 6, 7, 100]
    measured = protect_measure(days)
    assert measured["p50"] == median(days) == 4.5
    assert measured["p25"] < measured["p50"] < measured["p75"] < measured["p90"] < 100
    assert protect_measure(days, percentiles=(50,)) == {"p50": 4.5}
    with pytest.raises(ValueError, match="1 to 99"):
        protect_measure(days, percentiles=(100,))
