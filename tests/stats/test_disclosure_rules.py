"""The rules for one published number under the cell key method: counts, totals, profiles,
the cell key itself, zeros, small units, and the measures derived from protected counts."""

from collections import Counter
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.stats import (
    DEFAULT,
    PROFILES,
    Profile,
    PublishedCount,
    Tally,
    parse_period,
    percentile_shown,
    protect_count,
    publish,
    share_met,
)
from casework.stats.cellkey import (
    NOISE_LIMIT,
    PTABLE,
    UNIT_NOISE_LIMIT,
    cell_key,
    perturbation,
    probability,
)
from casework.stats.disclosure import possible_counts, round_half_up

DOMAINS = {"route": ("disclosure", "harassment"), "category": ("fraud", "conduct", "safety")}
SECRET = b"s" * 32
#: A cell key that moves a count by nothing (the middle of the perturbation table).
STILL = 0.5
KEYS = st.floats(0, 1, exclude_max=True)


def tally(cells: dict[tuple[str, str], int], day: date = date(2026, 2, 1),
          secret: bytes = SECRET) -> Tally:
    cases = [(day, {"route": r, "category": c}) for (r, c), n in cells.items() for _ in range(n)]
    return Tally.from_cases(cases, DOMAINS, secret=secret)


def key_for(move: int) -> float:
    """A cell key that moves a count by exactly move."""
    cumulative, moves = PTABLE
    i = moves.index(move)
    lower = cumulative[i - 1] if i > 0 else 0.0
    upper = cumulative[i] if i < len(cumulative) else 1.0
    return (lower + upper) / 2


def rows(release) -> dict[tuple, dict]:
    return {tuple(row[d] for d in release.dims): row for row in release.as_dict()["rows"]}


def test_zero_is_shown_as_zero_unless_it_would_say_too_much():
    assert protect_count(0, DEFAULT, STILL) == PublishedCount(0, False)
    assert protect_count(0, DEFAULT, STILL, zero_shown=False) == PublishedCount(None, True)


@given(st.integers(1, 7), KEYS)
def test_one_to_seven_are_suppressed_whatever_the_cell_key(exact, key):
    assert protect_count(exact, DEFAULT, key) == PublishedCount(None, True)


@pytest.mark.parametrize(("exact", "published"), [
    (8, 10), (10, 10), (12, 10), (13, 15), (17, 15), (18, 20), (102, 100), (103, 105),
])
def test_unmoved_counts_round_half_up_to_a_multiple_of_five(exact, published):
    assert perturbation(STILL) == 0
    assert protect_count(exact, DEFAULT, STILL) == PublishedCount(published, False)


@given(st.integers(8, 10_000), KEYS)
def test_a_count_moves_by_at_most_the_noise_limit_and_never_below_the_threshold(exact, key):
    published = protect_count(exact, DEFAULT, key)
    assert not published.suppressed and published.count % 5 == 0
    assert published.count >= 10  # 8 at the least, rounded
    assert abs(published.count - exact) <= NOISE_LIMIT + 2
    low, high = possible_counts(published, DEFAULT)
    assert low <= exact <= high  # what a reader infers always holds the truth


def test_the_perturbations_are_mostly_small():
    assert sum(probability(m) for m in range(-NOISE_LIMIT, NOISE_LIMIT + 1)) == \
        pytest.approx(1.0)
    assert probability(0) > 0.25
    assert sum(probability(m) for m in (-1, 0, 1)) > 0.6
    assert sum(probability(m) for m in range(-3, 4)) > 0.95
    # The limits are real possibilities (an attacker must allow for them), if rare ones.
    assert 0 < probability(NOISE_LIMIT) < 1e-9 and probability(NOISE_LIMIT + 1) == 0.0
    assert 0 < probability(UNIT_NOISE_LIMIT, UNIT_NOISE_LIMIT) < 1e-9
    drawn = Counter(perturbation(i / 10_000) for i in range(10_000))
    assert drawn[0] == pytest.approx(10_000 * probability(0), abs=2)
    assert max(map(abs, drawn)) <= NOISE_LIMIT


def test_a_negative_count_is_a_bug():
    with pytest.raises(ValueError, match="negative"):
        protect_count(-1, DEFAULT, STILL)


