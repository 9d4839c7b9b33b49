"""The runtime: settings, database, loaded definitions and keys, built once per process."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from casework.config import Settings
from casework.crypto.envelope import DamagedRecord, unwrap_key
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


def _sealed_sample(engine: Engine):
    """One wrapped case key, to prove the outer key is the right one; None if there is none."""
    if not inspect(engine).has_table(CaseKey.__tablename__):
        return None
    with engine.connect() as conn:
        return conn.execute(select(CaseKey.case_id, CaseKey.purpose, CaseKey.key_id,
                                   CaseKey.wrapped).where(CaseKey.wrapped.is_not(None))
                            .limit(1)).first()


def load_keyring(settings: Settings, engine: Engine) -> tuple[KeySource, Keyring]:
    """Load the outer key; create it only if no encrypted data exists yet, never fall back."""
    sample = _sealed_sample(engine)
    source = key_source_for(settings, create=sample is None)
    try:
        keyring = source.load()
        if sample is not None:
            unwrap_key(keyring, sample.key_id, sample.wrapped, case_id=sample.case_id,
                       purpose=sample.purpose)
    except (KeyUnavailable, DamagedRecord) as exc:
        if sample is None:
            raise
        problem = str(exc) if isinstance(exc, KeyUnavailable) else (
            f"the key from {source.describe()} does not open the encrypted data")
        raise KeyUnavailable(
            f"{problem}. The database holds encrypted case data that needs the right key "
            f"(looked for it in {source.describe()}); Casework will not start without it."
        ) from exc
    return source, keyring


def build_runtime(settings: Settings, *, engine: Engine | None = None,
                  clock: Callable[[], datetime] = utcnow) -> Runtime:
    """Validate definitions, connect, and load keys: any failure stops start-up with a message."""
    routes = load_routes()
    pack = load_pack(settings.policy, routes)
    engine = engine or make_engine(settings.database_url)
    source, keyring = load_keyring(settings, engine)
    return Runtime(settings, engine, make_sessionmaker(engine), routes, pack, source, keyring,
                   clock)
