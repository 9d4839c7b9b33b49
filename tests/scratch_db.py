"""Scratch databases of the run's kind, for tests that must commit for real or migrate from nothing.

The shared test database holds other tests' savepoints (and another pytest run may reset it), so a
test that commits gets a database of its own: a temporary file for SQLite, or a new PostgreSQL
database created through the test database's server and dropped afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


@contextmanager
def scratch_database(database_url: str, tmp_path: Path, prefix: str) -> Iterator[str]:
    """Yield the URL of an empty database like database_url; drop it afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / f'{prefix}.db'}"
        return
    name = f"{prefix}_{secrets.token_hex(5)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
