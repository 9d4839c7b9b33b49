"""Reminders of due and overdue clocks: who is told, when, and never twice.

A disclosure lodged on Monday 2 March 2026 has its acknowledgement due on 9 March; with five
days' warning (pinned here, whatever the pack ships) the case is due soon from 4 March and
overdue from 10 March.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select, update

from casework.config import Settings
from casework.db import make_engine
from casework.migrate import upgrade
from casework.models import Assignment, AuditEvent, Case, CaseClock, Notification, User
from casework.runtime import Runtime, build_runtime
from casework.services import reminders
from casework.services.assignments import assign, recuse
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.reminders import send_reminders
from tests.conftest import FrozenClock
from tests.factories import Factories
from tests.scratch_db import scratch_database

DUE_SOON = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
OVERDUE = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def five_days_warning(runtime):
    """The warning period these tests are written for, whatever the pack ships."""
    runtime.pack = replace(runtime.pack, due_soon_days=5)


@dataclass
class Team:
    """A case in the intake queue and everyone who might, or must not, hear of it."""

    case: Case
    member: User  # intake queue
    investigator: User  # another queue, assigned to the case
    implicated: User
    recused: User
    inactive: User
    elsewhere: User  # another queue, not assigned
    analyst: User  # in the queue, but a role that sees no case

    @property
    def told(self) -> set[int]:
        return {self.member.id, self.investigator.id}


@pytest.fixture
def team(ctx, make) -> Team:
    accused = make.person()
    implicated = make.user(queues=("intake",), person_id=accused)
    case = make.case(implicated=[accused])
    assert case.queue == "intake" and acknowledge(case).due_on == date(2026, 3, 9)
    member = make.user(queues=("intake",))
    investigator = make.user(roles=("investigator",), queues=("hr",))
    assign(ctx, make.actor(member), case.reference, investigator.id, "investigator")
    recused = make.user(queues=("intake",))
    recuse(ctx, make.actor(recused), case.reference, "my sister works there")
    inactive = make.user(queues=("intake",))
    inactive.active = False
    team = Team(case, member, investigator, implicated, recused, inactive,
                make.user(queues=("hr",)), make.user(roles=("hr_analyst",), queues=("intake",)))
    ctx.session.flush()
    return team


def acknowledge(case: Case) -> CaseClock:
    return next(c for c in case.clocks if c.name == "acknowledge")


def outbox(ctx) -> list[Notification]:
    ctx.session.expire_all()
    return list(ctx.session.execute(select(Notification).order_by(Notification.id)).scalars())


def recipients(ctx, kind: str) -> set[int]:
    return {n.user_id for n in outbox(ctx) if n.kind == kind}


def test_a_case_left_alone_becomes_due_soon_then_overdue_and_each_is_told_once(
        ctx, team, clock):
    assert send_reminders(ctx).new == 0 and outbox(ctx) == []  # 9 March is a week away
    clock.now = DUE_SOON
    first, again = send_reminders(ctx), send_reminders(ctx)
    assert (first.new, first.existing) == (2, 0)
    assert (again.new, again.existing) == (0, 2)
    assert recipients(ctx, "clock_due_soon") == team.told
    clock.now = OVERDUE
    first, again = send_reminders(ctx), send_reminders(ctx)
    assert (first.new, again.new, again.existing) == (2, 0, 2)
    assert recipients(ctx, "clock_overdue") == team.told
    rows = outbox(ctx)
    assert len(rows) == 4 and all(n.status == "pending" for n in rows)
    assert all(n.params == {"due_on": "2026-03-09"} and n.case_id == team.case.id for n in rows)
    assert len({n.dedupe_key for n in rows}) == 4


def test_the_due_day_itself_is_due_soon_and_the_next_day_overdue(ctx, team, clock):
    clock.now = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)  # still 9 March in London
    send_reminders(ctx)
    assert {n.kind for n in outbox(ctx)} == {"clock_due_soon"}
    clock.now = datetime(2026, 3, 10, 0, 30, tzinfo=UTC)
    assert send_reminders(ctx).new == 2
    assert recipients(ctx, "clock_overdue") == team.told


def test_only_those_who_may_see_the_case_are_told(ctx, team, clock):
    clock.now = DUE_SOON
    send_reminders(ctx)
    told = recipients(ctx, "clock_due_soon")
    assert told == team.told
    for user in (team.implicated, team.recused, team.inactive, team.elsewhere, team.analyst):
        assert user.id not in told


@pytest.mark.parametrize("ids, users", [(1, 1), (2, 3)])
def test_small_statement_limits_give_the_same_recipients(ctx, make, team, clock, monkeypatch,
                                                         ids, users):
    others = [make.case() for _ in range(2)]  # three due cases in the intake queue
    clock.now = DUE_SOON
    monkeypatch.setattr(reminders, "IDS_PER_STATEMENT", ids)
    monkeypatch.setattr(reminders, "USERS_PER_STATEMENT", users)
    assert send_reminders(ctx).new == 2 + 2 * 3  # the others: member, implicated, recused
    by_case = {(n.case_id, n.user_id) for n in outbox(ctx)}
    assert {u for c, u in by_case if c == team.case.id} == team.told
    assert {u for c, u in by_case if c == others[0].id} == {
        team.member.id, team.implicated.id, team.recused.id}


def test_an_ended_assignment_no_longer_counts(ctx, make, team, clock):
    former = make.user(roles=("investigator",), queues=("hr",))
    assign(ctx, make.actor(team.member), team.case.reference, former.id, "investigator")
    ctx.session.execute(update(Assignment).where(Assignment.user_id == former.id)
                        .values(ended_at=clock.now))
    clock.now = DUE_SOON
    send_reminders(ctx)
    assert recipients(ctx, "clock_due_soon") == team.told


def test_the_day_is_the_organisations_not_utcs(ctx, team, clock):
    clock.now = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # horizon 8 March in London: not due
    assert send_reminders(ctx).new == 0
    ctx.runtime = replace(ctx.runtime, pack=replace(ctx.runtime.pack,
                                                    timezone="Pacific/Auckland"))
    assert send_reminders(ctx).new == 2  # already 4 March in Auckland: 9 March is in range


def test_an_extension_reminds_again_for_the_new_date(ctx, team, clock):
    clock.now = OVERDUE
    assert send_reminders(ctx).new == 2
    ack = acknowledge(team.case)
    ack.due_on = date(2026, 3, 13)
    ctx.session.flush()
    run = send_reminders(ctx)
    assert (run.new, run.existing) == (2, 0)
    assert {n.params["due_on"] for n in outbox(ctx)} == {"2026-03-09", "2026-03-13"}
    assert recipients(ctx, "clock_due_soon") == team.told
    assert send_reminders(ctx).new == 0


def test_a_paused_clock_does_not_remind(ctx, team, clock):
    ack = acknowledge(team.case)
    ack.status, ack.paused_on = "paused", date(2026, 3, 3)
    ctx.session.flush()
    clock.now = OVERDUE
    run = send_reminders(ctx)
    assert (run.clocks, run.new) == (0, 0) and outbox(ctx) == []


def test_a_closed_case_does_not_remind_even_with_a_clock_left_running(ctx, team, make, clock):
    withdrawn = make.case(path=["withdraw"])
    assert withdrawn.closed_at is not None
    team.case.closed_at = clock.now  # as if closed with its clock left behind
    ctx.session.flush()
    clock.now = OVERDUE
    assert send_reminders(ctx).clocks == 0 and outbox(ctx) == []


def test_each_run_is_audited_with_counts_only(ctx, team, clock):
    clock.now = DUE_SOON
    send_reminders(ctx)
    send_reminders(ctx)
    events = ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == str(Kind.REMINDERS_SENT)).order_by(AuditEvent.seq)).scalars().all()
    assert [e.details for e in events] == [{"clocks": 1, "new": 2, "existing": 0},
                                           {"clocks": 1, "new": 0, "existing": 2}]
    assert all(e.case_id is None and e.actor == "system" for e in events)


def count_statements(ctx, work) -> int:
    """How many SQL statements work(ctx) sends."""
    seen: list[str] = []
    connection = ctx.session.connection()

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        work(ctx)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(seen)


def test_the_queries_do_not_grow_with_cases_that_are_not_due(ctx, make, team, clock):
    clock.now = DUE_SOON
    before = count_statements(ctx, send_reminders)
    clock.now = DUE_SOON + timedelta(days=1)  # a new day: nothing new to enqueue either way
    baseline = count_statements(ctx, send_reminders)
    later = []
    for _ in range(12):
        case = make.case()
        later.append(case)
        acknowledge(case).due_on = date(2026, 6, 1)
    assign(ctx, make.actor(team.member), later[0].reference, team.investigator.id,
           "investigator")
    ctx.session.flush()
    assert count_statements(ctx, send_reminders) == baseline
    assert before >= baseline  # the first run also inserted


# Two cron jobs at once, on a committed database


@dataclass
class Shared:
    """A committed database with cases due soon, and a clock the test moves."""

    runtime: Runtime
    clock: FrozenClock
    case_ids: list[int]


def build_shared(url: str, tmp_path) -> Shared:
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings.from_env({}, instance_dir=tmp_path, database_url=url,
                                 key_file=tmp_path / "casework.key", secret_key="race",
                                 testing=True)
    clock = FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    runtime = build_runtime(settings, engine=engine, clock=clock)
    runtime.pack = replace(runtime.pack, due_soon_days=5)
    with runtime.transaction() as session:
        make = Factories(Context(session, runtime))
        for _ in range(3):
            make.user(queues=("intake",))
        cases = [make.case() for _ in range(4)]
    return Shared(runtime, clock, [c.id for c in cases])


@pytest.fixture
def sqlite_shared(tmp_path) -> Iterator[Shared]:
    shared = build_shared(f"sqlite:///{tmp_path / 'reminders.db'}", tmp_path)
    yield shared
    shared.runtime.engine.dispose()


@pytest.fixture
def postgres_shared(database_url, tmp_path) -> Iterator[Shared]:
    with scratch_database(database_url, tmp_path, "casework_remind") as url:
        shared = build_shared(url, tmp_path)
        try:
            yield shared
        finally:
            shared.runtime.engine.dispose()


def run_once(runtime: Runtime, barrier: threading.Barrier) -> int:
    barrier.wait(timeout=30)
    with runtime.transaction() as session:
        return send_reminders(Context(session, runtime)).new


def race(shared: Shared) -> None:
    """Two runs at once at each stage, and after an extension: one row per key, no error."""
    barrier, expected = threading.Barrier(2), 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        for moment, extend in ((DUE_SOON, False), (OVERDUE, False), (OVERDUE, True)):
            shared.clock.now = moment
            if extend:
                with shared.runtime.transaction() as session:
                    session.execute(update(CaseClock).where(CaseClock.name == "acknowledge")
                                    .values(due_on=date(2026, 3, 12)))
            futures = [pool.submit(run_once, shared.runtime, barrier) for _ in range(2)]
            new = sorted(f.result(timeout=60) for f in futures)
            assert new == [0, 12], new  # 4 cases x 3 queue members, all by one of the two
            expected += 12
    with shared.runtime.transaction() as session:
        keys = session.execute(select(Notification.dedupe_key, func.count())
                               .group_by(Notification.dedupe_key)).all()
        assert len(keys) == expected and all(n == 1 for _, n in keys)


def test_concurrent_runs_make_one_notification_per_key_on_a_sqlite_file(sqlite_shared):
    race(sqlite_shared)


@pytest.mark.postgres
def test_concurrent_runs_make_one_notification_per_key_on_postgresql(postgres_shared):
    race(postgres_shared)
