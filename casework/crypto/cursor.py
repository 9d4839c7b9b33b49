"""Opaque list cursors: a few values sealed with AES-256-GCM under a derived key, bound to the
list they came from (associated data), written in URL-safe base64.

A cursor carries the sort key of the last row a list showed (which can include dates the
case's clocks set and the case's internal id): sealed, a holder learns nothing from it, and an
altered or foreign cursor fails to open instead of starting the list somewhere chosen.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
#: Longer than any cursor this module writes; longer input is refused before decoding.
MAX_CHARS = 400


def seal_cursor(key: bytes, payload: bytes, bound_to: bytes) -> str:
    """The payload sealed under key, bound to `bound_to`, as URL-safe text without padding."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = nonce + AESGCM(key).encrypt(nonce, payload, bound_to)
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def open_cursor(key: bytes, text: str, bound_to: bytes) -> bytes | None:
    """The payload of a cursor seal_cursor wrote with this key and binding; None for anything
    else (malformed, altered, from another list or another installation)."""
    if not isinstance(text, str) or not text or len(text) > MAX_CHARS or not text.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) <= NONCE_BYTES + 16:
        return None
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], bound_to)
    except InvalidTag:
        return None
