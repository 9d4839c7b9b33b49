"""The key hierarchy: the outer key (outside the database) wraps a key-encryption key (KEK)
kept in the database, and the KEK wraps every case's data keys.

Rotating the outer key rewraps the KEK alone (one row, whatever the number of cases); a full
re-key makes a new KEK and rewraps every case key under it. A case key is wrapped exactly as
before the hierarchy (`envelope.wrap_under`, the same associated data), only under the KEK
instead of the outer key, so migration 0017 moves a key by unwrapping it with the outer key
and wrapping it again under the KEK (`Mover`), and its downgrade does the reverse.
"""

from __future__ import annotations

import json
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.crypto import envelope
from casework.crypto.envelope import NONCE_BYTES, TAG_BYTES, DamagedRecord
from casework.crypto.keys import KEY_BYTES, Keyring

KEK_PREFIX = "kek-"


def new_kek() -> tuple[str, bytes]:
    """A fresh KEK id ("kek-" and 8 hex digits, never an outer key's id) and its 32 bytes."""
    return KEK_PREFIX + secrets.token_hex(4), secrets.token_bytes(KEY_BYTES)


def _kek_aad(kek_id: str) -> bytes:
    return json.dumps({"use": "kek", "v": envelope.FORMAT_VERSION, "kek": kek_id},
                      sort_keys=True, separators=(",", ":")).encode("utf-8")


def wrap_kek(keyring: Keyring, kek_id: str, kek: bytes) -> tuple[str, bytes]:
    """Encrypt a KEK under the active outer key; return (outer key id, nonce||ciphertext)."""
    if len(kek) != KEY_BYTES:
        raise ValueError(f"a KEK must be {KEY_BYTES} bytes")
    outer_id, outer = keyring.active()
    nonce = secrets.token_bytes(NONCE_BYTES)
    return outer_id, nonce + AESGCM(outer).encrypt(nonce, kek, _kek_aad(kek_id))


def unwrap_kek(keyring: Keyring, outer_id: str, kek_id: str, wrapped: bytes) -> bytes:
    """Decrypt a KEK; KeyUnavailable if the outer key is not in the keyring, DamagedRecord if
    the outer key there does not open it (a wrong key file)."""
    outer = keyring.get(outer_id)
    wrapped = bytes(wrapped)
    nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
    try:
        if len(nonce) != NONCE_BYTES or len(body) != KEY_BYTES + TAG_BYTES:
            raise InvalidTag
        return AESGCM(outer).decrypt(nonce, body, _kek_aad(kek_id))
    except InvalidTag:
        raise DamagedRecord(f"key-encryption key {kek_id} failed authentication") from None


class Mover:
    """The crypto a migration needs to move case keys between the outer key and a KEK (the
    migrations import no application code: casework.migrate hands them one of these)."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def new_kek(self) -> tuple[str, bytes, str, bytes]:
        """(KEK id, KEK, outer key id, wrapped KEK) for a new KEK."""
        kek_id, kek = new_kek()
        outer_id, wrapped = wrap_kek(self.keyring, kek_id, kek)
        return kek_id, kek, outer_id, wrapped

    def open_kek(self, outer_id: str, kek_id: str, wrapped: bytes) -> bytes:
        """A stored KEK, opened with the outer key."""
        return unwrap_kek(self.keyring, outer_id, kek_id, wrapped)

    def outer_to_kek(self, kek: bytes, outer_id: str, wrapped: bytes, case_id: int,
                     purpose: str) -> bytes:
        """A case key wrapped under the outer key, rewrapped under the KEK."""
        data_key = envelope.unwrap_key(self.keyring, outer_id, wrapped, case_id=case_id,
                                       purpose=purpose)
        return envelope.wrap_under(kek, data_key, case_id=case_id, purpose=purpose)

    def kek_to_outer(self, kek: bytes, wrapped: bytes, case_id: int,
                     purpose: str) -> tuple[str, bytes]:
        """A case key wrapped under a KEK, rewrapped under the active outer key."""
        data_key = envelope.unwrap_under(kek, wrapped, case_id=case_id, purpose=purpose)
        return envelope.wrap_key(self.keyring, data_key, case_id=case_id, purpose=purpose)
