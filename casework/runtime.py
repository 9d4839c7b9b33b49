"""The runtime: settings, database, loaded definitions and keys, built once per process."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from casework.config import Settings
from casework.crypto.keys import EnvKeySource, FileKeySource, Keyring, KeySource, KeyUnavailable
from casework.db import make_engine, make_sessionmaker
from casework.models import CaseKey, utcnow
from casework.workflow.definitions import Route, load_routes
from casework.workflow.policy import PolicyPack, load_pack


@dataclass
class Runtime:
    """What every request and command shares; nothing here is per-user state."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    routes: Mapping[str, Route]
    pack: PolicyPack
    key_source: KeySource
    keyring: Keyring
    clock: Callable[[], datetime] = utcnow

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit if the block succeeds, roll back if it raises."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def reload_keys(self) -> None:
        """Read the key source again (after a rotation by another process)."""
        self.keyring = self.key_source.load()


def key_source_for(settings: Settings, create: bool) -> KeySource:
    """The environment variable wins over the key file when set."""
    if settings.key_env:
        return EnvKeySource(environ={"CASEWORK_KEY": settings.key_env})
    return FileKeySource(settings.key_file, create=create)


def _has_sealed_data(engine: Engine) -> bool:
    if not inspect(engine).has_table(CaseKey.__tablename__):
        return False
    with engine.connect() as conn:
        return conn.execute(select(CaseKey.case_id).limit(1)).first() is not None


def load_keyring(settings: Settings, engine: Engine) -> tuple[KeySource, Keyring]:
    """Load the outer key; create it only if no encrypted data exists yet, never fall back."""
    sealed = _has_sealed_data(engine)
    source = key_source_for(settings, create=not sealed)
    try:
        return source, source.load()
    except KeyUnavailable as exc:
        if sealed:
            raise KeyUnavailable(
                f"{exc}. The database holds encrypted case data that needs this key; "
                "Casework will not start without it.") from exc
        raise


def build_runtime(settings: Settings, *, engine: Engine | None = None,
                  clock: Callable[[], datetime] = utcnow) -> Runtime:
    """Validate definitions, connect, and load keys: any failure stops start-up with a message."""
    routes = load_routes()
    pack = load_pack(settings.policy, routes)
    engine = engine or make_engine(settings.database_url)
    source, keyring = load_keyring(settings, engine)
    return Runtime(settings, engine, make_sessionmaker(engine), routes, pack, source, keyring,
                   clock)
