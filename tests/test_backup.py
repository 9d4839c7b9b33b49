"""`casework backup --out DIR` and `casework backup verify DIR` on the run's database (SQLite,
or PostgreSQL through pg_dump and pg_restore): a backup restores into a scratch database with
its schema, its audit chain and its content opening with the key; the key is never in it; a
damaged copy, the wrong key or a broken chain fail verification."""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3

import pytest
from sqlalchemy import select

from casework.config import Settings
from casework.crypto.keys import Keyring
from casework.models import Case
from casework.runtime import build_runtime
from casework.services.context import Context
from casework.services.reports import NewReport, lodge_report
from tests.test_cli import casework, instance  # noqa: F401  (the scratch-instance fixture)


def needs_pg_tools(env) -> None:
    """On PostgreSQL the round trip needs pg_dump and pg_restore: skipped without them, a
    failure in CI (.ci/run installs them)."""
    if env["CASEWORK_DATABASE_URL"].startswith("postgresql"):
        missing = [t for t in ("pg_dump", "pg_restore") if shutil.which(t) is None]
        if missing:
            message = f"{', '.join(missing)} not installed (Debian: postgresql-client)"
            if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
                pytest.fail(f"CI needs the backup tools: {message}")
            pytest.skip(message)


def with_cases(env, count: int = 3) -> list[str]:
    casework(env, "db", "upgrade")
    runtime = build_runtime(Settings.from_env(env))
    try:
        with runtime.transaction() as session:
            ctx = Context(session, runtime)
            cats = [c.key for c in runtime.pack.categories_for("disclosure")]
            return [lodge_report(ctx, NewReport("disclosure", cats[n % len(cats)],
                                                f"Backed-up report {n}", "Details to keep"))
                    .reference for n in range(count)]
    finally:
        runtime.engine.dispose()


def key_file(env, tmp_path):
    return tmp_path / "instance" / "casework.key"


def test_a_backup_restores_and_verifies_and_never_holds_the_key(instance, tmp_path):  # noqa: F811
    needs_pg_tools(instance)
    refs = with_cases(instance)
    out = tmp_path / "backup-1"
    made = casework(instance, "backup", "--out", str(out))
    assert "the key is not in it" in made.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["database"] in ("sqlite", "postgresql")
    assert manifest["audit_events"] >= 3 and manifest["schema_revision"]
    assert out.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in out.iterdir())
    # The key, in any of its forms, is in no file of the backup.
    keyring = Keyring.from_json(key_file(instance, tmp_path).read_text())
    secrets_ = [*keyring.keys.values(), keyring.index_key]
    for path in out.iterdir():
        blob = path.read_bytes()
        for secret in secrets_:
            assert secret not in blob and base64.b64encode(secret) not in blob
            assert base64.urlsafe_b64encode(secret).rstrip(b"=") not in blob
    verified = casework(instance, "backup", "verify", str(out))
    assert "backup verified" in verified.stdout
    assert f"content: {len(refs)} sampled cases checked" in verified.stdout
    assert f"audit trail: {manifest['audit_events']} events" in verified.stdout
    # A second backup goes to a new folder: the first is never overwritten.
    again = casework(instance, "backup", "--out", str(out), check=False)
    assert again.returncode == 1 and "not an empty folder" in again.stderr


def test_verify_fails_with_the_wrong_key_or_a_damaged_copy(instance, tmp_path):  # noqa: F811
    needs_pg_tools(instance)
    with_cases(instance)
    out = tmp_path / "backup-2"
    casework(instance, "backup", "--out", str(out))
    other = tmp_path / "other.key"
    other.write_text(Keyring.generate().to_json())
    other.chmod(0o600)
    wrong = casework(instance, "backup", "verify", str(out), "--key-file", str(other),
                     check=False)
    assert wrong.returncode == 1 and "backup NOT verified" in wrong.stdout
    assert "sampled cases do not open" in wrong.stdout and "audit trail BROKEN" in wrong.stdout
    copy = out / json.loads((out / "manifest.json").read_text())["file"]
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    damaged = casework(instance, "backup", "verify", str(out), check=False)
    assert damaged.returncode == 1 and "does not match the SHA-256" in damaged.stderr


def test_verify_finds_a_broken_audit_chain_in_an_sqlite_backup(instance, tmp_path):  # noqa: F811
    """A copy whose manifest was rewritten to match (so only the restore can tell) fails on
    the chain itself."""
    if not instance["CASEWORK_DATABASE_URL"].startswith("sqlite"):
        pytest.skip("edits the SQLite copy in place")
    with_cases(instance)
    out = tmp_path / "backup-3"
    casework(instance, "backup", "--out", str(out))
    with sqlite3.connect(out / "casework.db") as conn:
        conn.execute("UPDATE audit_events SET actor = 'someone else' WHERE seq = 2")
    manifest = json.loads((out / "manifest.json").read_text())
    from casework.services.backup import _sha256

    manifest["sha256"] = _sha256(out / "casework.db")
    (out / "manifest.json").write_text(json.dumps(manifest))
    broken = casework(instance, "backup", "verify", str(out), check=False)
    assert broken.returncode == 1 and "audit trail BROKEN at event 2" in broken.stdout


def test_a_backup_folder_holding_the_key_is_refused(instance, tmp_path):  # noqa: F811
    with_cases(instance, 1)
    refused = casework(instance, "backup", "--out", str(tmp_path / "instance"), check=False)
    assert refused.returncode == 1
    assert "not an empty folder" in refused.stderr or "never hold the key" in refused.stderr


def test_the_restored_copy_is_the_database(instance, tmp_path):  # noqa: F811
    """The cases restored are the ones lodged (read back from the SQLite copy directly)."""
    if not instance["CASEWORK_DATABASE_URL"].startswith("sqlite"):
        pytest.skip("reads the SQLite copy directly")
    refs = with_cases(instance, 2)
    out = tmp_path / "backup-4"
    casework(instance, "backup", "--out", str(out))
    from casework.db import make_engine

    engine = make_engine(f"sqlite:///{out / 'casework.db'}")
    with engine.connect() as conn:
        assert sorted(conn.execute(select(Case.reference)).scalars()) == sorted(refs)
    engine.dispose()
