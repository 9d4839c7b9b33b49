"""The Alembic migrations on the run's database type, each test in a scratch database of its own.

They must build exactly the schema the models describe, go down to nothing and up again, and
do nothing when run twice.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    MetaData,
    Table,
    column,
    func,
    inspect,
    select,
    table,
)

from casework.config import Settings
from casework.crypto import envelope
from casework.crypto.hierarchy import unwrap_kek
from casework.crypto.keys import FileKeySource, Keyring
from casework.db import make_engine
from casework.migrate import MIGRATIONS, alembic_config, downgrade, upgrade
from casework.models import Base, Case
from casework.runtime import build_runtime
from casework.services.vault import Vault
from tests.scratch_db import scratch_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HASH = "a" * 64

#: Hand-written minimal rows; a table missing here gets one made from its columns (row_for).
ROWS: dict[str, dict] = {
    "people": {"id": 1, "name": "Pat", "position": "Director", "roles": ["director"]},
    "users": {"id": 1, "email": "pat@example.org", "name": "Pat", "password_hash": "x",
              "person_id": 1, "active": True, "session_epoch": 0, "created_at": NOW},
    "user_roles": {"user_id": 1, "role": "intake"},
    "queue_memberships": {"user_id": 1, "queue": "intake"},
    "cases": {"id": 1, "reference": "CW-2345ABCD", "route": "disclosure", "category": "fraud",
              "state": "received", "queue": "intake", "version": 1, "anonymous": True,
              "witness": False, "recorded_by_staff": False, "actions": ["police_referral"],
              "opened_at": NOW, "content_ct": b"\x00sealed", "received_quarter": 20261},
    "case_keys": {"case_id": 1, "purpose": "content", "key_id": "k1", "wrapped": b"\x01"},
    "case_parties": {"id": 1, "case_id": 1, "kind": "implicated", "person_index": HASH},
    "case_events": {"id": 1, "case_id": 1, "seq": 1, "kind": "lodged", "actor_kind": "reporter",
                    "at": NOW, "facts": {"queue": "intake"}},
    "case_clocks": {"id": 1, "case_id": 1, "name": "acknowledge", "status": "running",
                    "started_on": date(2026, 3, 2), "due_on": date(2026, 3, 9)},
    "assignments": {"id": 1, "case_id": 1, "user_id": 1, "capacity": "handler",
                    "assigned_by": 1, "assigned_at": NOW},
    "recusals": {"id": 1, "case_id": 1, "user_id": 1, "at": NOW},
    "notes": {"id": 1, "case_id": 1, "author_id": 1, "at": NOW, "body_ct": b"\x02"},
    "messages": {"id": 1, "case_id": 1, "sender": "reporter", "at": NOW, "body_ct": b"\x03"},
    "attachments": {"id": 1, "case_id": 1, "uploaded_by": "reporter", "at": NOW, "size": 3},
    "audit_events": {"id": 1, "seq": 1, "at": NOW, "kind": "case:report:lodge",
                     "actor": "reporter", "case_id": 1, "details": {"route": "disclosure"},
                     "prev_hash": "0" * 64, "hash": HASH},
    "audit_head": {"id": 1, "seq": 1, "hash": HASH},
    "throttles": {"bucket": "ref:CW-2345ABCD", "failures": 2, "window_start": NOW},
    "api_tokens": {"id": 1, "digest": HASH, "kind": "staff", "user_id": 1, "created_at": NOW,
                   "expires_at": NOW},
    "access_grants": {"id": 1, "user_id": 1, "queue": "hr", "state": "pending",
                      "requested_by": 1, "requested_at": NOW},
    "case_links": {"id": 1, "case_id": 1, "other_case_id": 1, "kind": "related",
                   "created_by": 1, "created_at": NOW},
}


@pytest.fixture
def scratch(database_url, tmp_path) -> Iterator[Engine]:
    """An empty database of the run's kind, with an engine on it."""
    with scratch_database(database_url, tmp_path, "casework_mig") as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


SAMPLES = {int: 1, str: "x", bool: True, bytes: b"x", datetime: NOW, date: NOW.date(), dict: {},
           list: []}


def row_for(table: Table) -> dict:
    """The hand-written row, or one filling each required column (foreign keys point at id 1)."""
    if table.name in ROWS:
        return ROWS[table.name]
    return {c.name: sample(c) for c in table.columns if not c.nullable or c.primary_key}


