"""The runtime: settings, database, loaded definitions and keys, built once per process."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from casework.config import Settings
from casework.crypto import hierarchy
from casework.crypto.envelope import DamagedRecord, unwrap_key
from casework.crypto.keys import EnvKeySource, FileKeySource, Keyring, KeySource, KeyUnavailable
from casework.db import make_engine, make_sessionmaker
from casework.models import CaseKey, KeyEncryptionKey, User, utcnow
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
    #: Key-encryption keys this process has opened, by id (they never change under an id).
    keks: dict[str, bytes] = field(default_factory=dict, repr=False)

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

    def kek(self, session: Session, kek_id: str) -> bytes:
        """The key-encryption key with this id, opened with the outer key (and kept: a KEK
        never changes under its id; an outer-key rotation only rewraps it)."""
        if kek_id not in self.keks:
            row = session.execute(select(KeyEncryptionKey.outer_key_id, KeyEncryptionKey.wrapped)
                                  .where(KeyEncryptionKey.id == kek_id)).first()
            if row is None:
                raise KeyUnavailable(f"key-encryption key {kek_id!r} is not in the database")
            try:
                kek = hierarchy.unwrap_kek(self.keyring, row.outer_key_id, kek_id, row.wrapped)
            except KeyUnavailable:  # another process rotated the outer key
                self.reload_keys()
                kek = hierarchy.unwrap_kek(self.keyring, row.outer_key_id, kek_id, row.wrapped)
            self.keks[kek_id] = kek
        return self.keks[kek_id]

    def active_kek(self, session: Session) -> tuple[str, bytes]:
        """The KEK new case keys are wrapped under, read from the database each time (a re-key
        by another process changes it). The row is share-locked on PostgreSQL, so a re-key
        waits for this transaction before it retires the KEK. The first one is made here."""
        query = select(KeyEncryptionKey.id).where(KeyEncryptionKey.active.is_(True))
        kek_id = session.execute(query.with_for_update(read=True)).scalar()
        if kek_id is None:
            kek_id, kek = hierarchy.new_kek()
            outer_id, wrapped = hierarchy.wrap_kek(self.keyring, kek_id, kek)
            try:
                with session.begin_nested():
                    session.add(KeyEncryptionKey(id=kek_id, outer_key_id=outer_id,
                                                 wrapped=wrapped, active=True,
                                                 created_at=self.clock()))
                self.keks[kek_id] = kek
            except IntegrityError:  # another process made the first one at the same moment
                kek_id = session.execute(query).scalar_one()
        return kek_id, self.kek(session, kek_id)


def key_source_for(settings: Settings, create: bool) -> KeySource:
    """The environment variable wins over the key file when set."""
    if settings.key_env:
        return EnvKeySource(environ={"CASEWORK_KEY": settings.key_env})
    return FileKeySource(settings.key_file, create=create)


def _sealed_sample(engine: Engine):
    """One key-encryption key (or, before migration 0017, one wrapped case key), to prove the
    outer key is the right one; None if there is none."""
    tables = inspect(engine)
    with engine.connect() as conn:
        if tables.has_table(KeyEncryptionKey.__tablename__):
            return conn.execute(select(KeyEncryptionKey.id, KeyEncryptionKey.outer_key_id,
                                       KeyEncryptionKey.wrapped).limit(1)).first()
        if not tables.has_table(CaseKey.__tablename__):
            return None
        return conn.execute(select(CaseKey.case_id, CaseKey.purpose, CaseKey.key_id,
                                   CaseKey.wrapped).where(CaseKey.wrapped.is_not(None))
                            .limit(1)).first()


def _account_sample(engine: Engine):
    """One staff TOTP secret (sealed with a key derived from the keyring); None if none."""
    if not inspect(engine).has_table(User.__tablename__):
        return None
    with engine.connect() as conn:
        return conn.execute(select(User.id, User.totp_secret_ct).where(
            User.totp_secret_ct.is_not(None)).limit(1)).first()


def _prove(keyring: Keyring, sample, account) -> None:
    """Open one sealed thing with the keyring; raise DamagedRecord if it is the wrong key."""
    if sample is not None and "outer_key_id" in sample._fields:
        hierarchy.unwrap_kek(keyring, sample.outer_key_id, sample.id, sample.wrapped)
    elif sample is not None:
        unwrap_key(keyring, sample.key_id, sample.wrapped, case_id=sample.case_id,
                   purpose=sample.purpose)
    elif account is not None:
        from casework.services.totp import open_account_secret

        open_account_secret(keyring, account.id, account.totp_secret_ct)


def load_keyring(settings: Settings, engine: Engine) -> tuple[KeySource, Keyring]:
    """Load the outer key; create it only if no encrypted data exists yet, never fall back.

    Encrypted data means wrapped case keys or, before any case, staff TOTP secrets: a fresh
    key would make either unreadable for good.
    """
    sample = _sealed_sample(engine)
    account = _account_sample(engine) if sample is None else None
    source = key_source_for(settings, create=sample is None and account is None)
    try:
        keyring = source.load()
        _prove(keyring, sample, account)
    except (KeyUnavailable, DamagedRecord) as exc:
        if sample is None and account is None:
            raise
        problem = str(exc) if isinstance(exc, KeyUnavailable) else (
            f"the key from {source.describe()} does not open the encrypted data")
        raise KeyUnavailable(
            f"{problem}. The database holds encrypted case data that needs the right key "
            f"(looked for it in {source.describe()}); Casework will not start without it."
        ) from exc
    return source, keyring


class NoDatabase(Exception):
    """The database URL leads to no Casework schema: an operator mistake (a command run from
    another folder, a wrong URL), answered with what was looked at, and nothing created."""

    def __init__(self, settings: Settings) -> None:
        key = "CASEWORK_KEY" if settings.key_env else str(settings.key_file)
        super().__init__(
            f"no database here: run `casework db upgrade` (looked at the database "
            f"{make_url(settings.database_url).render_as_string(hide_password=True)}, "
            f"instance folder {settings.instance_dir}, key {key}; set CASEWORK_INSTANCE_DIR "
            f"or CASEWORK_DATABASE_URL, or run from the folder that holds instance/). "
            f"Nothing was created.")


def _sqlite_file_missing(url: str) -> bool:
    parsed = make_url(url)
    return (parsed.get_backend_name() == "sqlite" and bool(parsed.database)
            and parsed.database != ":memory:" and not Path(parsed.database).exists())


def require_schema(settings: Settings, engine: Engine) -> None:
    """Raise NoDatabase unless the database has been created by `casework db upgrade`."""
    if not inspect(engine).has_table("alembic_version"):
        raise NoDatabase(settings)


def build_runtime(settings: Settings, *, engine: Engine | None = None,
                  clock: Callable[[], datetime] = utcnow) -> Runtime:
    """Validate definitions, connect, and load keys: any failure stops start-up with a message.
    A database without Casework's schema is refused before a key is made (NoDatabase)."""
    routes = load_routes()
    pack = load_pack(settings.policy, routes)
    if engine is None:
        if _sqlite_file_missing(settings.database_url):  # connecting would create the file
            raise NoDatabase(settings)
        engine = make_engine(settings.database_url)
    require_schema(settings, engine)
    source, keyring = load_keyring(settings, engine)
    return Runtime(settings, engine, make_sessionmaker(engine), routes, pack, source, keyring,
                   clock)
