"""Staff passwords: argon2id, equal work for unknown users, rehash on parameter change."""

import pytest
from argon2 import PasswordHasher

from casework.crypto import (
    configure_password_hashing,
    hash_password,
    needs_rehash,
    passwords,
    verify_password,
)


@pytest.fixture(autouse=True, scope="module")
def fast_kdf():
    """Use cheap argon2id parameters in these tests, restoring production ones after."""
    production = passwords.PASSWORD_HASHER
    configure_password_hashing(time_cost=1, memory_cost=8)
    yield
    passwords.PASSWORD_HASHER = production


def test_round_trip_and_mismatch():
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "correct horse battery stapler")


def test_empty_password_refused():
    with pytest.raises(ValueError):
        hash_password("")


def test_unknown_user_does_the_same_work(monkeypatch):
    calls = []
    real_verify = PasswordHasher.verify

    def counting_verify(self, stored, secret):
        calls.append(stored)
        return real_verify(self, stored, secret)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    assert verify_password(None, "anything") is False
    assert len(calls) == 1


def test_needs_rehash_after_parameters_change():
    stored = hash_password("pw")
    assert not needs_rehash(stored)
    configure_password_hashing(time_cost=2, memory_cost=8)
    try:
        assert needs_rehash(stored)
        assert verify_password(stored, "pw")
    finally:
        configure_password_hashing(time_cost=1, memory_cost=8)
    assert needs_rehash("not a hash")
