"""Fixtures for confidentiality tests that need committed data: a scratch database of their own
(a SQLite file, or a new PostgreSQL database on the PostgreSQL run) with its own key file."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import Engine

from casework.config import Settings
from casework.db import make_engine
from casework.migrate import upgrade
from casework.runtime import Runtime, build_runtime
from casework.services.context import Context
from tests.factories import Factories
from tests.scratch_db import new_database

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Scratch:
    """A migrated database with committed data, a key file and an instance folder."""

    settings: Settings
    engine: Engine
    runtime: Runtime
    clock: object

    @property
    def url(self) -> str:
        """The database URL, with its password, for subprocesses."""
        return self.engine.url.render_as_string(hide_password=False)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """`casework ...` in a fresh process configured only by the environment."""
        env = {**os.environ, "CASEWORK_DATABASE_URL": self.url,
               "CASEWORK_KEY_FILE": str(self.settings.key_file),
               "CASEWORK_INSTANCE_DIR": str(self.settings.instance_dir)}
        env.pop("CASEWORK_KEY", None)
        return subprocess.run([sys.executable, "-m", "casework.cli", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    def new_runtime(self, **overrides) -> Runtime:
        """Another process's runtime on the same database and key source."""
        settings = replace(self.settings, **overrides)
        return build_runtime(settings, engine=self.engine, clock=self.clock)

    @contextmanager
    def ctx(self, runtime: Runtime | None = None, client: str | None = None
            ) -> Iterator[Context]:
        """A service context in one transaction, committed at the end of the block."""
        runtime = runtime or self.runtime
        with runtime.transaction() as session:
            yield Context(session, runtime, client)

    @contextmanager
    def make(self) -> Iterator[Factories]:
        """Factories inside one committed transaction."""
        with self.ctx() as ctx:
            yield Factories(ctx)


def build_scratch(url: str, instance: Path, clock) -> Scratch:
    """Migrate a database at url and start a runtime on it with a new key file."""
    instance.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env({}, instance_dir=instance, database_url=url,
                                 key_file=instance / "casework.key", secret_key="scratch",
                                 testing=True)
    engine = make_engine(url)
    upgrade(engine)
    return Scratch(settings, engine, build_runtime(settings, engine=engine, clock=clock), clock)


@pytest.fixture
def scratch(tmp_path, database_url, clock) -> Iterator[Scratch]:
    """A scratch database of the run's backend (SQLite file or a new PostgreSQL database)."""
    url, drop = new_database(database_url, tmp_path, "cw_conf")
    made = build_scratch(url, tmp_path / "instance", clock)
    yield made
    made.engine.dispose()
    drop()


@pytest.fixture
def sqlite_scratch(tmp_path, clock) -> Iterator[Scratch]:
    """A scratch SQLite file database, on either run (its raw bytes are what is tested)."""
    made = build_scratch(f"sqlite:///{tmp_path / 'file.db'}", tmp_path / "instance", clock)
    yield made
    made.engine.dispose()


def marker() -> str:
    """A unique random word that cannot occur by chance."""
    return f"qzx{secrets.token_hex(12)}"


def encodings(word: str) -> list[bytes]:
    """The forms a plaintext word could take on disk or in a dump: UTF-8, UTF-16, hex, base64."""
    raw = word.encode("utf-8")
    forms = [raw, word.encode("utf-16-le"), word.encode("utf-16-be"),
             raw.hex().encode(), raw.hex().upper().encode()]
    for shift in range(3):  # base64 of the word at any alignment, without the edge quads
        forms.append(base64.b64encode(b"\0" * shift + raw)[4:-4])
    return forms


def leaks(haystack: bytes, words: list[str]) -> list[str]:
    """The words found in any encoded form in haystack."""
    return [w for w in words if any(form in haystack for form in encodings(w))]


@pytest.fixture
def markers():
    """A maker of unique markers, and the leak finder."""
    return marker


@pytest.fixture
def find_leaks():
    """leaks(haystack, words) -> the words found in any encoding."""
    return leaks
