"""Blind indexes are deterministic per key and domain and reveal nothing readable."""

import secrets

import pytest

from casework.crypto import blind_index

KEY = secrets.token_bytes(32)


def test_deterministic_hex_digest():
    first = blind_index(KEY, "person-17")
    assert first == blind_index(KEY, "person-17")
    assert len(first) == 64
    int(first, 16)


def test_differs_by_value_key_and_domain():
    base = blind_index(KEY, 17)
    assert blind_index(KEY, 18) != base
    assert blind_index(secrets.token_bytes(32), 17) != base
    assert blind_index(KEY, 17, domain="email") != base


def test_int_and_str_value_agree():
    assert blind_index(KEY, 17) == blind_index(KEY, "17")


def test_domain_and_value_cannot_be_shifted_into_each_other():
    assert blind_index(KEY, "b", domain="a") != blind_index(KEY, "", domain="ab")


def test_value_does_not_appear():
    assert "alice" not in blind_index(KEY, "alice")


def test_short_key_is_refused():
    with pytest.raises(ValueError):
        blind_index(b"short", "x")
