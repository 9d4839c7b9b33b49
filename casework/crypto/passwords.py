"""Staff passwords, stored as argon2id."""

from __future__ import annotations

from casework.crypto import argon

PASSWORD_HASHER = argon.make_hasher()


def configure_password_hashing(time_cost: int, memory_cost: int) -> None:
    """Replace the password argon2id parameters (memory in KiB); tests use this for speed."""
    global PASSWORD_HASHER
    PASSWORD_HASHER = argon.make_hasher(time_cost=time_cost, memory_cost=memory_cost)


def hash_password(password: str) -> str:
    """Return the argon2id hash (random salt included) of a password."""
    if not password:
        raise ValueError("password must not be empty")
    return PASSWORD_HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Check a password; for an unknown user (None) do the same work and return False."""
    return argon.verify_or_dummy(PASSWORD_HASHER, stored, password)


def needs_rehash(stored: str) -> bool:
    """Say whether a stored hash should be replaced at next login (parameters changed)."""
    return argon.needs_rehash_with(PASSWORD_HASHER, stored)
