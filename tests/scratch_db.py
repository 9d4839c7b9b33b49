"""Scratch databases of the run's kind, for tests that must commit for real or migrate from
nothing: a temporary SQLite file, or a new PostgreSQL database created through the configured
server and dropped afterwards. Every test module that needs one uses this, so there is one way
to make and drop them."""

from __future__ import annotations

import secrets
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool


def new_database(database_url: str | None, folder: Path, prefix: str
                 ) -> tuple[str, Callable[[], None]]:
    """A fresh empty database like database_url (None or SQLite: a file in folder); returns
    its URL and a function that drops it."""
    url = make_url(database_url or "sqlite://")
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{folder / f'{prefix}.db'}", lambda: None
    name = f"{prefix}_{secrets.token_hex(5)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        """Drop it; an autovacuum worker on it (not ours to end) may delay that a little."""
        for attempt in range(40):
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except DBAPIError:
                if attempt == 39:
                    warnings.warn(f"scratch database {name} was left behind", stacklevel=1)
                time.sleep(0.25)
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@contextmanager
def scratch_database(database_url: str | None, folder: Path, prefix: str) -> Iterator[str]:
    """Yield the URL of an empty database like database_url; drop it afterwards."""
    url, drop = new_database(database_url, folder, prefix)
    try:
        yield url
    finally:
        drop()
