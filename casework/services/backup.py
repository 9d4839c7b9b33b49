"""Backups that are known to restore (docs/OPERATIONS.md, "Backups").

`make_backup` copies the database into a folder: SQLite through its online backup API (a
consistent copy while the app runs), PostgreSQL through `pg_dump --format=custom` on a snapshot
the manifest's counts are read from too. Beside the copy, `manifest.json` says what it holds:
the database kind, the file and its SHA-256, the schema revision, the audit trail's length and
the ids (never the values) of the outer keys its case keys are wrapped under. The outer key is
never written into a backup: it is backed up separately, as README.md says.

`verify_backup` restores the copy into a scratch database (a temporary SQLite file, or a new
PostgreSQL database on a server the operator names, dropped afterwards) and checks the schema
revision, the audit chain, and that a sample of cases' content opens with the key it is given.
Decrypted content is only checked, never kept or shown, and the scratch copy is removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from casework.crypto.envelope import DamagedRecord
from casework.crypto.hierarchy import unwrap_kek
from casework.crypto.keys import Keyring, KeyUnavailable
from casework.db import make_engine, make_sessionmaker
from casework.models import AuditEvent, Case, CaseKey, KeyEncryptionKey
from casework.services import audit as trail
from casework.services.vault import KeyDestroyed, Vault

FORMAT = "casework-backup-1"
MANIFEST = "manifest.json"
SQLITE_FILE, PG_FILE = "casework.db", "casework.pgdump"
#: How many cases' content `verify_backup` opens (chosen at random among those not purged).
SAMPLE = 25


class BackupError(Exception):
    """A backup cannot be made or does not verify; the message says why and what to do."""


@dataclass(frozen=True)
class Made:
    """What `make_backup` wrote."""

    folder: Path
    manifest: dict


@dataclass
class Verified:
    """What `verify_backup` found: ok only if every check passed."""

    revision: str
    newest: bool
    events: int
    sampled: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# ---- tools -------------------------------------------------------------------------------

def pg_tool(name: str) -> str:
    """The path of pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if candidates:
        return str(candidates[-1])
    raise BackupError(f"{name} not found: a PostgreSQL backup needs the PostgreSQL client "
                      f"tools (Debian: apt-get install postgresql-client), of the server's "
                      f"major version or newer")


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (which goes in PGPASSWORD, never on a command line)."""
    plain = url.set(drivername="postgresql", password=None)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): "
                          f"{done.stderr.strip()[-800:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _private_folder(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} exists and is not an empty folder: give a new folder for "
                          f"each backup")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    out.chmod(0o700)


# ---- the contents of a database ------------------------------------------------------------

def _facts(conn) -> dict:
    """Schema revision, audit length and the outer key ids in use, from one connection."""
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    events = conn.execute(select(func.count()).select_from(AuditEvent.__table__)).scalar()
    if inspect(conn).has_table(KeyEncryptionKey.__tablename__):  # migration 0017 and after
        key_ids = conn.execute(select(KeyEncryptionKey.outer_key_id).distinct()).scalars().all()
    else:
        key_ids = conn.execute(select(CaseKey.key_id).where(CaseKey.key_id.is_not(None))
                               .distinct()).scalars().all()
    return {"schema_revision": revision, "audit_events": int(events or 0),
            "outer_key_ids": sorted(key_ids)}


def make_backup(database_url: str, out: Path, *, key_file: Path | None = None) -> Made:
    """Copy the database into the new folder `out` with its manifest (see the module)."""
    out = out.resolve()
    if key_file is not None and key_file.resolve().is_relative_to(out):
        raise BackupError(f"the key file {key_file} is inside {out}: a backup must never hold "
                          f"the key; choose another folder")
    url = make_url(database_url)
    _private_folder(out)
    if url.get_backend_name() == "sqlite":
        facts = _sqlite_copy(url, out / SQLITE_FILE)
        name, kind = SQLITE_FILE, "sqlite"
    elif url.get_backend_name() == "postgresql":
        facts = _pg_dump(url, out / PG_FILE)
        name, kind = PG_FILE, "postgresql"
    else:
        raise BackupError(f"no backup for a {url.get_backend_name()} database")
    path = out / name
    path.chmod(0o600)
    manifest = {"format": FORMAT, "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": kind, "file": name, "bytes": path.stat().st_size,
                "sha256": _sha256(path), **facts}
    fd = os.open(out / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
    return Made(out, manifest)


def _sqlite_copy(url: URL, target: Path) -> dict:
    source_path = url.database
    if not source_path or source_path == ":memory:" or not Path(source_path).is_file():
        raise BackupError(f"no SQLite database at {source_path}")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # the online backup API: a consistent copy while others write
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no WAL beside it
    finally:
        copy.close()
        source.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return _facts(conn)
    finally:
        engine.dispose()


def _pg_dump(url: URL, target: Path) -> dict:
    """pg_dump on a snapshot exported by a repeatable-read transaction whose counts go in the
    manifest: the dump and its manifest describe the same moment."""
    tool = pg_tool("pg_dump")
    address, env = _libpq(url)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
                facts = _facts(conn)
                _run([tool, "--format=custom", "--no-owner", "--no-privileges",
                      f"--snapshot={snapshot}", f"--file={target}", f"--dbname={address}"],
                     env, "pg_dump")
    finally:
        engine.dispose()
    return facts


# ---- verification ------------------------------------------------------------------------

def read_manifest(folder: Path) -> dict:
    """The backup's manifest, checked for its format and the copy's size and digest."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"no readable {MANIFEST} in {folder}: not a Casework backup "
                          f"({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a {FORMAT} manifest")
    copy = folder / str(manifest.get("file"))
    if not copy.is_file():
        raise BackupError(f"the database copy {copy} is missing")
    if _sha256(copy) != manifest.get("sha256"):
        raise BackupError(f"{copy} does not match the SHA-256 in its manifest: it was changed "
                          f"or damaged after the backup was made")
    return manifest


