"""Shared fixtures: one migrated database per run (SQLite, or PostgreSQL when
CASEWORK_TEST_DATABASE_URL says so), each test inside a savepoint, and callable factories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from casework.config import Settings
from casework.crypto import configure_password_hashing, configure_receipt_hashing
from casework.db import make_engine
from casework.migrate import upgrade
from casework.models import Base
from casework.runtime import Runtime, build_runtime
from casework.services.context import Context
from casework.workflow.policy import load_pack
from tests.factories import Factories
from tests.scratch_db import scratch_database

configure_receipt_hashing(1, 8)
configure_password_hashing(1, 8)

PG_URL = os.environ.get("CASEWORK_TEST_DATABASE_URL")


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip on the SQLite run (the PostgreSQL run is required in CI)."""
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set CASEWORK_TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def reset_database(engine: Engine) -> None:
    """Drop everything, including Alembic's table, so the run starts from nothing."""
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """This run's own database: a scratch PostgreSQL database if configured (so parallel runs
    never share one), else a fresh SQLite file."""
    with scratch_database(PG_URL, tmp_path_factory.mktemp("db"), "casework_run") as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url) -> Engine:
    """A migrated database (the migrations themselves are under test here)."""
    engine = make_engine(database_url)
    reset_database(engine)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def settings(tmp_path_factory, database_url) -> Settings:
    """Settings for a test instance with its own key file."""
    instance = tmp_path_factory.mktemp("instance")
    return Settings.from_env({}, instance_dir=instance, database_url=database_url,
                             key_file=instance / "casework.key", secret_key="test-secret",
                             testing=True)


class FrozenClock:
    """An injectable clock that tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    """Time, frozen at a Monday morning, movable by tests."""
    return FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def connection(engine):
    """One outer transaction per test, rolled back at the end."""
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture(scope="session")
def base_runtime(settings, engine) -> Runtime:
    """Definitions and keys, loaded once per run."""
    return build_runtime(settings, engine=engine)


@pytest.fixture
def runtime(base_runtime, connection, clock) -> Runtime:
    """A runtime whose sessions join the test's transaction through savepoints."""
    sessions = sessionmaker(bind=connection, expire_on_commit=False,
                            join_transaction_mode="create_savepoint")
    return replace(base_runtime, sessions=sessions, clock=clock)


@pytest.fixture
def use_pack(runtime):
    """Run this test under another shipped policy pack (pages and API read runtime.pack)."""

    def use(name: str) -> None:
        runtime.pack = load_pack(name, runtime.routes)

    return use


@pytest.fixture
def session(runtime) -> Session:
    """A session inside the test's transaction."""
    session = runtime.sessions()
    yield session
    session.close()


@pytest.fixture
def ctx(session, runtime) -> Context:
    """A service context on the test session."""
    return Context(session, runtime)


@pytest.fixture
def make(ctx) -> Factories:
    """Callable factories: make.person(...), make.user(...), make.case(...)."""
    return Factories(ctx)


@pytest.fixture
def no_noise(monkeypatch) -> None:
    """Statistics without the cell key's perturbation: for tests of the suppression and the
    rounding on top of it (the perturbation is tested in tests/stats)."""
    from casework.stats import disclosure
    monkeypatch.setattr(disclosure, "perturbation", lambda key, limit=0: 0)


@pytest.fixture
def repo_root() -> Path:
    """The repository's top folder."""
    return Path(__file__).resolve().parent.parent
