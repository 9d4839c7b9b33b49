"""Blind indexes: look up "person X is implicated" without storing who X is."""

from __future__ import annotations

import hashlib
import hmac

MIN_INDEX_KEY_BYTES = 32


def blind_index(index_key: bytes, value: str | int, *, domain: str = "person") -> str:
    """Return the hex HMAC-SHA256 of a length-prefixed domain and the value (64 chars)."""
    if len(index_key) < MIN_INDEX_KEY_BYTES:
        raise ValueError(f"index key must be at least {MIN_INDEX_KEY_BYTES} bytes")
    if not domain:
        raise ValueError("domain must be a non-empty string")
    tag = domain.encode("utf-8")
    message = len(tag).to_bytes(4, "big") + tag + str(value).encode("utf-8")
    return hmac.new(index_key, message, hashlib.sha256).hexdigest()