@contextmanager
def restored(folder: Path, manifest: dict, scratch_server: str | None) -> Iterator[Engine]:
    """The backup restored into a scratch database, removed afterwards."""
    if manifest["database"] == "sqlite":
        with tempfile.TemporaryDirectory(prefix="casework-verify-") as tmp:
            copy = Path(tmp) / SQLITE_FILE
            shutil.copyfile(folder / manifest["file"], copy)
            engine = make_engine(f"sqlite:///{copy}")
            try:
                yield engine
            finally:
                engine.dispose()
        return
    if not scratch_server or make_url(scratch_server).get_backend_name() != "postgresql":
        raise BackupError("a PostgreSQL backup is restored into a new scratch database on a "
                          "PostgreSQL server: give --scratch-server URL (a role that may "
                          "CREATE DATABASE), or set CASEWORK_DATABASE_URL to one")
    tool = pg_tool("pg_restore")
    server = make_url(scratch_server)
    name = f"casework_verify_{secrets.token_hex(6)}"
    admin = make_engine(server.render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            address, env = _libpq(server.set(database=name))
            _run([tool, "--no-owner", "--no-privileges", "--exit-on-error",
                  f"--dbname={address}", str(folder / manifest["file"])], env, "pg_restore")
            engine = make_engine(server.set(database=name).render_as_string(
                hide_password=False))
            try:
                yield engine
            finally:
                engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


class _Holder:
    """The key given to the verification, as a vault's key holder (it never re-reads): it
    opens the backup's key-encryption keys, or, in a backup made before migration 0017, hands
    over the outer key itself (case keys were wrapped under it, in the same way)."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def kek(self, session, kek_id: str) -> bytes:
        if not inspect(session.connection()).has_table(KeyEncryptionKey.__tablename__):
            return self.keyring.get(kek_id)
        row = session.get(KeyEncryptionKey, kek_id)
        if row is None:
            raise KeyUnavailable(f"key-encryption key {kek_id!r} is not in the backup")
        return unwrap_kek(self.keyring, row.outer_key_id, kek_id, row.wrapped)

    def active_kek(self, session) -> tuple[str, bytes]:
        raise NotImplementedError("a backup is verified, never written")


def verify_backup(folder: Path, keyring: Keyring, *, known_revisions: set[str],
                  newest_revision: str, scratch_server: str | None = None) -> Verified:
    """Restore and check the backup in `folder` (see the module); raise BackupError if it
    cannot be restored at all."""
    manifest = read_manifest(folder)
    with restored(folder, manifest, scratch_server) as engine:
        session = make_sessionmaker(engine)()
        try:
            return _check(session, manifest, keyring, known_revisions, newest_revision)
        finally:
            session.close()


def _check(session, manifest: dict, keyring: Keyring, known: set[str],
           newest: str) -> Verified:
    facts = _facts(session.connection())
    revision = facts["schema_revision"]
    problems = []
    if revision != manifest.get("schema_revision"):
        problems.append(f"schema revision {revision} where the manifest says "
                        f"{manifest.get('schema_revision')}")
    if revision not in known:
        problems.append(f"schema revision {revision} is unknown to this version of Casework "
                        f"(a newer one made it): verify with that version")
    result = trail.verify(session, trail.chain_key(keyring))
    if not result.ok:
        problems.append(f"audit trail BROKEN at event {result.first_bad}: {result.problem} "
                        f"(or the key given is not the one the trail was written with)")
    elif result.events != manifest.get("audit_events"):
        problems.append(f"audit trail has {result.events} events where the manifest says "
                        f"{manifest.get('audit_events')}")
    missing = sorted(set(facts["outer_key_ids"]) - set(keyring.keys))
    if missing:
        problems.append(f"the key given lacks outer key(s) {', '.join(missing)}, which this "
                        f"backup's case keys are wrapped under")
    cases = session.scalars(select(Case).where(Case.content_ct.is_not(None))
                            .order_by(func.random()).limit(SAMPLE)).all()
    holder, failed = _Holder(keyring), []
    for case in cases:
        try:  # opened to prove the key works; the text is dropped at once
            Vault(session, holder, case).open_json("case", case.id, case.content_ct)
        except (DamagedRecord, KeyUnavailable, KeyDestroyed, ValueError):
            failed.append(case.reference)
    if failed:
        problems.append(f"{len(failed)} of {len(cases)} sampled cases do not open with the key "
                        f"given (first: {failed[0]})")
    return Verified(revision, revision == newest, result.events, len(cases), problems)
