"""Files on disk: a new SQLite database is created 0600 whatever the umask (its -wal and -shm
files follow), and a secret file others may read is refused, naming the file and the fix."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from casework.config import Settings
from casework.crypto import KeyUnavailable
from casework.db import make_engine


@pytest.fixture
def loose_umask():
    old = os.umask(0)
    yield
    os.umask(old)


def test_a_new_sqlite_database_is_private(tmp_path, loose_umask):
    path = tmp_path / "instance" / "casework.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    engine.dispose()
    assert modes["casework.db"] == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes


def test_an_existing_database_file_is_opened_as_it_is(tmp_path):
    path = tmp_path / "casework.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_shared_secret_key_file_is_refused(tmp_path, loose_umask):
    settings = Settings.from_env({}, instance_dir=tmp_path, database_url="sqlite://",
                                 key_file=tmp_path / "casework.key", secret_key="")
    made = settings.ensure_secret_key()
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    with pytest.raises(KeyUnavailable, match=f"chmod 600 {path}"):
        settings.ensure_secret_key()
    path.chmod(0o600)
    assert settings.ensure_secret_key().secret_key == made.secret_key
