"""Several tables audited together (an annual report's first showing): `safe_together` may only
say yes where publishing them one after the other with `secure` would refuse none of them, and
it must say no where one of them narrows a small count."""

from __future__ import annotations

import random
from datetime import date

import pytest

from casework.stats import PROFILES, Tally, parse_period
from casework.stats import audit as audit_module
from casework.stats.audit import safe_together, secure
from casework.stats.tables import primary
from tests.stats.small_world import DOMAINS, organisation

TABLES = [("route",), ("category",), ("anonymous",), ("category", "route"),
          ("anonymous", "route"), ("anonymous", "category")]
YEAR = parse_period("2026")
PROFILE = PROFILES["standard"]


def one_at_a_time(tally: Tally, tables, stored=()) -> list[bool]:
    """Which tables `secure` refuses, each published after the ones before."""
    published, refused = list(stored), []
    for dims in tables:
        release = secure(primary(tally, YEAR, dims, PROFILE, tally.secret), published, tally)
        refused.append(release.refused)
        published.append(release)
    return refused


@pytest.mark.parametrize("seed", range(12))
def test_together_says_yes_only_where_one_at_a_time_refuses_nothing(seed):
    tally = organisation(seed, size=random.Random(seed).choice([6, 15, 30, 60]))
    news = [primary(tally, YEAR, dims, PROFILE, tally.secret) for dims in TABLES]
    if safe_together(news, [], tally):
        assert one_at_a_time(tally, TABLES) == [False] * len(TABLES)


def test_together_says_yes_to_a_year_with_nothing_small():
    tally = organisation(1, size=400)
    news = [primary(tally, YEAR, dims, PROFILE, tally.secret) for dims in TABLES]
    assert safe_together(news, [], tally)
    assert one_at_a_time(tally, TABLES) == [False] * len(TABLES)


def test_together_says_no_where_one_table_narrows_a_small_count(monkeypatch):
    # Two kinds with 7 cases each, both suppressed; their total of 14, moved up by the most
    # (10) and rounded to 25, fences each 7 into 6..7: `secure` refuses the table by kind,
    # and so must the audit of it with another table.
    from casework.stats import disclosure
    monkeypatch.setattr(disclosure, "perturbation", lambda key, limit=10: limit)
    domains = {"category": ("a", "b", "c"), "anonymous": ("anonymous", "named")}
    cases = ([(date(2026, 2, 1), {"category": "a", "anonymous": "named"})] * 7
             + [(date(2026, 2, 1), {"category": "b", "anonymous": "named"})] * 7)
    tally = Tally.from_cases(cases, domains)
    q1 = parse_period("2026-Q1")
    by_kind = primary(tally, q1, ("category",), PROFILE, tally.secret)
    by_name = primary(tally, q1, ("anonymous",), PROFILE, tally.secret)
    assert secure(by_kind, [], tally).refused
    assert not safe_together([by_name, by_kind], [], tally)
    assert not safe_together([by_kind, by_name], [], tally)


def test_together_reads_the_stored_releases_too(monkeypatch):
    tally = organisation(3, size=400)
    stored = [secure(primary(tally, YEAR, ("route",), PROFILE, tally.secret), [], tally)]
    news = [primary(tally, YEAR, dims, PROFILE, tally.secret) for dims in TABLES[1:3]]
    seen = []
    real = audit_module._safe

    def spy(tally, releases, deadline, news=1):
        seen.append((len(releases), news))
        return real(tally, releases, deadline, news)

    monkeypatch.setattr(audit_module, "_safe", spy)
    assert safe_together(news, stored, tally)
    assert seen == [(3, 2)]  # the stored table and the two new ones, audited once


def test_together_leaves_tables_by_a_small_unit_to_one_at_a_time():
    domains = {**DOMAINS, "department": ("a", "b")}
    cases = [(date(2026, 3, 1), {"route": "disclosure", "category": "fraud",
                                 "anonymous": "named", "department": "a"})] * 20
    tally = Tally.from_cases(cases, domains)
    fy = parse_period("FY2026", 4)
    news = [primary(tally, fy, dims, PROFILE, tally.secret)
            for dims in (("department",), ("route",))]
    assert not safe_together(news, [], tally)


def test_an_audit_together_out_of_time_says_no():
    tally = organisation(5, size=400)
    news = [primary(tally, YEAR, dims, PROFILE, tally.secret) for dims in TABLES]
    assert not safe_together(news, [], tally, time_limit=0.0)
