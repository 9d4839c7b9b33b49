"""`casework search rebuild`: the demo's cases are indexed as they are lodged, and the command
writes the same index again from their sealed text."""

from __future__ import annotations

from sqlalchemy import select

from casework.db import make_engine
from casework.models import CaseWord
from tests.test_cli import casework, instance  # noqa: F401  (the scratch instance fixture)


def test_the_demo_is_indexed_and_rebuild_writes_it_again(instance):  # noqa: F811
    casework(instance, "db", "upgrade")
    casework(instance, "demo")
    engine = make_engine(instance["CASEWORK_DATABASE_URL"])
    try:
        with engine.begin() as conn:
            before = set(conn.execute(select(CaseWord.token, CaseWord.case_id)).all())
            assert before and all(len(token) == 32 for token, _ in before)
            conn.execute(CaseWord.__table__.delete())
        out = casework(instance, "search", "rebuild").stdout
        cases = int(out.split(": ")[1].split()[0])
        assert out.startswith("search index rebuilt: ") and cases >= 10
        with engine.begin() as conn:
            assert set(conn.execute(select(CaseWord.token, CaseWord.case_id)).all()) == before
    finally:
        engine.dispose()
