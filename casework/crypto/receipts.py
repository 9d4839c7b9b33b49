"""Reporter receipts: short secrets a frightened person can write down, stored as argon2id."""

from __future__ import annotations

import math
import secrets

from casework.crypto import argon

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 20
GROUP_SIZE = 4
RECEIPT_BITS = int(RECEIPT_LENGTH * math.log2(len(ALPHABET)))

_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = str.maketrans("", "", " -\t\r\n")

RECEIPT_HASHER = argon.make_hasher()


def configure_receipt_hashing(time_cost: int, memory_cost: int) -> None:
    """Replace the receipt argon2id parameters (memory in KiB); tests use this for speed."""
    global RECEIPT_HASHER
    RECEIPT_HASHER = argon.make_hasher(time_cost=time_cost, memory_cost=memory_cost)


def new_receipt() -> str:
    """Return a fresh receipt: 20 random Crockford base32 characters in hyphenated groups of 4."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(chars[i : i + GROUP_SIZE] for i in range(0, RECEIPT_LENGTH, GROUP_SIZE))


def normalise_receipt(text: str) -> str:
    """Uppercase, drop spaces and hyphens, and map O→0, I/L→1, U→V as a hand copy might differ."""
    return text.upper().translate(_SEPARATORS).translate(_CONFUSABLE)


def is_well_formed(text: str) -> bool:
    """Say whether text normalises to a receipt of the right length and alphabet."""
    receipt = normalise_receipt(text)
    return len(receipt) == RECEIPT_LENGTH and all(c in ALPHABET for c in receipt)


def hash_receipt(receipt: str) -> str:
    """Return the argon2id hash (random salt included) of a normalised receipt."""
    if not is_well_formed(receipt):
        raise ValueError("not a well-formed receipt")
    return RECEIPT_HASHER.hash(normalise_receipt(receipt))


def verify_receipt(stored_hash: str | None, receipt: str) -> bool:
    """Check a receipt; for an unknown reference (None) do the same work and return False."""
    return argon.verify_or_dummy(RECEIPT_HASHER, stored_hash, normalise_receipt(receipt))
