"""Keys: rotating the outer key (rewrap the key-encryption key: one row, whatever the number of
cases) and a full re-key (a new key-encryption key, every case key rewrapped in bulk,
resumable), each audited. See docs/OPERATIONS.md, "Keys", for when to use which."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from casework.crypto import envelope, hierarchy
from casework.models import CaseKey, KeyEncryptionKey
from casework.runtime import Runtime
from casework.services.audit import Kind, chain_key, record

KEK = KeyEncryptionKey
REKEY_BATCH = 1000


@dataclass(frozen=True)
class Rotation:
    """What an outer-key rotation did: the new outer key, the key-encryption keys rewrapped
    under it and the outer keys retired."""

    active: str
    rewrapped: int
    retired: tuple[str, ...]


@dataclass(frozen=True)
class Rekey:
    """What a full re-key run did. `finished` False: interrupted or overtaken; run it again."""

    kek: str
    rewrapped: int
    retired: tuple[str, ...]
    finished: bool
    outer: Rotation | None


def rotate(runtime: Runtime) -> Rotation:
    """Routine rotation of the outer key: a new outer key in the key source, every
    key-encryption key rewrapped under it (one transaction; there is one KEK, two during a
    re-key), then the old outer key retired. Safe to run again after an interruption: a key
    source still holding two keys is a rotation under way, and is finished, not restarted."""
    keyring = runtime.key_source.load()
    if len(keyring.keys) == 1:  # nothing pending: begin a new rotation
        keyring = keyring.with_new_active()
        runtime.key_source.save(keyring)
    runtime.keyring = keyring
    old = tuple(k for k in keyring.keys if k != keyring.active_id)
    with runtime.transaction() as session:
        rows = session.execute(select(KEK).where(KEK.outer_key_id != keyring.active_id)
                               .with_for_update()).scalars().all()
        for row in rows:
            kek = hierarchy.unwrap_kek(keyring, row.outer_key_id, row.id, row.wrapped)
            row.outer_key_id, row.wrapped = hierarchy.wrap_kek(keyring, row.id, kek)
        record(session, chain_key(keyring), Kind.KEYS_ROTATE, "cli", runtime.clock(),
               active=keyring.active_id, rewrapped=len(rows), retired=list(old))
    retired = keyring
    for key_id in old:
        retired = retired.retire(key_id)
    runtime.key_source.save(retired)
    runtime.keyring = retired
    return Rotation(keyring.active_id, len(rows), old)


def rekey(runtime: Runtime, batch: int = REKEY_BATCH) -> Rekey:
    """Full re-key, after a suspected compromise of the database and the key file: a new outer
    key (`rotate`), a new key-encryption key, every case key rewrapped under it in batches
    (each its own transaction, its progress recorded), then the old KEK deleted. Run again
    after an interruption, it continues where it stopped, with the same new KEK."""
    outer = None
    kek_id = _under_way(runtime)
    if kek_id is None:
        outer = rotate(runtime)
        kek_id = _begin(runtime)
    done = 0
    for _ in range(2):  # a second pass picks up keys a process wrapped under the old KEK late
        while (n := _rekey_batch(runtime, kek_id, batch)) > 0:
            done += n
            if n < batch:
                break
        finished, retired = _finish(runtime, kek_id, done)
        if finished:
            return Rekey(kek_id, done, retired, True, outer)
        _restart_cursor(runtime)
    return Rekey(kek_id, done, (), False, outer)


def _under_way(runtime: Runtime) -> str | None:
    """The new KEK of a re-key under way (old KEKs are still in the table), else None."""
    with runtime.transaction() as session:
        if session.execute(select(KEK.id).where(KEK.active.is_(None)).limit(1)).first() is None:
            return None
        return session.execute(select(KEK.id).where(KEK.active.is_(True))).scalar_one()


def _begin(runtime: Runtime) -> str:
    """Make a new active KEK; the one active before is kept until no case key is under it."""
    kek_id, kek = hierarchy.new_kek()
    outer_id, wrapped = hierarchy.wrap_kek(runtime.keyring, kek_id, kek)
    with runtime.transaction() as session:
        old = session.execute(select(KEK.id).where(KEK.active.is_(True))
                              .with_for_update()).scalars().all()
        session.execute(update(KEK).where(KEK.active.is_(True))
                        .values(active=None, rekey_after=0))
        session.flush()
        session.add(KEK(id=kek_id, outer_key_id=outer_id, wrapped=wrapped, active=True,
                        created_at=runtime.clock()))
        record(session, chain_key(runtime.keyring), Kind.KEYS_REKEY, "cli", runtime.clock(),
               phase="begin", kek=kek_id, replacing=old)
    runtime.keks[kek_id] = kek
    return kek_id


def _rekey_batch(runtime: Runtime, kek_id: str, batch: int) -> int:
    """Rewrap the next batch of case keys not under the new KEK, from the recorded progress
    on; one transaction, one executemany; the progress moves on with it."""
    with runtime.transaction() as session:
        after = session.execute(select(func.min(KEK.rekey_after))
                                .where(KEK.active.is_(None))).scalar() or 0
        rows = session.execute(
            select(CaseKey.case_id, CaseKey.purpose, CaseKey.key_id, CaseKey.wrapped)
            .where(CaseKey.case_id >= after, CaseKey.key_id != kek_id,
                   CaseKey.wrapped.is_not(None))
            .order_by(CaseKey.case_id, CaseKey.purpose).limit(batch)).all()
        if not rows:
            return 0
        rewrapped = envelope.rewrap_many(rows, lambda key_id: runtime.kek(session, key_id),
                                         runtime.kek(session, kek_id))
        _write(session, [(case_id, purpose, kek_id, wrapped) for (case_id, purpose, _, _),
                         wrapped in zip(rows, rewrapped, strict=True)])
        session.execute(update(KEK).where(KEK.active.is_(None))
                        .values(rekey_after=rows[-1].case_id))
    return len(rows)


def _write(session: Session, rows: list[tuple[int, str, str, bytes]]) -> None:
    """One bulk statement for a batch of rewrapped keys (case_id, purpose, KEK id, wrapped),
    straight to the driver: on PostgreSQL an UPDATE ... FROM (VALUES ...), on SQLite an
    executemany (in-process, no round trips)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        values = ", ".join(["(%s::integer, %s, %s, %s::bytea)"] * len(rows))
        conn.exec_driver_sql(
            "UPDATE case_keys AS k SET key_id = v.key_id, wrapped = v.wrapped "  # noqa: S608
            f"FROM (VALUES {values}) AS v(case_id, purpose, key_id, wrapped) "
            "WHERE k.case_id = v.case_id AND k.purpose = v.purpose",
            tuple(x for row in rows for x in row))
    else:
        conn.exec_driver_sql("UPDATE case_keys SET key_id = ?, wrapped = ? "
                             "WHERE case_id = ? AND purpose = ?",
                             [(k, w, c, p) for c, p, k, w in rows])


def _finish(runtime: Runtime, kek_id: str, done: int) -> tuple[bool, tuple[str, ...]]:
    """Delete the old KEKs if no case key is left under them, and audit the re-key."""
    with runtime.transaction() as session:
        old = tuple(session.execute(select(KEK.id).where(KEK.active.is_(None))
                                    .with_for_update()).scalars().all())
        left = session.execute(select(func.count()).select_from(CaseKey).where(
            CaseKey.key_id != kek_id, CaseKey.wrapped.is_not(None))).scalar()
        if left:
            return False, ()
        session.execute(KEK.__table__.delete().where(KEK.id.in_(old)))
        record(session, chain_key(runtime.keyring), Kind.KEYS_REKEY, "cli", runtime.clock(),
               phase="done", kek=kek_id, rewrapped=done, retired=list(old))
    for key in old:
        runtime.keks.pop(key, None)
    return True, old


def _restart_cursor(runtime: Runtime) -> None:
    with runtime.transaction() as session:
        session.execute(update(KEK).where(KEK.active.is_(None)).values(rekey_after=0))
