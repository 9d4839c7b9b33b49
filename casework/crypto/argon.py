"""Argon2id hashing shared by receipts and passwords, with equal-work checks for unknowns."""

from __future__ import annotations

import contextlib
import secrets
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

INTERACTIVE_TIME_COST = 3
INTERACTIVE_MEMORY_KIB = 64 * 1024
INTERACTIVE_PARALLELISM = 1


def make_hasher(
    time_cost: int = INTERACTIVE_TIME_COST,
    memory_cost: int = INTERACTIVE_MEMORY_KIB,
    parallelism: int = INTERACTIVE_PARALLELISM,
) -> PasswordHasher:
    """Return an argon2id hasher (random 16-byte salt per hash, 32-byte output)."""
    return PasswordHasher(
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


@lru_cache(maxsize=8)
def dummy_hash(hasher: PasswordHasher) -> str:
    """Return a hash of an unguessable secret, made once per hasher, to verify unknowns against."""
    return hasher.hash(secrets.token_urlsafe(32))


def verify_or_dummy(hasher: PasswordHasher, stored: str | None, secret: str) -> bool:
    """Check a secret against a stored hash; with none (or a corrupt one) do equal work, False."""
    if stored is not None:
        try:
            return hasher.verify(stored, secret)
        except VerificationError:
            return False
        except InvalidHashError:
            pass
    with contextlib.suppress(VerificationError):
        hasher.verify(dummy_hash(hasher), secret)
    return False


def needs_rehash_with(hasher: PasswordHasher, stored: str) -> bool:
    """Say whether a stored hash uses other parameters than the hasher (corrupt counts as yes)."""
    try:
        return hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True