@pytest.mark.parametrize(("name", "largest_suppressed", "smallest_shown"), [
    ("standard", 7, 8), ("strict", 10, 11), ("threshold10", 9, 10),
])
def test_profiles_move_the_threshold(name, largest_suppressed, smallest_shown):
    profile = PROFILES[name]
    assert protect_count(largest_suppressed, profile, STILL).suppressed
    assert protect_count(smallest_shown, profile, STILL) == PublishedCount(10, False)
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


@pytest.mark.parametrize(("published", "maybe_zero", "possible"), [
    (PublishedCount(0, False), False, (0, 0)),
    (PublishedCount(None, True), False, (1, 7)),
    (PublishedCount(None, True), True, (0, 7)),
    (PublishedCount(10, False), False, (8, 22)),
    (PublishedCount(20, False), False, (8, 32)),
    (PublishedCount(40, False), False, (28, 52)),
])
def test_what_a_published_count_tells_a_reader(published, maybe_zero, possible):
    assert possible_counts(published, DEFAULT, maybe_zero=maybe_zero) == possible
    # Every count in that range can give that answer with some cell key, and no other can.
    keys = [key_for(move) for move in range(-NOISE_LIMIT, NOISE_LIMIT + 1)]
    if published.count:
        low, high = possible
        givers = {n for n in range(0, high + 10) for k in keys
                  if protect_count(n, DEFAULT, k) == published}
        assert givers == set(range(low, high + 1))


def test_the_same_cases_always_get_the_same_number_in_any_table():
    # Fraud is only ever raised as a disclosure: the cell (disclosure, fraud) and the margin
    # (fraud) count the same 23 cases, so they move the same way however often they are asked.
    data = tally({("disclosure", "fraud"): 23, ("disclosure", "conduct"): 9,
                  ("harassment", "conduct"): 11})
    both = publish(data, parse_period("2026"), ["route", "category"])
    alone = publish(data, parse_period("2026"), ["category"])
    quarter = publish(data, parse_period("2026-Q1"), ["category", "route"])
    assert rows(both)["disclosure", "fraud"]["count"] == rows(both)[None, "fraud"]["count"] \
        == rows(alone)["fraud",]["count"] == rows(quarter)["fraud", "disclosure"]["count"]


def test_counts_of_different_cases_move_independently_so_differences_are_noisy():
    # 40 cases and 41 cases: over many secrets the published difference runs from below 0 to
    # well above 1, so subtracting one table from another does not single out the case between.
    differences = Counter()
    for i in range(200):
        secret = i.to_bytes(4, "big") * 8
        data = tally({("disclosure", "fraud"): 40, ("disclosure", "conduct"): 1}, secret=secret)
        r = rows(publish(data, parse_period("2026"), ["route", "category"]))
        differences[r["disclosure", None]["count"] - r["disclosure", "fraud"]["count"]] += 1
    assert len(differences) >= 3 and min(differences) < 0 < max(differences)


def test_the_cell_key_depends_on_the_secret_and_the_cases():
    assert cell_key(SECRET, 12345) == cell_key(SECRET, 12345)
    assert cell_key(SECRET, 12345) != cell_key(SECRET, 12346)
    assert cell_key(SECRET, 12345) != cell_key(b"t" * 32, 12345)
    assert 0 <= cell_key(SECRET, 2**70) < 1


def test_an_empty_group_shows_0_where_no_small_group_holds_it():
    r = rows(publish(tally({("disclosure", "fraud"): 20, ("harassment", "conduct"): 9}),
                     parse_period("2026"), ["route", "category"]))
    assert r["disclosure", "safety"] == {"route": "disclosure", "category": "safety",
                                         "count": 0, "suppressed": False}
    assert r["harassment", "fraud"]["count"] == r[None, "safety"]["count"] == 0


def test_a_zero_inside_a_small_group_is_suppressed():
    # Three fraud reports, all disclosures: "harassment, fraud = 0" would tell that all three
    # were disclosures, so it is suppressed like the small margin it lies in.
    r = rows(publish(tally({("disclosure", "fraud"): 3, ("disclosure", "conduct"): 20}),
                     parse_period("2026"), ["route", "category"]))
    assert r[None, "fraud"]["suppressed"] and r["harassment", "fraud"]["suppressed"]
    assert r["harassment", "fraud"]["count"] is None


