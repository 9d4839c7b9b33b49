"""The statistics' exact counts come from one GROUP BY each, with every empty cell as 0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from casework.services.stats_sql import HISTORY, counts, day_percentiles, quarter_tally
from casework.services.transitions import fire_transition
from casework.stats.periods import parse_period
from tests.services.test_svc_aftercare import boss_of

PERIOD = parse_period("2026")
PERIOD_Q1 = parse_period("2026-Q1")


def test_counts_cover_every_combination_with_zeros(ctx, make):
    make.case("disclosure", category="fraud")
    make.case("disclosure", category="fraud", path=("withdraw",))
    make.case("harassment", category="sexual_harassment")
    table = counts(ctx, ["route", "category"], PERIOD)
    assert table[("disclosure", "fraud")] == 2
    assert table[("harassment", "sexual_harassment")] == 1
    assert table[("harassment", "fraud")] == 0
    assert sum(table.values()) == 3
    assert counts(ctx, [], PERIOD) == {(): 3}


def test_counts_only_the_period_in_the_organisations_days(ctx, make, clock):
    make.case()
    clock.now = clock.now.replace(year=2025, month=12, day=31, hour=23, minute=30)  # UTC
    make.case()  # 31 December in London too: not 2026
    assert counts(ctx, [], PERIOD) == {(): 1}


def test_the_harassment_path_is_the_furthest_chosen(ctx, make):
    make.case("harassment", path=("acknowledge", "choose_informal", "not_resolved",
                                  "choose_formal"))
    make.case("harassment", path=("acknowledge", "choose_self_help"))
    make.case("harassment")
    table = counts(ctx, ["path"], PERIOD)
    assert (table[("formal",)], table[("self_help",)], table[("none",)]) == (1, 1, 1)


def test_percentiles_and_deadlines_are_computed_in_sql(ctx, make, clock):
    start = clock.now
    for days in (1, 2, 3, 10):
        clock.now = start
        case = make.lodge().case
        clock.now = start + timedelta(days=days)
        fire_transition(ctx, boss_of(make, case), case.reference, "acknowledge", case.version)
    make.lodge()  # not acknowledged: no deadline has ended yet
    size, values = day_percentiles(ctx, [], PERIOD)["acknowledge"][()]
    assert size == 4 and values[0.5] == 2 and values[0.9] == 10
    table = counts(ctx, ["deadlines", "acknowledged"], PERIOD)
    assert table[("met", "acknowledged")] == 3
    assert table[("missed", "acknowledged")] == 1  # the 10-day one missed its 7 days
    assert table[("none", "not_acknowledged")] == 1


def test_the_counts_come_with_the_sum_of_their_record_keys(ctx, make):
    cases = [make.case("disclosure", category="fraud") for _ in range(3)]
    [((_, cell), (n, key_sum))] = quarter_tally(ctx, ["category"], [PERIOD_Q1]).items()
    assert cell == ("fraud",) and n == 3
    assert key_sum == sum(case.stats_key for case in cases)
    assert len({case.stats_key for case in cases}) == 3


def test_the_facts_are_fixed_on_the_case_when_they_happen(ctx, make, clock):
    """The quarter received (in the organisation's days) at lodging; whole days to
    acknowledge and to close at those transitions, never changed afterwards."""
    clock.now = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)  # 1 April in London (BST): Q2
    case = make.lodge().case
    assert (case.received_quarter, case.days_to_acknowledge, case.days_to_close) == (
        20262, None, None)
    clock.now += timedelta(days=2, hours=23)
    fire_transition(ctx, boss_of(make, case), case.reference, "acknowledge", case.version)
    assert case.days_to_acknowledge == 2 and case.days_to_close is None
    clock.now += timedelta(days=40)
    fire_transition(ctx, boss_of(make, case), case.reference, "no_further_action",
                    case.version, {"reason": "Out of scope."})
    assert (case.received_quarter, case.days_to_acknowledge, case.days_to_close) == (
        20262, 2, 42)


def test_the_stage_is_the_furthest_each_case_reached(ctx, make):
    make.case(path=("acknowledge", "accept_for_investigation", "record_findings"))
    make.case(path=("acknowledge", "no_further_action"))
    make.case()
    stages = {cell[0]: n for cell, n in counts(ctx, ["stage"], PERIOD).items()}
    assert sum(stages.values()) == 3 and stages["received"] == 1 and stages["declined"] == 1
    assert stages["investigated"] == 1 and stages["action_taken"] == 0


def test_every_outcome_is_in_the_domain_even_with_no_case(ctx):
    from casework.services.stats_sql import domains
    outcomes = set(domains(ctx)["outcome"])
    assert {"substantiated", "partly_substantiated", "not_substantiated", "malicious",
            "withdrawn", "referred", "open"} <= outcomes


def test_quarter_counts_put_each_case_in_its_quarter_and_skip_gaps(ctx, make, clock):
    from casework.services.stats_sql import quarter_counts
    from casework.stats.periods import parse_period
    for month in (1, 2, 5, 8, 11):
        clock.now = datetime(2026, month, 10, 9, 0, tzinfo=UTC)
        make.case("disclosure", category="fraud")
    q1, q3 = parse_period("2026-Q1"), parse_period("2026-Q3")
    found = quarter_counts(ctx, ["route"], [q3, q1])  # Q2 is a gap: its case is not counted
    assert found == {(q1, ("disclosure",)): 2, (q3, ("disclosure",)): 1}


def test_declined_cases_are_counted_by_the_kind_of_reason_chosen(ctx, make):
    """The optional reason_class of a declining transition is a fact; a decline without it
    is "unclassified"; every other case is "not_declined". The free-text reason is never read."""
    for reason_class in ("insufficient_information", "insufficient_information", None):
        case = make.case(path=("acknowledge",))
        fields = {"reason": "Confidential words.", **(
            {"reason_class": reason_class} if reason_class else {})}
        fire_transition(ctx, boss_of(make, case), case.reference, "no_further_action",
                        case.version, fields)
    harassment = make.case("harassment", path=("acknowledge", "choose_formal"))
    fire_transition(ctx, boss_of(make, harassment), harassment.reference, "decline_investigation",
                    harassment.version, {"reason": "Words.", "reason_class": "outside_policy"})
    make.case(path=("acknowledge", "accept_for_investigation"))
    table = counts(ctx, ["route", "declined"], PERIOD)
    assert table[("disclosure", "insufficient_information")] == 2
    assert table[("disclosure", "unclassified")] == 1
    assert table[("disclosure", "not_declined")] == 1
    assert table[("harassment", "outside_policy")] == 1
    assert table[("disclosure", "too_long_ago")] == 0  # every kind offered is a cell
    assert sum(table.values()) == 5


def test_the_kinds_of_reason_come_from_the_routes(ctx):
    from casework.services.stats_sql import domains
    declined = domains(ctx)["declined"]
    assert declined[0] == "not_declined" and declined[-1] == "unclassified"
    assert {"not_a_disclosure", "outside_policy", "insufficient_information"} <= set(declined)
    assert len(declined) == len(set(declined))


def test_every_case_is_in_a_combination_the_rules_allow(ctx, make):
    """The audit treats combinations outside feasible() as empty: every real case must fall
    in one, whatever path it took (and the rules must rule something out)."""
    from casework.services.stats_sql import feasible
    paths = {
        "disclosure": [(), ("acknowledge",), ("acknowledge", "no_further_action"),
                       ("acknowledge", "refer"), ("acknowledge", "accept_for_investigation",
                                                  "record_findings", "record_action",
                                                  "give_feedback"), ("withdraw",)],
        "harassment": [("acknowledge", "choose_self_help", "resolved"),
                       ("acknowledge", "choose_self_help", "not_resolved", "choose_formal",
                        "decline_investigation"),
                       ("acknowledge", "choose_formal", "decide_to_investigate",
                        "record_findings", "record_action"),
                       ("acknowledge", "external_route")],
    }
    for route, walks in paths.items():
        for path in walks:
            make.case(route, path=path)
    rules = feasible(ctx)
    group = HISTORY
    found = {cell for cell, n in counts(ctx, list(group), PERIOD).items() if n}
    assert len(found) == 10 and found <= rules[group]
    assert ("disclosure", "investigated", "none", "not_declined", "no_further_action",
            "acknowledged", "closed") not in rules[group]
    assert ("disclosure", "received", "none", "not_declined", "open", "not_acknowledged",
            "closed") not in rules[group]  # a case still open is not closed
    pairs = {cell for cell, n in counts(ctx, ["route", "category"], PERIOD).items() if n}
    assert pairs <= rules[("route", "category")]
    assert len(rules[("route", "category")]) < len(ctx.runtime.pack.categories) * 2


def test_the_reporters_relation_is_a_dimension(ctx, make):
    """Witnesses counted (issue 14, seed 003 Who to approach): how each reporter knows, with
    cases lodged before the form asked kept apart."""
    make.case("harassment", category="sexual_harassment", relation="affected")
    make.case("harassment", category="sexual_harassment", relation="saw")
    make.case("harassment", category="sexual_harassment", relation="told")
    make.case("harassment", category="sexual_harassment", witness=True)
    make.case("disclosure")
    table = counts(ctx, ["relation"], PERIOD)
    assert table == {("affected",): 1, ("saw",): 1, ("told",): 1, ("someone_else",): 1,
                     ("not_asked",): 1}
