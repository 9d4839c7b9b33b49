"""A case's vault: its data keys, and sealing and opening the case's content with them."""

from __future__ import annotations

import json
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.crypto import envelope
from casework.crypto.blind import blind_index
from casework.crypto.keys import Keyring
from casework.models import Case, CaseKey

CONTENT, IDENTITY = "content", "identity"


class KeyHolder(Protocol):
    """Whatever holds the keys that wrap case keys (the runtime: key-encryption keys opened
    with the outer key)."""

    def kek(self, session: Session, kek_id: str) -> bytes: ...

    def active_kek(self, session: Session) -> tuple[str, bytes]: ...


class KeyDestroyed(Exception):
    """The case's key was destroyed by retention: its content is gone for good."""


class Vault:
    """Seals and opens one case's records; reporter identity has a key of its own."""

    def __init__(self, session: Session, keys: KeyHolder, case: Case) -> None:
        self.session, self.holder, self.case = session, keys, case
        self._keys: dict[str, bytes] = {}

    def create_keys(self) -> None:
        """Give a new (flushed) case its content and identity keys, wrapped under the active
        key-encryption key (read from the database, in case another process has re-keyed)."""
        kek_id, kek = self.holder.active_kek(self.session)
        for purpose in (CONTENT, IDENTITY):
            data_key = envelope.new_data_key()
            wrapped = envelope.wrap_under(kek, data_key, case_id=self.case.id, purpose=purpose)
            self.session.add(CaseKey(case_id=self.case.id, purpose=purpose, key_id=kek_id,
                                     wrapped=wrapped))
            self._keys[purpose] = data_key

    def _key(self, purpose: str) -> bytes:
        if purpose not in self._keys:
            row = self.session.execute(select(CaseKey).where(
                CaseKey.case_id == self.case.id, CaseKey.purpose == purpose)).scalar_one_or_none()
            if row is None or row.wrapped is None or row.key_id is None:
                raise KeyDestroyed(f"case {self.case.id} has no {purpose} key")
            kek = self.holder.kek(self.session, row.key_id)
            self._keys[purpose] = envelope.unwrap_under(kek, row.wrapped, case_id=self.case.id,
                                                        purpose=purpose)
        return self._keys[purpose]

    def seal(self, kind: str, record_id: int | str, value: str | bytes,
             purpose: str = CONTENT) -> bytes:
        """Encrypt text bound to this case, the record's kind and its id."""
        return envelope.encrypt(self._key(purpose), value, case_id=self.case.id, kind=kind,
                                record_id=record_id)

    def open(self, kind: str, record_id: int | str, blob: bytes, purpose: str = CONTENT) -> str:
        """Decrypt; raises envelope.DamagedRecord if the blob was altered or moved."""
        return envelope.decrypt_text(self._key(purpose), blob, case_id=self.case.id, kind=kind,
                                     record_id=record_id)

    def open_bytes(self, kind: str, record_id: int | str, blob: bytes,
                   purpose: str = CONTENT) -> bytes:
        """Decrypt to bytes (attachments)."""
        return envelope.decrypt(self._key(purpose), blob, case_id=self.case.id, kind=kind,
                                record_id=record_id)

    def seal_json(self, kind: str, record_id: int | str, value: object,
                  purpose: str = CONTENT) -> bytes:
        """Seal a JSON-serialisable value."""
        return self.seal(kind, record_id, json.dumps(value, sort_keys=True), purpose)

    def open_json(self, kind: str, record_id: int | str, blob: bytes,
                  purpose: str = CONTENT) -> object:
        """Open a sealed JSON value."""
        return json.loads(self.open(kind, record_id, blob, purpose))


def person_index(keyring: Keyring, person_id: int) -> str:
    """The blind index that stands for a directory person in case links."""
    return blind_index(keyring.index_key, person_id, domain="person")