def test_a_small_unit_never_shows_a_count_under_the_threshold_not_even_zero():
    domains = {"department": ("finance", "legal", "parks")}
    cases = [(date(2026, 2, 1), {"department": "finance"})] * 20 + \
        [(date(2026, 2, 1), {"department": "legal"})]
    data = Tally.from_cases(cases, domains, secret=SECRET)
    r = rows(publish(data, parse_period("2026-Q1"), ["department"]))
    assert r["legal",]["suppressed"] and r["parks",]["suppressed"]  # one case, and none
    assert not r["finance",]["suppressed"]
    assert publish(data, parse_period("2026-Q1"), ["department"]).noise == UNIT_NOISE_LIMIT


def test_totals_are_protected_from_the_exact_sum_not_added_from_published_cells():
    data = tally({("disclosure", "fraud"): 12, ("disclosure", "conduct"): 12})
    r = rows(publish(data, parse_period("2026"), ["route", "category"]))
    exact, total = 24, r[None, None]["count"]
    assert abs(total - exact) <= NOISE_LIMIT + 2
    assert r["disclosure", None]["count"] == total  # the same 24 cases: the same number


def test_the_answer_has_every_row_in_the_contract_shape_and_states_its_method():
    answer = publish(tally({("disclosure", "fraud"): 12}), parse_period("2026-Q1"),
                     ["route", "category"]).as_dict()
    assert set(answer) == {"period", "rows", "threshold", "rounding", "method", "noise"}
    assert (answer["period"], answer["threshold"], answer["rounding"]) == ("2026-Q1", 8, 5)
    assert (answer["method"], answer["noise"]) == ("cell key", NOISE_LIMIT)
    assert len(answer["rows"]) == 6 + 5 + 1  # 2 x 3 cells, 2 + 3 margins, the total
    assert set(answer["rows"][0]) == {"route", "category", "count", "suppressed"}


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


def test_the_share_of_deadlines_met_comes_from_published_counts_only():
    met, missed = PublishedCount(30, False), PublishedCount(10, False)
    assert share_met(met, missed, DEFAULT) == 75
    assert share_met(PublishedCount(None, True), missed, DEFAULT) is None
    assert share_met(met, PublishedCount(None, True), DEFAULT) is None
    assert share_met(PublishedCount(10, False), PublishedCount(0, False), DEFAULT) is None  # < 20
    assert share_met(PublishedCount(20, False), PublishedCount(0, False), DEFAULT) == 100


@pytest.mark.parametrize(("count", "point", "shown"), [
    (None, 50, False), (0, 50, False), (10, 50, False), (25, 50, False), (30, 50, True),
    (30, 25, False), (45, 25, True), (90, 90, False), (95, 90, True),
])
def test_a_percentile_is_shown_only_with_the_threshold_on_either_side(count, point, shown):
    cases = PublishedCount(count, count is None)
    assert percentile_shown(point, cases, DEFAULT) is shown


def test_percentiles_run_from_1_to_99():
    with pytest.raises(ValueError, match="1 to 99"):
        percentile_shown(100, PublishedCount(100, False), DEFAULT)


def test_round_half_up():
    assert [round_half_up(n, 5) for n in (0, 2, 3, 7, 8, 12, 13)] == [0, 0, 5, 5, 10, 10, 15]


def test_a_zero_the_route_rules_rule_out_shows_as_0_even_in_a_small_group():
    # Three fraud reports, all disclosures: fraud raised as a harassment complaint cannot
    # happen (the routes say so), so its 0 tells nothing and shows; conduct as harassment
    # could happen, so its 0 inside the small harassment group stays hidden.
    feasible = {("route", "category"): frozenset({("disclosure", "fraud"),
                                                  ("disclosure", "conduct"),
                                                  ("harassment", "conduct"),
                                                  ("disclosure", "safety")})}
    cases = [(date(2026, 2, 1), {"route": "disclosure", "category": "fraud"})] * 3 + \
        [(date(2026, 2, 1), {"route": "disclosure", "category": "conduct"})] * 20 + \
        [(date(2026, 2, 1), {"route": "harassment", "category": "conduct"})] * 2
    data = Tally.from_cases(cases, DOMAINS, secret=SECRET, feasible=feasible)
    r = rows(publish(data, parse_period("2026"), ["route", "category"]))
    assert r["harassment", "fraud"] == {"route": "harassment", "category": "fraud",
                                        "count": 0, "suppressed": False}
    assert r["harassment", "safety"]["count"] == 0
    assert r["harassment", None]["suppressed"]
