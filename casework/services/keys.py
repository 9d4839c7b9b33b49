"""Rotating the outer key: rewrap every case key (not every row), resumable, then retire."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, tuple_, update

from casework.crypto import envelope
from casework.crypto.keys import Keyring
from casework.models import CaseKey
from casework.runtime import Runtime
from casework.services.audit import Kind, chain_key, record


@dataclass(frozen=True)
class Rotation:
    """What a rotation run did."""

    active: str
    rewrapped: int
    retired: tuple[str, ...]


def rotate(runtime: Runtime, batch: int = 500, stop_after: int | None = None) -> Rotation:
    """Start a rotation (or resume an interrupted one) and finish it; each batch commits."""
    keyring = runtime.key_source.load()
    if len(keyring.keys) == 1:  # nothing pending: begin a new rotation
        keyring = keyring.with_new_active()
        runtime.key_source.save(keyring)
    runtime.keyring = keyring
    done, after = 0, None
    while stop_after is None or done < stop_after:
        rows = _rewrap_batch(runtime, keyring, batch, after)
        done += len(rows)
        if len(rows) < batch:
            break
        after = rows[-1]
    return _retire_if_done(runtime, done)


def _rewrap_batch(runtime: Runtime, keyring: Keyring, batch: int,
                  after: tuple[int, str] | None) -> list[tuple[int, str]]:
    """Rewrap the next batch of case keys not under the active key, in one transaction.

    Keyset paging (after the last key done) keeps each batch's query cheap however many keys
    are done already, and plain rows with one executemany keep the ORM out of a bulk job.
    """
    where = [CaseKey.key_id != keyring.active_id, CaseKey.wrapped.is_not(None)]
    if after is not None:
        where.append(tuple_(CaseKey.case_id, CaseKey.purpose) > after)
    with runtime.transaction() as session:
        rows = session.execute(select(CaseKey.case_id, CaseKey.purpose, CaseKey.key_id,
                                      CaseKey.wrapped).where(*where)
                               .order_by(CaseKey.case_id, CaseKey.purpose).limit(batch)).all()
        changes = []
        for case_id, purpose, key_id, wrapped in rows:
            data_key = envelope.unwrap_key(keyring, key_id, wrapped, case_id=case_id,
                                           purpose=purpose)
            new_id, new_wrapped = envelope.wrap_key(keyring, data_key, case_id=case_id,
                                                    purpose=purpose)
            changes.append({"case_id": case_id, "purpose": purpose, "key_id": new_id,
                            "wrapped": new_wrapped})
        if changes:
            session.execute(update(CaseKey), changes)
    return [(case_id, purpose) for case_id, purpose, _, _ in rows]


def _retire_if_done(runtime: Runtime, done: int) -> Rotation:
    keyring = runtime.keyring
    with runtime.transaction() as session:
        left = session.execute(select(func.count()).select_from(CaseKey).where(
            CaseKey.key_id != keyring.active_id, CaseKey.wrapped.is_not(None))).scalar()
        if left:
            return Rotation(keyring.active_id, done, ())
        old = tuple(k for k in keyring.keys if k != keyring.active_id)
        for key_id in old:
            keyring = keyring.retire(key_id)
        runtime.key_source.save(keyring)
        runtime.keyring = keyring
        record(session, chain_key(keyring), Kind.KEYS_ROTATE, "cli", runtime.clock(),
               active=keyring.active_id, rewrapped=done, retired=list(old))
    return Rotation(keyring.active_id, done, old)
