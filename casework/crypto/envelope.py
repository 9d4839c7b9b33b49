"""Envelope encryption: per-case data keys wrapped by a wrapping key (the key-encryption key,
see casework.crypto.hierarchy; before migration 0017 the outer key), records under data keys."""

from __future__ import annotations

import json
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.crypto.keys import KEY_BYTES, Keyring

FORMAT_VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
_VERSION_BYTE = bytes([FORMAT_VERSION])


class DamagedRecord(Exception):
    """Ciphertext failed authentication: wrong key, moved to another place, or altered."""


def _aad(**fields: object) -> bytes:
    """Encode associated data canonically (sorted-key compact JSON) so it is unambiguous."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _check_context(case_id: int, label: str, value: str) -> None:
    """Reject a case id that is not an int and an empty kind or purpose."""
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise TypeError(f"case_id must be an int, not {type(case_id).__name__}")
    if not isinstance(value, str) or not value:
        raise ValueError(f"{label} must be a non-empty string")


def _aead(key: bytes) -> AESGCM:
    """Return AES-256-GCM for a 32-byte key."""
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError(f"key must be {KEY_BYTES} bytes")
    return AESGCM(key)


def new_data_key() -> bytes:
    """Return a fresh random 32-byte data key."""
    return secrets.token_bytes(KEY_BYTES)


@lru_cache(maxsize=64)
def _wrap_aad_tail(purpose: str) -> str:
    return f',"purpose":{json.dumps(purpose)},"use":"wrap","v":{FORMAT_VERSION}}}'


def _wrap_aad(case_id: int, purpose: str) -> bytes:
    """The associated data of a wrapped data key: exactly `_aad(use="wrap", v=..., case=...,
    purpose=...)`, written out (a bulk re-key builds hundreds of thousands of them)."""
    return f'{{"case":{int(case_id)}{_wrap_aad_tail(purpose)}'.encode()


def rewrap_many(rows, open_key, new_key: bytes) -> list[bytes]:
    """Rewrap many data keys under `new_key`: rows are (case_id, purpose, key_id, wrapped),
    `open_key(key_id)` gives the key each is wrapped under now. One AES-GCM object per key;
    DamagedRecord names the first that fails."""
    ciphers: dict[str, AESGCM] = {}
    sealer, out = _aead(new_key), []
    for case_id, purpose, key_id, wrapped in rows:
        if key_id not in ciphers:
            ciphers[key_id] = _aead(open_key(key_id))
        aad, wrapped = _wrap_aad(case_id, purpose), bytes(wrapped)
        try:
            if len(wrapped) != NONCE_BYTES + KEY_BYTES + TAG_BYTES:
                raise InvalidTag
            data_key = ciphers[key_id].decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad)
        except InvalidTag:
            raise DamagedRecord(
                f"wrapped {purpose} key of case {case_id} failed authentication") from None
        nonce = secrets.token_bytes(NONCE_BYTES)
        out.append(nonce + sealer.encrypt(nonce, data_key, aad))
    return out


def wrap_under(key: bytes, data_key: bytes, *, case_id: int, purpose: str) -> bytes:
    """Encrypt a data key under a wrapping key (an outer key or a key-encryption key); the
    result is nonce||ciphertext, bound to the case and the key's purpose."""
    _check_context(case_id, "purpose", purpose)
    if len(data_key) != KEY_BYTES:
        raise ValueError(f"data key must be {KEY_BYTES} bytes")
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + _aead(key).encrypt(nonce, data_key, _wrap_aad(case_id, purpose))


def unwrap_under(key: bytes, wrapped: bytes, *, case_id: int, purpose: str) -> bytes:
    """Decrypt a data key wrapped by `wrap_under`; DamagedRecord if it fails."""
    _check_context(case_id, "purpose", purpose)
    aad = _wrap_aad(case_id, purpose)
    wrapped = bytes(wrapped)
    try:
        nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
        if len(nonce) != NONCE_BYTES or len(body) != KEY_BYTES + TAG_BYTES:
            raise InvalidTag
        return _aead(key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise DamagedRecord(
            f"wrapped {purpose} key of case {case_id} failed authentication"
        ) from None


def wrap_key(keyring: Keyring, data_key: bytes, *, case_id: int, purpose: str) -> tuple[str, bytes]:
    """Encrypt a data key under the active outer key; return (outer key id, nonce||ciphertext)."""
    key_id, outer = keyring.active()
    return key_id, wrap_under(outer, data_key, case_id=case_id, purpose=purpose)


def unwrap_key(
    keyring: Keyring, key_id: str, wrapped: bytes, *, case_id: int, purpose: str
) -> bytes:
    """Decrypt a wrapped data key; DamagedRecord if it fails, KeyUnavailable if key id unknown."""
    _check_context(case_id, "purpose", purpose)
    return unwrap_under(keyring.get(key_id), wrapped, case_id=case_id, purpose=purpose)


def _record_aad(case_id: int, kind: str, record_id: int | str) -> bytes:
    """Associated data binding a blob to its case, kind and record id (5 and "5" are one id)."""
    _check_context(case_id, "kind", kind)
    return _aad(use="record", v=FORMAT_VERSION, case=case_id, kind=kind, record=str(record_id))


def encrypt(
    data_key: bytes, plaintext: bytes | str, *, case_id: int, kind: str, record_id: int | str
) -> bytes:
    """Encrypt a record; returns version byte || 12-byte nonce || ciphertext+tag."""
    data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
    aad = _record_aad(case_id, kind, record_id)
    nonce = secrets.token_bytes(NONCE_BYTES)
    return _VERSION_BYTE + nonce + _aead(data_key).encrypt(nonce, data, aad)


def decrypt(
    data_key: bytes, blob: bytes, *, case_id: int, kind: str, record_id: int | str
) -> bytes:
    """Decrypt a record blob; DamagedRecord if it is not exactly what was encrypted here."""
    aad = _record_aad(case_id, kind, record_id)
    where = f"{kind} {record_id} of case {case_id}"
    blob = bytes(blob)
    if len(blob) < 1 + NONCE_BYTES + TAG_BYTES or blob[:1] != _VERSION_BYTE:
        raise DamagedRecord(f"{where} is truncated or has an unknown format")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return _aead(data_key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise DamagedRecord(f"{where} failed authentication") from None


def decrypt_text(
    data_key: bytes, blob: bytes, *, case_id: int, kind: str, record_id: int | str
) -> str:
    """Decrypt a record blob holding UTF-8 text."""
    return decrypt(data_key, blob, case_id=case_id, kind=kind, record_id=record_id).decode("utf-8")
