"""Watching the SQL a piece of code runs (for tests that count statements)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event


def statements_while(engine, wanted: Callable[[str], bool], run):
    """The statements `wanted` picks out while run() runs, and what run() returned."""
    seen = []

    def listen(conn, cursor, statement, *args):
        if wanted(statement):
            seen.append(statement)
    event.listen(engine, "before_cursor_execute", listen)
    try:
        result = run()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen, result
