"""Word search's two plans (gather from the rarest word's rows, or walk the list and probe):
whichever the page takes, and however the count is read, the cases, their order and the count
are the same, and a case the person may not see never shows or counts."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from casework.models import Case
from casework.services import search, worklists
from casework.services.assignments import assign, recuse
from casework.services.search import WordSearch, query_tokens, word_search
from casework.services.worklists import CaseQuery, find_cases

#: Each case's words, and who may see it (the handler of intake, implicated in "named").
CASES = [("alpha beta", "seen"), ("alpha", "seen"), ("beta gamma", "seen"),
         ("alpha beta gamma", "seen"), ("alpha beta", "hr"), ("alpha gamma", "named"),
         ("gamma", "seen"), ("alpha beta", "recused"), ("beta", "assigned"),
         ("alpha", "seen"), ("alpha beta gamma", "hr"), ("delta alpha", "seen")]
QUERIES = ["alpha", "beta", "gamma", "alpha beta", "beta alpha gamma", "alpha delta", "delta",
           "omega", "alpha omega"]


@pytest.fixture
def world(ctx, make, clock):
    """The cases of CASES lodged a minute apart, a handler of intake and what each may see."""
    person = make.person()
    handler = make.staff(roles=("intake", "investigator"), queues=("intake",),
                         person_id=person)
    boss = make.staff(roles=("intake", "investigator", "decision_maker"),
                      queues=("intake", "hr"))
    made = []
    for words, how in CASES:
        route = "harassment" if how in ("hr", "assigned") else "disclosure"
        case = make.case(route, details=f"Report about {words}",
                         implicated=[person] if how == "named" else ())
        if how == "assigned":  # an hr case the handler reaches by an assignment
            assign(ctx, boss, case.reference, handler.user_id, "investigator")
        made.append((case.reference, set(words.split()), how))
        clock.now += timedelta(minutes=1)
    recused = next(ref for ref, _, how in made if how == "recused")
    recuse(ctx, handler, recused, "A conflict")
    return handler, made


def expected(made, words: str, sort: str) -> list[str]:
    """What the list must give: the cases the handler sees holding every word."""
    asked = set(search.normalise(words))
    found = [ref for ref, held, how in made if how in ("seen", "assigned") and asked <= held]
    return found if sort == "oldest" else found[::-1]


def listing(ctx, actor, gather: bool | None, monkeypatch, **query):
    if gather is not None:
        monkeypatch.setattr(WordSearch, "gathers", lambda self, need: gather)
    else:
        monkeypatch.undo()
    return find_cases(ctx, actor, CaseQuery(**query))


@pytest.mark.parametrize("words", QUERIES)
def test_both_plans_give_the_same_pages_and_counts(ctx, world, monkeypatch, words):
    handler, made = world
    for sort, per_page in itertools.product(("newest", "oldest"), (2, 25)):
        want = expected(made, words, sort)
        for page in range(1, len(want) // per_page + 2):
            shown = {}
            for gather in (True, False, None):
                got = listing(ctx, handler, gather, monkeypatch, words=words, sort=sort,
                              page=page, per_page=per_page)
                shown[gather] = ([row["reference"] for row in got.items], got.total, got.more)
            at = (page - 1) * per_page
            assert shown[True] == shown[False] == shown[None] == (
                want[at:at + per_page], len(want), False), (words, sort, page, per_page)


def test_both_plans_keep_the_other_filters_and_a_capped_count(ctx, world, monkeypatch):
    handler, made = world
    monkeypatch.setattr(worklists, "TOTAL_CAP", 2)
    for gather in (True, False):
        got = listing(ctx, handler, gather, monkeypatch, words="alpha", per_page=1)
        assert (got.total, got.more) == (2, True)
        queued = listing(ctx, handler, gather, monkeypatch, words="beta", queue="hr")
        assert [row["reference"] for row in queued.items] == [
            ref for ref, _, how in made if how == "assigned"]


def test_the_plan_follows_each_words_share_of_the_cases():
    rare = WordSearch(("t",), (0.0001,), 1_000_000)  # 100 cases: gather them
    middling = WordSearch(("t",), (0.01,), 1_000_000)  # 1 in 100: walk 2,500 for a page
    two = WordSearch(("t", "u"), (0.01, 0.01), 1_000_000)  # 1 in 10,000 together: gather
    common = WordSearch(("t", "u"), (0.2, 0.3), 1_000_000)  # 1 in 17 together: walk
    absent = WordSearch(("t", "u"), (0.0, 0.3), 1_000_000)
    assert rare.gathers(25) and two.gathers(25) and absent.gathers(25)
    assert not middling.gathers(25) and not common.gathers(25)
    assert middling.gathers(100_000)  # a deep page: gathering 10,000 beats walking 10 million


def test_the_rarest_word_leads_from_its_sampled_share(ctx, make, monkeypatch):
    for n in range(6):
        make.case(details="common" + (" rare" if n == 0 else "") + (" mid" if n < 3 else ""))
    plan = word_search(ctx, query_tokens(ctx, "common mid rare"))
    assert plan.tokens == tuple(query_tokens(ctx, "rare mid common"))
    assert plan.shares[0] < plan.shares[1] < plan.shares[2]
    assert word_search(ctx, []) is None


def test_gathering_reads_the_rarest_words_rows_first_on_sqlite():
    """SQLite would otherwise walk an index on cases (say the queue's) and probe the word:
    CROSS JOIN fixes the order; PostgreSQL plans a plain join from its statistics."""
    query = WordSearch(("t", "u"), (0.1, 0.2), 10).gather(select(Case.id), [
        Case.queue == "intake"])
    lite = str(query.compile(dialect=sqlite.dialect()))
    pg = str(query.compile(dialect=postgresql.dialect()))
    assert "FROM case_words CROSS JOIN cases ON" in lite
    assert "FROM case_words JOIN cases ON" in pg and "CROSS" not in pg