def sample(column: Column):
    if column.foreign_keys:
        return 1  # every hand-written parent row has id 1
    if isinstance(column.type, JSON):
        return {}
    return SAMPLES[getattr(column.type, "impl_instance", column.type).python_type]


def insert_rows(engine: Engine) -> None:
    """One row in every table, parents first; at an older revision, in the tables and columns
    that exist then."""
    with engine.begin() as conn:
        present = inspect(conn)
        names = set(present.get_table_names())
        for table in Base.metadata.sorted_tables:
            if table.name not in names:
                continue
            columns = {c["name"] for c in present.get_columns(table.name)}
            # A copy with only the columns there are, or the insert adds the others' defaults.
            then = Table(table.name, MetaData(), *(Column(c.name, c.type, primary_key=c.primary_key)
                                                   for c in table.columns if c.name in columns))
            conn.execute(then.insert().values(**{k: v for k, v in row_for(table).items()
                                                 if k in columns}))


def check_rows(engine: Engine) -> None:
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 1
        tables = Base.metadata.tables
        case = conn.execute(select(tables["cases"])).one()
        assert case.opened_at == NOW and case.actions == ["police_referral"]
        assert case.content_ct == b"\x00sealed"
        event = conn.execute(select(tables["case_events"])).one()
        assert event.facts == {"queue": "intake"}


def schema(engine: Engine) -> dict:
    """Everything inspectable about the schema, for before-and-after comparisons."""
    found = inspect(engine)
    return {t: (sorted((c["name"], str(c["type"]), c["nullable"])
                       for c in found.get_columns(t)),
                sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                       for i in found.get_indexes(t)),
                sorted((f["name"], tuple(f["constrained_columns"]), f["referred_table"])
                       for f in found.get_foreign_keys(t)),
                sorted(u["name"] for u in found.get_unique_constraints(t)))
            for t in found.get_table_names()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head(engine: Engine) -> str:
    heads = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads()
    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {heads}"
    return heads[0]


def test_upgrade_builds_exactly_the_models_schema(scratch):
    upgrade(scratch)
    with scratch.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    assert current_revision(scratch) == head(scratch)


def test_the_hand_written_rows_name_real_tables():
    assert set(ROWS) <= set(Base.metadata.tables)
    assert {"people", "users", "cases", "case_events", "audit_events"} <= set(ROWS)


def test_downgrade_to_base_and_upgrade_again(scratch):
    upgrade(scratch)
    insert_rows(scratch)
    check_rows(scratch)
    built = schema(scratch)

    downgrade(scratch, "base")
    assert set(inspect(scratch).get_table_names()) == {"alembic_version"}
    assert current_revision(scratch) is None

    upgrade(scratch)
    assert schema(scratch) == built
    with scratch.connect() as conn:
        for table in Base.metadata.sorted_tables:
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 0
    insert_rows(scratch)
    check_rows(scratch)


def test_upgrading_twice_changes_nothing(scratch):
    upgrade(scratch)
    insert_rows(scratch)
    before = schema(scratch), current_revision(scratch)
    upgrade(scratch)
    assert (schema(scratch), current_revision(scratch)) == before
    check_rows(scratch)


def test_upgrade_creates_a_database_from_nothing(scratch):
    assert inspect(scratch).get_table_names() == []
    upgrade(scratch)
    assert set(inspect(scratch).get_table_names()) == set(Base.metadata.tables) | {
        "alembic_version"}


