"""Two writers racing on one case in a real, committed database: one wins, nothing is lost.

Each thread has its own runtime.transaction(), as two app processes behind a load balancer
would. A threading.Barrier lines them up so both read the same version before either writes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import pytest
from sqlalchemy import func, select

from casework.config import Settings
from casework.db import make_engine
from casework.migrate import upgrade
from casework.models import AuditEvent, Case, CaseEvent, CaseParty
from casework.runtime import Runtime, build_runtime
from casework.services.access import Reporter, Staff
from casework.services.assignments import add_implicated
from casework.services.audit import chain_key, verify
from casework.services.content import post_message
from casework.services.context import Context
from casework.services.errors import Conflict, StaleVersion
from casework.services.reports import ImplicatedInput
from casework.services.transitions import fire_transition
from casework.workflow.engine import replay
from tests.factories import Factories
from tests.scratch_db import scratch_database

ROUNDS = 25
#: From each state of the harassment loop, the step both racers try (options alternates).
NEXT = {"self_help": "not_resolved", "informal": "not_resolved"}


@dataclass
class Arena:
    """A committed database with one harassment case in `options` and two of its handlers."""

    runtime: Runtime
    reference: str
    case_id: int
    handlers: tuple[Staff, Staff]
    bystanders: tuple[int, ...]  # directory people with no routing role, to implicate


def build_arena(url: str, tmp_path) -> Arena:
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings.from_env({}, instance_dir=tmp_path, database_url=url,
                                 key_file=tmp_path / "casework.key", secret_key="race",
                                 testing=True)
    runtime = build_runtime(settings, engine=engine)
    with runtime.transaction() as session:
        make = Factories(Context(session, runtime))
        handlers = (make.staff(roles=("intake",), queues=("hr",)),
                    make.staff(roles=("intake",), queues=("hr",)))
        case = make.case("harassment", path=["acknowledge"], category="sexual_harassment")
        assert (case.queue, case.state) == ("hr", "options")
        bystanders = tuple(make.person() for _ in range(ROUNDS))
    return Arena(runtime, case.reference, case.id, handlers, bystanders)


@pytest.fixture
def sqlite_arena(tmp_path) -> Iterator[Arena]:
    arena = build_arena(f"sqlite:///{tmp_path / 'race.db'}", tmp_path)
    yield arena
    arena.runtime.engine.dispose()


@pytest.fixture
def postgres_arena(database_url, tmp_path) -> Iterator[Arena]:
    with scratch_database(database_url, tmp_path, "casework_race") as url:
        arena = build_arena(url, tmp_path)
        try:
            yield arena
        finally:
            arena.runtime.engine.dispose()


def read_case(runtime: Runtime, case_id: int) -> tuple[str, int]:
    with runtime.transaction() as session:
        case = session.get(Case, case_id)
        return case.state, case.version


def attempt(runtime: Runtime, barrier: threading.Barrier, work) -> str:
    """Wait for the other racer, then do the work in a transaction of our own."""
    barrier.wait(timeout=30)
    try:
        with runtime.transaction() as session:
            work(Context(session, runtime))
        return "won"
    except StaleVersion:
        return "stale"
    except Conflict:
        return "conflict"


def fire(ctx: Context, *, actor: Staff, reference: str, key: str, version: int) -> None:
    fire_transition(ctx, actor, reference, key, version)


def race_transitions(arena: Arena) -> int:
    """ROUNDS races of the same transition at the same version; returns the number of wins."""
    barrier, wins = threading.Barrier(2), 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        for n in range(ROUNDS):
            state, version = read_case(arena.runtime, arena.case_id)
            key = NEXT.get(state) or ("choose_self_help", "choose_informal")[n % 2]
            futures = [pool.submit(attempt, arena.runtime, barrier, partial(
                fire, actor=h, reference=arena.reference, key=key, version=version))
                for h in arena.handlers]
            results = sorted(f.result(timeout=60) for f in futures)
            assert results[1] == "won" and results[0] in {"stale", "conflict"}, results
            wins += results.count("won")
            after = read_case(arena.runtime, arena.case_id)
            assert after[0] != state and after[1] > version
    return wins


def check_history(arena: Arena, transitions_expected: int) -> None:
    """Event seqs contiguous, one event per win, replay equals the cache, audit chain intact."""
    runtime = arena.runtime
    with runtime.transaction() as session:
        case = session.get(Case, arena.case_id)
        events = session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                 .order_by(CaseEvent.seq)).scalars().all()
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        steps = [(e.transition, e.from_state, e.facts) for e in events if e.kind == "transition"]
        assert len(steps) == transitions_expected
        replayed = replay(runtime.routes[case.route], steps)
        assert (replayed.state, replayed.outcome) == (case.state, case.outcome)
        audited = session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.kind == "case:transition:fire")).scalar()
        assert audited == transitions_expected
    with runtime.transaction() as session:
        result = verify(session, chain_key(runtime.keyring))
        assert result.ok, result


def run_transition_races(arena: Arena) -> None:
    wins = race_transitions(arena)
    assert wins == ROUNDS
    check_history(arena, transitions_expected=1 + wins)  # + the acknowledge at seeding


def run_message_races(arena: Arena) -> None:
    """A reporter's message and a handler's transition at once: both land, seqs stay unique."""
    barrier = threading.Barrier(2)
    reporter, handler = Reporter(arena.case_id), arena.handlers[0]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for n in range(ROUNDS):
            state, version = read_case(arena.runtime, arena.case_id)
            key = NEXT.get(state) or ("choose_self_help", "choose_informal")[n % 2]
            move = pool.submit(attempt, arena.runtime, barrier, partial(
                fire, actor=handler, reference=arena.reference, key=key, version=version))
            talk = pool.submit(attempt, arena.runtime, barrier, partial(
                post_message, actor=reporter, reference=None, body=f"message {n}"))
            assert (move.result(timeout=60), talk.result(timeout=60)) == ("won", "won")
    check_history(arena, transitions_expected=1 + ROUNDS)


def run_rerouting_races(arena: Arena) -> None:
    """Naming someone (which re-routes, writing the case) while a transition fires.

    Naming always lands; the transition lands too unless the naming committed first, in which
    case the handler acted on a version that no longer holds (they may be conflicted now) and
    is told to reload: a 409, never a 500, and no event lost either way.
    """
    barrier, moved = threading.Barrier(2), 0
    mover, namer = arena.handlers
    with ThreadPoolExecutor(max_workers=2) as pool:
        for n, person in enumerate(arena.bystanders):
            state, version = read_case(arena.runtime, arena.case_id)
            key = NEXT.get(state) or ("choose_self_help", "choose_informal")[n % 2]
            move = pool.submit(attempt, arena.runtime, barrier, partial(
                fire, actor=mover, reference=arena.reference, key=key, version=version))
            name = pool.submit(attempt, arena.runtime, barrier, partial(
                add_implicated, actor=namer, reference=arena.reference,
                people=[ImplicatedInput(person_id=person)]))
            assert name.result(timeout=60) == "won"
            outcome = move.result(timeout=60)
            assert outcome in {"won", "stale"}
            moved += outcome == "won"
    check_history(arena, transitions_expected=1 + moved)
    with arena.runtime.transaction() as session:
        parties = session.execute(select(func.count()).select_from(CaseParty).where(
            CaseParty.case_id == arena.case_id, CaseParty.kind == "implicated")).scalar()
        assert parties == ROUNDS


def test_transition_races_on_a_sqlite_file(sqlite_arena):
    run_transition_races(sqlite_arena)


def test_message_and_transition_races_on_a_sqlite_file(sqlite_arena):
    run_message_races(sqlite_arena)


@pytest.mark.postgres
def test_transition_races_on_postgresql(postgres_arena):
    run_transition_races(postgres_arena)


def test_rerouting_and_transition_races_on_a_sqlite_file(sqlite_arena):
    run_rerouting_races(sqlite_arena)


@pytest.mark.postgres
def test_message_and_transition_races_on_postgresql(postgres_arena):
    run_message_races(postgres_arena)


@pytest.mark.postgres
def test_rerouting_and_transition_races_on_postgresql(postgres_arena):
    run_rerouting_races(postgres_arena)
