"""Rotating the outer key: rewrap every case key (not every row), resumable, then retire."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from casework.crypto import envelope
from casework.models import CaseKey
from casework.runtime import Runtime
from casework.services.audit import Kind, record


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
    active, done = keyring.active_id, 0
    while stop_after is None or done < stop_after:
        with runtime.transaction() as session:
            rows = session.execute(select(CaseKey).where(
                CaseKey.key_id != active, CaseKey.wrapped.is_not(None))
                .order_by(CaseKey.case_id, CaseKey.purpose).limit(batch)).scalars().all()
            for row in rows:
                data_key = envelope.unwrap_key(keyring, row.key_id, row.wrapped,
                                               case_id=row.case_id, purpose=row.purpose)
                row.key_id, row.wrapped = envelope.wrap_key(keyring, data_key,
                                                            case_id=row.case_id,
                                                            purpose=row.purpose)
        done += len(rows)
        if len(rows) < batch:
            break
    return _retire_if_done(runtime, done)


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
        record(session, Kind.KEYS_ROTATE, "cli", runtime.clock(), active=keyring.active_id,
               rewrapped=done, retired=list(old))
    return Rotation(keyring.active_id, done, old)