def test_migrations_import_no_application_code():
    """A migration must keep working when the models change later (STYLE.md 9)."""
    for path in sorted(Path(MIGRATIONS, "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        allowed = {"alembic", "sqlalchemy", *sys.stdlib_module_names}
        assert {m.split(".")[0] for m in modules} <= allowed, path.name
        assert "def downgrade" in path.read_text(encoding="utf-8"), path.name


def test_each_revision_steps_down_and_up_again(scratch):
    """Every revision's downgrade undoes exactly its upgrade, one step at a time."""
    script = ScriptDirectory.from_config(alembic_config(str(scratch.url)))
    revisions = [r.revision for r in script.walk_revisions("base", "heads")]  # newest first
    upgrade(scratch)
    schemas = {revisions[0]: schema(scratch)}
    for newer, older in zip(revisions, [*revisions[1:], None], strict=True):
        downgrade(scratch, "-1")
        assert current_revision(scratch) == older
        if older is not None:
            schemas[older] = schema(scratch)
        upgrade(scratch, newer)
        assert schema(scratch) == schemas[newer], newer
        downgrade(scratch, "-1")
    assert set(inspect(scratch).get_table_names()) == {"alembic_version"}


def counts(engine: Engine) -> dict[str, int]:
    """Rows in each table, read by name (so it works at any revision)."""
    with engine.connect() as conn:
        return {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
                for t in inspect(engine).get_table_names() if t != "alembic_version"}


def test_0004_fills_next_due_on_and_its_downgrade_keeps_every_row(scratch):
    """The backfill takes the earliest running clock; going back drops only the column (on
    SQLite, copying the cases table would have cascade-deleted everything hanging off it)."""
    upgrade(scratch, "0003")
    insert_rows(scratch)
    clocks = Base.metadata.tables["case_clocks"]
    with scratch.begin() as conn:
        conn.execute(clocks.insert(), [
            {"id": 2, "case_id": 1, "name": "feedback", "status": "running",
             "started_on": date(2026, 3, 2), "due_on": date(2026, 6, 2)},
            {"id": 3, "case_id": 1, "name": "earlier", "status": "met",
             "started_on": date(2026, 2, 1), "due_on": date(2026, 3, 1)}])
    before = counts(scratch)
    upgrade(scratch, "0004")
    cases = Base.metadata.tables["cases"]
    with scratch.connect() as conn:
        assert conn.execute(select(cases.c.next_due_on)).scalar_one() == date(2026, 3, 9)
    downgrade(scratch, "0003")
    assert "next_due_on" not in {c["name"] for c in inspect(scratch).get_columns("cases")}
    assert counts(scratch) == before


def test_0007_fills_the_statistics_facts_in_the_organisations_days(scratch):
    """The quarter received is the organisation's (31 March 23:30 UTC is 1 April in London);
    the days are whole 24-hour days; going back drops only the columns."""
    upgrade(scratch, "0006")
    insert_rows(scratch)  # opened 2 March 09:00 UTC, never acknowledged
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    old = table("cases", column("id"), column("reference"), column("route"),
                column("category"), column("state"), column("queue"), column("version"),
                column("anonymous"), column("witness"), column("recorded_by_staff"),
                column("actions", JSON), column("opened_at", DateTime(timezone=True)),
                column("acknowledged_at", DateTime(timezone=True)),
                column("closed_at", DateTime(timezone=True)))
    with scratch.begin() as conn:
        conn.execute(old.insert().values(
            id=2, reference="CW-2345ABCE", route="disclosure", category="fraud", state="closed",
            queue="intake", version=1, anonymous=True, witness=False, recorded_by_staff=False,
            actions=[], opened_at=late, acknowledged_at=late + timedelta(days=2, hours=23),
            closed_at=late + timedelta(days=42)))
    before = counts(scratch)
    upgrade(scratch, "0007", timezone="Europe/London")
    cases = Base.metadata.tables["cases"]
    with scratch.connect() as conn:
        facts = conn.execute(select(cases.c.id, cases.c.received_quarter,
                                    cases.c.days_to_acknowledge, cases.c.days_to_close)
                             .order_by(cases.c.id)).all()
    assert [tuple(f) for f in facts] == [(1, 20261, None, None), (2, 20262, 2, 42)]
    downgrade(scratch, "0006")
    assert "received_quarter" not in {c["name"] for c in inspect(scratch).get_columns("cases")}
    assert counts(scratch) == before


def test_0008_keeps_every_account_and_its_downgrade_drops_only_its_tables(scratch):
    """Accounts made before separation of duties keep their roles, queues and password; the
    invitations and grants tables come and go alone (users is not copied on SQLite)."""
    upgrade(scratch, "0007")
    insert_rows(scratch)
    before = counts(scratch)
    upgrade(scratch, "0008")
    after = counts(scratch)
    assert after == {**before, "invitations": 0, "access_grants": 0}
    downgrade(scratch, "0007")
    assert counts(scratch) == before


def test_0009_adds_hold_choice_and_links_and_its_downgrade_keeps_every_other_row(scratch):
    """Existing cases start with no hold and no chosen queue; a held case and a link can be
    written; going back drops the columns and the table, and nothing else."""
    upgrade(scratch, "0008")
    insert_rows(scratch)
    old = table("cases", column("id"), column("reference"), column("route"),
                column("category"), column("state"), column("queue"), column("version"),
                column("anonymous"), column("witness"), column("recorded_by_staff"),
                column("actions", JSON), column("opened_at", DateTime(timezone=True)),
                column("closed_at", DateTime(timezone=True)), column("notify_reporter"))
    with scratch.begin() as conn:
        conn.execute(old.insert().values(
            id=2, reference="CW-2345ABCE", route="disclosure", category="fraud", state="closed",
            queue="intake", version=1, anonymous=True, witness=False, recorded_by_staff=False,
            actions=[], opened_at=NOW, closed_at=NOW, notify_reporter=False))
    before = counts(scratch)
    upgrade(scratch, "0009")
    cases, links = Base.metadata.tables["cases"], Base.metadata.tables["case_links"]
    with scratch.begin() as conn:
        assert conn.execute(select(cases.c.legal_hold_since, cases.c.chosen_queue)).all() == [
            (None, None), (None, None)]
        conn.execute(cases.update().where(cases.c.id == 2).values(
            legal_hold_since=NOW, chosen_queue="internal_audit"))
        conn.execute(links.insert().values(id=1, case_id=2, other_case_id=1, kind="duplicate",
                                           created_by=1, created_at=NOW))
    with scratch.connect() as conn:
        held = conn.execute(select(cases.c.legal_hold_since, cases.c.chosen_queue)
                            .where(cases.c.id == 2)).one()
        assert tuple(held) == (NOW, "internal_audit")
        assert conn.execute(select(links.c.case_id, links.c.other_case_id, links.c.kind)
                            ).all() == [(2, 1, "duplicate")]
    downgrade(scratch, "0008")
    columns = {c["name"] for c in inspect(scratch).get_columns("cases")}
    assert not columns & {"legal_hold_since", "chosen_queue"}
    assert "case_links" not in inspect(scratch).get_table_names()
    assert counts(scratch) == before


def test_0012_adds_relation_and_ladder_and_its_downgrade_keeps_every_other_row(scratch):
    """Existing cases keep NULL (not asked); the new answers can be written; going back drops
    the three columns and nothing else."""
    upgrade(scratch, "0009")
    insert_rows(scratch)
    before = counts(scratch)
    upgrade(scratch, "0012")
    cases = Base.metadata.tables["cases"]
    with scratch.begin() as conn:
        assert conn.execute(select(cases.c.relation, cases.c.raise_with,
                                   cases.c.reporter_says)).all() == [(None, None, None)]
        conn.execute(cases.update().values(relation="saw", raise_with="hr",
                                           reporter_says=["condoned"]))
    with scratch.connect() as conn:
        assert tuple(conn.execute(select(cases.c.relation, cases.c.raise_with,
                                         cases.c.reporter_says)).one()) == (
            "saw", "hr", ["condoned"])
    downgrade(scratch, "0009")
    columns = {c["name"] for c in inspect(scratch).get_columns("cases")}
    assert not columns & {"relation", "raise_with", "reporter_says"}
    assert counts(scratch) == before


def test_0021_keeps_how_each_cases_deadlines_ended_and_its_downgrade_keeps_every_row(scratch):
    """A missed deadline makes 2, only met ones 1, none ended 0 (what keep_facts keeps from
    then on); going back drops the column and nothing else."""
    upgrade(scratch, "0019")
    insert_rows(scratch)
    cases, clocks = Base.metadata.tables["cases"], Base.metadata.tables["case_clocks"]
    old_cases = table("cases", *(column(c.name, c.type) for c in cases.columns
                                 if c.name != "deadlines_ended"))
    with scratch.begin() as conn:
        row = dict(conn.execute(select(old_cases)).one()._mapping)
        for n, reference in ((2, "CW-2345ABCE"), (3, "CW-2345ABCF")):
            conn.execute(old_cases.insert().values(**{**row, "id": n, "reference": reference}))
        conn.execute(clocks.delete())
        conn.execute(clocks.insert(), [
            {"id": 11, "case_id": 1, "name": "acknowledge", "status": "met",
             "started_on": date(2026, 3, 2), "due_on": date(2026, 3, 9)},
            {"id": 12, "case_id": 1, "name": "feedback", "status": "missed",
             "started_on": date(2026, 3, 2), "due_on": date(2026, 6, 2)},
            {"id": 13, "case_id": 2, "name": "acknowledge", "status": "met",
             "started_on": date(2026, 3, 2), "due_on": date(2026, 3, 9)},
            {"id": 14, "case_id": 2, "name": "feedback", "status": "running",
             "started_on": date(2026, 3, 2), "due_on": date(2026, 6, 2)}])
    before = counts(scratch)
    upgrade(scratch, "0021")
    with scratch.connect() as conn:
        ended = conn.execute(select(cases.c.id, cases.c.deadlines_ended).order_by(cases.c.id))
        assert [tuple(r) for r in ended] == [(1, 2), (2, 1), (3, 0)]
    downgrade(scratch, "0019")
    assert "deadlines_ended" not in {c["name"] for c in inspect(scratch).get_columns("cases")}
    assert counts(scratch) == before
def _sealed_before_0017(engine: Engine, keyring) -> dict[str, bytes]:
    """At 0016: the hand-written rows, with case 1's keys really wrapped under the outer key
    and its content really sealed, as Casework wrote them before the key hierarchy."""
    insert_rows(engine)
    keys = {purpose: envelope.new_data_key() for purpose in ("content", "identity")}
    case_keys = table("case_keys", column("case_id"), column("purpose"), column("key_id"),
                      column("wrapped"))
    cases = table("cases", column("id"), column("content_ct"))
    with engine.begin() as conn:
        conn.execute(case_keys.delete())
        for purpose, data_key in keys.items():
            key_id, wrapped = envelope.wrap_key(keyring, data_key, case_id=1, purpose=purpose)
            conn.execute(case_keys.insert().values(case_id=1, purpose=purpose, key_id=key_id,
                                                   wrapped=wrapped))
        conn.execute(cases.update().values(content_ct=envelope.encrypt(
            keys["content"], '{"summary": "written before 0017"}', case_id=1, kind="case",
            record_id=1)))
    return keys


def test_0017_moves_case_keys_under_a_kek_and_a_case_written_before_still_opens(
        scratch, tmp_path):
    keyring = Keyring.generate()
    upgrade(scratch, "0016")
    keys = _sealed_before_0017(scratch, keyring)
    before = counts(scratch)
    upgrade(scratch, "0017", keyring=keyring)
    tables = Base.metadata.tables
    with scratch.connect() as conn:
        [kek] = conn.execute(select(tables["key_encryption_keys"])).all()
        moved = conn.execute(select(tables["case_keys"])).all()
    assert kek.active and kek.outer_key_id == keyring.active_id and kek.id.startswith("kek-")
    assert {row.key_id for row in moved} == {kek.id}
    opened = unwrap_kek(keyring, kek.outer_key_id, kek.id, kek.wrapped)
    for row in moved:  # the same data keys, now under the KEK
        assert envelope.unwrap_under(opened, row.wrapped, case_id=1,
                                     purpose=row.purpose) == keys[row.purpose]
    upgrade(scratch, keyring=keyring)
    key_file = tmp_path / "casework.key"
    FileKeySource(key_file).save(keyring)
    settings = Settings.from_env({}, instance_dir=tmp_path, database_url=str(scratch.url),
                                 key_file=key_file, secret_key="x")
    runtime = build_runtime(settings, engine=scratch)  # proves the key on the KEK
    with runtime.transaction() as session:
        case = session.get(Case, 1)
        assert Vault(session, runtime, case).open_json("case", 1, case.content_ct) == {
            "summary": "written before 0017"}

    downgrade(scratch, "0016", keyring=keyring)  # and back: under the outer key again
    assert "key_encryption_keys" not in inspect(scratch).get_table_names()
    with scratch.connect() as conn:
        back = conn.execute(select(tables["case_keys"])).all()
    assert {row.key_id for row in back} == {keyring.active_id}
    for row in back:
        assert envelope.unwrap_key(keyring, row.key_id, row.wrapped, case_id=1,
                                   purpose=row.purpose) == keys[row.purpose]
    assert counts(scratch) == before


def test_0017_without_the_key_refuses_and_changes_nothing(scratch):
    keyring = Keyring.generate()
    upgrade(scratch, "0016")
    _sealed_before_0017(scratch, keyring)
    with pytest.raises(RuntimeError, match="needs the outer key"):
        upgrade(scratch, "0017")
    assert current_revision(scratch) == "0016"
    assert "key_encryption_keys" not in inspect(scratch).get_table_names()
    upgrade(scratch, "0017", keyring=keyring)
    with pytest.raises(RuntimeError, match="casework db downgrade"):
        downgrade(scratch, "0016")
    assert current_revision(scratch) == "0017"
