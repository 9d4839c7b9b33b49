"""Every case list the pages and the API offer reads `cases` through an index, on SQLite and on
PostgreSQL: each filter (stage, route, queue, category, reference, dates, overdue, assigned)
in each order (newest, oldest, next due), its first page, a keyset page after a cursor and
its capped count, and the dashboard and triage lists.

The plans are read from the database itself: `EXPLAIN QUERY PLAN` on SQLite (which plans
without statistics, as a deployment does, so a small table plans as a large one) and `EXPLAIN`
on PostgreSQL with sequential scans priced out (`enable_seqscan = off`: a full scan of `cases`
then shows only where no index can serve). A full scan is SQLite's `SCAN cases` without an
index, or PostgreSQL's `Seq Scan on cases`. A filter on a column must also reach its own index
(SQLite: `SEARCH cases`) and give rows in the list's order without sorting them all (no
`USE TEMP B-TREE FOR ORDER BY`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from casework.services import worklists
from casework.services.worklists import SORTS, CaseQuery, find_cases

COLUMN_FILTERS = {"state": {"state": "assessment"}, "route": {"route": "disclosure"},
                  "queue": {"queue": "intake"}, "category": {"category": "health_and_safety"}}
OTHER_FILTERS = {"none": {}, "reference": {"reference": "CW-AAAAAAAA"},
                 "overdue": {"overdue": True}, "assigned to me": {"assigned_to_me": True},
                 "assigned to someone": {"assigned_to": 1},
                 "lodged between": {"lodged_from": "from", "lodged_to": "to"}}
SQLITE_FULL_SCAN = re.compile(r"\bSCAN cases\b(?! USING)")


@contextmanager
def statements(ctx) -> Iterator[list[tuple[str, object]]]:
    """The SELECTs reading `cases` run inside the block, with their driver parameters."""
    found: list[tuple[str, object]] = []
    engine = ctx.session.connection().engine

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and re.search(
                r"\b(FROM|JOIN) cases\b", statement):
            found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def plan(ctx, statement: str, parameters) -> str:
    """The database's plan for one statement, one line per step."""
    conn = ctx.session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        return "\n".join(row[0] for row in rows)
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return "\n".join(str(row[-1]) for row in rows)


def full_scans(ctx, plan_text: str) -> list[str]:
    if ctx.session.connection().dialect.name == "postgresql":
        return [line for line in plan_text.splitlines() if "Seq Scan on cases" in line]
    return [line for line in plan_text.splitlines() if SQLITE_FULL_SCAN.search(line)]


@pytest.fixture
def world(ctx, make, clock):
    """A handler of the intake queue, a few cases at different stages and dates (one assigned,
    one overdue), so that every list has rows and a next page."""
    handler_user = make.user(roles=("intake", "investigator", "decision_maker"),
                             queues=("intake",))
    start = clock.now
    for n in range(6):
        clock.now = start - timedelta(days=20 - n)
        make.case(path=["acknowledge"] if n % 2 else (), category="health_and_safety")
    clock.now = start
    return make.actor(handler_user)


def queries(clock) -> Iterator[tuple[str, str, dict, bool]]:
    today = clock.now.date()
    for sort in SORTS:
        for group, strict in ((COLUMN_FILTERS, True), (OTHER_FILTERS, False)):
            for name, filters in group.items():
                filters = dict(filters)
                if "lodged_from" in filters:
                    filters.update(lodged_from=today - timedelta(days=30), lodged_to=today)
                yield sort, name, filters, strict


def read_plans(ctx, actor, query: CaseQuery) -> list[str]:
    with statements(ctx) as found:
        find_cases(ctx, actor, query)
    assert found
    return [plan(ctx, statement, parameters) for statement, parameters in found]


def test_no_case_list_scans_every_case(ctx, world, clock, monkeypatch):
    monkeypatch.setattr(worklists, "TOTAL_CAP", 2)
    problems = []
    for sort, name, filters, strict in queries(clock):
        first = CaseQuery(sort=sort, per_page=1, **filters)
        listing = find_cases(ctx, world, first)
        pages = [("first page", first)]
        if listing.next:
            pages.append(("after a cursor", CaseQuery(sort=sort, per_page=1,
                                                      after=listing.next, **filters)))
        pages.append(("page 3", CaseQuery(sort=sort, per_page=1, page=3, **filters)))
        for which, query in pages:
            for text in read_plans(ctx, world, query):
                where = f"{name}, {sort}, {which}"
                problems += [f"{where}: {line}" for line in full_scans(ctx, text)]
                sqlite = ctx.session.connection().dialect.name == "sqlite"
                if strict and sqlite and ("SEARCH cases" not in text
                                          or "TEMP B-TREE FOR ORDER BY" in text):
                    problems.append(f"{where}: not from its own index:\n{text}")
                # The unfiltered list (everyone's first page) walks its order's index: the
                # access filter must not lead SQLite to gather every visible case and sort.
                if name == "none" and sqlite and "TEMP B-TREE FOR ORDER BY" in text:
                    problems.append(f"{where}: sorts every visible case:\n{text}")
    assert problems == []


def test_the_cursor_walks_reach_the_second_page(ctx, world, clock):
    """The plans above include keyset pages: every column filter's list has one."""
    for sort, name, filters, strict in queries(clock):
        if strict:
            assert find_cases(ctx, world, CaseQuery(sort=sort, per_page=1, **filters)).next, (
                name, sort)


def test_the_dashboard_and_triage_scan_no_table(ctx, world):
    problems = []
    for label, call in (("dashboard", lambda: worklists.dashboard(ctx, world)),
                        ("triage", lambda: worklists.triage(ctx, world))):
        with statements(ctx) as found:
            call()
        for statement, parameters in found:
            problems += [f"{label}: {line}"
                         for line in full_scans(ctx, plan(ctx, statement, parameters))]
    assert problems == []


def test_the_check_finds_a_full_scan(ctx, world):
    """The check itself: a filter no index serves is caught on either database."""
    conn = ctx.session.connection()
    text = plan(ctx, "SELECT id FROM cases WHERE anonymous = " +
                ("true" if conn.dialect.name == "postgresql" else "1"), {} if
                conn.dialect.name == "postgresql" else ())
    assert full_scans(ctx, text)
