"""A case's vault: its data keys, and sealing and opening the case's content with them."""

from __future__ import annotations

import json
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.crypto import envelope
from casework.crypto.blind import blind_index
from casework.crypto.keys import Keyring, KeyUnavailable
from casework.models import Case, CaseKey

CONTENT, IDENTITY = "content", "identity"


class KeyHolder(Protocol):
    """Whatever holds the current outer keys and can read them again (the runtime)."""

    keyring: Keyring

    def reload_keys(self) -> None: ...


class KeyDestroyed(Exception):
    """The case's key was destroyed by retention: its content is gone for good."""


class Vault:
    """Seals and opens one case's records; reporter identity has a key of its own."""

    def __init__(self, session: Session, keys: KeyHolder, case: Case) -> None:
        self.session, self.holder, self.case = session, keys, case
        self._keys: dict[str, bytes] = {}

    @property
    def keyring(self) -> Keyring:
        """The outer keys as the runtime holds them now."""
        return self.holder.keyring

    def create_keys(self) -> None:
        """Give a new (flushed) case its content and identity keys, wrapped under the newest
        outer key (re-read first, in case another process has rotated it)."""
        self.holder.reload_keys()
        for purpose in (CONTENT, IDENTITY):
            data_key = envelope.new_data_key()
            key_id, wrapped = envelope.wrap_key(self.keyring, data_key, case_id=self.case.id,
                                                purpose=purpose)
            self.session.add(CaseKey(case_id=self.case.id, purpose=purpose, key_id=key_id,
                                     wrapped=wrapped))
            self._keys[purpose] = data_key

    def _key(self, purpose: str) -> bytes:
        if purpose not in self._keys:
            row = self.session.execute(select(CaseKey).where(
                CaseKey.case_id == self.case.id, CaseKey.purpose == purpose)).scalar_one_or_none()
            if row is None or row.wrapped is None or row.key_id is None:
                raise KeyDestroyed(f"case {self.case.id} has no {purpose} key")
            try:
                data_key = envelope.unwrap_key(self.keyring, row.key_id, row.wrapped,
                                               case_id=self.case.id, purpose=purpose)
            except KeyUnavailable:
                self.holder.reload_keys()  # another process rotated the outer key
                data_key = envelope.unwrap_key(self.keyring, row.key_id, row.wrapped,
                                               case_id=self.case.id, purpose=purpose)
            self._keys[purpose] = data_key
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
