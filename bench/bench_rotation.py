"""Benchmark the key hierarchy: outer-key rotation (rewrap the key-encryption key), a full re-key
(every case key rewrapped under a new KEK) against a raw bulk UPDATE of the same rows, and the
alternative design without per-case keys (re-encrypt every note).

Builds N cases directly with SQLAlchemy core inserts: each case gets two real data keys
(content and identity) wrapped under one KEK, and one sealed note. Then it times
`casework.services.keys.rotate` (O(1): one row whatever N), `casework.services.keys.rekey`, a
single raw `UPDATE case_keys SET key_id = ...` rewriting every case key row (the least a re-key
must write), and decrypting and re-encrypting every note. Runs on a temporary SQLite file, and
also on PostgreSQL when CASEWORK_BENCH_DATABASE_URL names a server (a scratch database is
created there and dropped).

    python bench/bench_rotation.py [--cases 100000] [--note-bytes 1024] [--notes-per-case 1]
                                   [--batch 1000] [--no-notes]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, bindparam, create_engine, func, insert, select, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from casework.config import Settings  # noqa: E402
from casework.crypto import envelope, hierarchy  # noqa: E402
from casework.crypto.keys import FileKeySource, Keyring  # noqa: E402
from casework.db import make_engine  # noqa: E402
from casework.migrate import upgrade  # noqa: E402
from casework.models import Case, CaseKey, KeyEncryptionKey, Note, User  # noqa: E402
from casework.runtime import Runtime, build_runtime  # noqa: E402
from casework.services import keys  # noqa: E402
from casework.stats.facts import received_quarter  # noqa: E402

CHUNK = 5000
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def populate(engine: Engine, keyring: Keyring, cases: int, note_bytes: int,
             notes_per_case: int = 1) -> dict[int, bytes]:
    """Insert the KEK, the cases, their wrapped keys and sealed notes; return the content
    keys."""
    content_keys: dict[int, bytes] = {}
    kek_id, kek = hierarchy.new_kek()
    outer_id, wrapped_kek = hierarchy.wrap_kek(keyring, kek_id, kek)
    with engine.begin() as conn:
        conn.execute(insert(User).values(id=1, email="bench@example.org", name="Bench",
                                         password_hash="x", created_at=NOW))
        conn.execute(insert(KeyEncryptionKey).values(id=kek_id, outer_key_id=outer_id,
                                                     wrapped=wrapped_kek, active=True,
                                                     created_at=NOW))
    for start in range(1, cases + 1, CHUNK):
        ids = range(start, min(start + CHUNK, cases + 1))
        case_rows, key_rows, note_rows = [], [], []
        for case_id in ids:
            case_rows.append({"id": case_id, "reference": f"CW-{case_id:08d}",
                              "route": "disclosure", "category": "policy_breach",
                              "state": "investigation", "queue": "intake", "version": 1,
                              "anonymous": True, "witness": False, "recorded_by_staff": False,
                              "actions": [], "opened_at": NOW,
                              "received_quarter": received_quarter(NOW, "UTC")})
            for purpose in ("content", "identity"):
                data_key = envelope.new_data_key()
                wrapped = envelope.wrap_under(kek, data_key, case_id=case_id, purpose=purpose)
                key_rows.append({"case_id": case_id, "purpose": purpose, "key_id": kek_id,
                                 "wrapped": wrapped})
                if purpose == "content":
                    content_keys[case_id] = data_key
            for n in range(notes_per_case):
                note_id = (case_id - 1) * notes_per_case + n + 1
                body = secrets.token_hex(note_bytes // 2)
                note_rows.append({"id": note_id, "case_id": case_id, "author_id": 1, "at": NOW,
                                  "body_ct": envelope.encrypt(content_keys[case_id], body,
                                                              case_id=case_id, kind="note",
                                                              record_id=note_id)})
        with engine.begin() as conn:
            conn.execute(insert(Case), case_rows)
            conn.execute(insert(CaseKey), key_rows)
            if note_rows:
                conn.execute(insert(Note), note_rows)
    return content_keys


def reencrypt_notes(engine: Engine, content_keys: dict[int, bytes]) -> int:
    """The alternative design: open every note and seal it again under a new key, written back."""
    new_key, done, last = envelope.new_data_key(), 0, 0
    stmt = update(Note).where(Note.id == bindparam("nid")).values(body_ct=bindparam("ct"))
    while True:
        with engine.begin() as conn:
            rows = conn.execute(select(Note.id, Note.case_id, Note.body_ct).where(
                Note.id > last).order_by(Note.id).limit(CHUNK)).all()
            if not rows:
                return done
            params = []
            for note_id, case_id, blob in rows:
                text = envelope.decrypt(content_keys[case_id], blob, case_id=case_id,
                                        kind="note", record_id=note_id)
                params.append({"nid": note_id, "ct": envelope.encrypt(
                    new_key, text, case_id=case_id, kind="note", record_id=note_id)})
            conn.execute(stmt.execution_options(synchronize_session=False), params)
        done, last = done + len(rows), rows[-1][0]


def check_readable(runtime: Runtime, content_keys: dict[int, bytes]) -> None:
    """Every case key is under the active KEK, which is under the active outer key, and a
    sample unwraps to the same data key."""
    with runtime.transaction() as session:
        [(kek_id, outer_id)] = session.execute(select(KeyEncryptionKey.id,
                                                      KeyEncryptionKey.outer_key_id)).all()
        assert outer_id == runtime.keyring.active_id
        left = session.execute(select(func.count()).select_from(CaseKey).where(
            CaseKey.key_id != kek_id)).scalar()
        assert left == 0, f"{left} case keys not under the active KEK"
        kek = runtime.kek(session, kek_id)
        sample = session.execute(select(CaseKey).where(CaseKey.purpose == "content")
                                 .order_by(CaseKey.case_id).limit(100)).scalars().all()
        for row in sample:
            assert envelope.unwrap_under(kek, row.wrapped, case_id=row.case_id,
                                         purpose="content") == content_keys[row.case_id]


def raw_bulk_update(engine: Engine, batch: int) -> tuple[float, float]:
    """The least a re-key must write, undone afterwards: (a) new random bytes written to every
    case key row by primary key, in the re-key's batches, through the same bulk statement
    (keys._write) with no reading, no crypto and no progress kept; (b) one UPDATE statement
    rewriting every row (no new values to send at all). Seconds for each."""
    with engine.connect() as conn:
        rows = conn.execute(select(CaseKey.case_id, CaseKey.purpose)
                            .order_by(CaseKey.case_id, CaseKey.purpose)).all()
    session = Session(engine)
    try:
        started = time.perf_counter()
        for start in range(0, len(rows), batch):
            keys._write(session, [(c, p, "bench-raw", secrets.token_bytes(60))
                                  for c, p in rows[start:start + batch]])
        batched = time.perf_counter() - started
    finally:
        session.rollback()
        session.close()
    with engine.connect() as conn:
        trans = conn.begin()
        started = time.perf_counter()
        conn.execute(update(CaseKey).values(key_id="bench-raw"))
        single = time.perf_counter() - started
        trans.rollback()
    return batched, single


def run(url: str, workdir: Path, cases: int, note_bytes: int, batch: int,
        notes_per_case: int = 1, notes: bool = True) -> dict[str, float]:
    """Populate, rotate, re-key, raw update, re-encrypt; print and return the timings."""
    engine = make_engine(url)
    upgrade(engine)
    key_file = workdir / "casework.key"
    keyring = FileKeySource(key_file).load()
    started = time.perf_counter()
    content_keys = populate(engine, keyring, cases, note_bytes, notes_per_case)
    setup_s = time.perf_counter() - started
    settings = Settings.from_env({}, instance_dir=workdir, database_url=url, key_file=key_file,
                                 secret_key="bench")
    runtime = build_runtime(settings, engine=engine)
    started = time.perf_counter()
    rotation = keys.rotate(runtime)
    rotate_s = time.perf_counter() - started
    check_readable(runtime, content_keys)
    raw_s, single_s = raw_bulk_update(engine, batch)
    started = time.perf_counter()
    rekeyed = keys.rekey(runtime, batch=batch)
    rekey_s = time.perf_counter() - started
    assert rekeyed.finished and rekeyed.rewrapped == 2 * cases
    check_readable(runtime, content_keys)
    figures = {"setup_s": setup_s, "rotate_s": rotate_s, "rekey_s": rekey_s,
               "raw_bulk_update_s": raw_s, "rekey_over_raw_update": rekey_s / raw_s,
               "single_update_statement_s": single_s,
               "rekey_over_single_statement": rekey_s / single_s}
    if notes:
        started = time.perf_counter()
        reencrypt_notes(engine, content_keys)
        figures["reencrypt_notes_s"] = time.perf_counter() - started
    engine.dispose()
    print(f"database: {make_url(url).get_backend_name()}")
    print(f"cases: {cases}")
    print(f"notes_per_case: {notes_per_case}")
    print(f"note_bytes: {note_bytes}")
    print(f"keks_rewrapped_by_rotate: {rotation.rewrapped}")
    print(f"case_keys_rewrapped_by_rekey: {rekeyed.rewrapped}")
    for name, value in figures.items():
        print(f"{name}: {value:.4f}")
    return figures


def run_postgres(server_url: str, cases: int, note_bytes: int, batch: int,
                 notes_per_case: int = 1, notes: bool = True) -> None:
    """The same on a scratch database created on the server, dropped afterwards."""
    url = make_url(server_url)
    name = f"cw_bench_{secrets.token_hex(5)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run(url.set(database=name).render_as_string(hide_password=False), Path(tmp),
                cases, note_bytes, batch, notes_per_case, notes)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--note-bytes", type=int, default=1024)
    parser.add_argument("--notes-per-case", type=int, default=1)
    parser.add_argument("--batch", type=int, default=1000, help="rekey() batch size")
    parser.add_argument("--no-notes", action="store_true",
                        help="skip re-encrypting every note (the alternative design)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp), args.cases, args.note_bytes,
            args.batch, args.notes_per_case, not args.no_notes)
    if server := os.environ.get("CASEWORK_BENCH_DATABASE_URL"):
        print()
        run_postgres(server, args.cases, args.note_bytes, args.batch, args.notes_per_case,
                     not args.no_notes)


if __name__ == "__main__":
    main()
