"""Reporter receipts: entropy, legibility, normalisation and argon2id storage."""

import math
import re

import pytest
from argon2 import PasswordHasher
from hypothesis import given
from hypothesis import strategies as st

from casework.crypto import (
    RECEIPT_BITS,
    configure_receipt_hashing,
    hash_receipt,
    new_receipt,
    normalise_receipt,
    receipts,
    verify_receipt,
)

RECEIPT_FORMAT = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")


@pytest.fixture(autouse=True, scope="module")
def fast_kdf():
    """Use cheap argon2id parameters in these tests, restoring production ones after."""
    production = receipts.RECEIPT_HASHER
    configure_receipt_hashing(time_cost=1, memory_cost=8)
    yield
    receipts.RECEIPT_HASHER = production


def test_production_parameters_are_interactive_strength():
    assert receipts.argon.INTERACTIVE_TIME_COST >= 2
    assert receipts.argon.INTERACTIVE_MEMORY_KIB >= 64 * 1024


def test_alphabet_is_unambiguous_base32():
    assert len(set(receipts.ALPHABET)) == len(receipts.ALPHABET) == 32
    assert not set("ILOU") & set(receipts.ALPHABET)


def test_entropy_at_least_80_bits():
    random_chars = len(normalise_receipt(new_receipt()))
    bits = random_chars * math.log2(len(receipts.ALPHABET))
    assert bits >= 80
    assert RECEIPT_BITS == int(bits) == 100


def test_format_is_five_groups_of_four():
    receipt = new_receipt()
    assert RECEIPT_FORMAT.match(receipt), receipt
    assert set(receipt.replace("-", "")) <= set(receipts.ALPHABET)


def test_receipts_unique_and_use_whole_alphabet():
    batch = [new_receipt() for _ in range(10_000)]
    assert len(set(batch)) == len(batch)
    assert set("".join(batch).replace("-", "")) == set(receipts.ALPHABET)


def test_normalise_handles_hand_copying():
    receipt = "7K30-M91X-AB1V-0000-ZZZZ"
    canonical = "7K30M91XAB1V0000ZZZZ"
    assert normalise_receipt(receipt) == canonical
    assert normalise_receipt("7k3o m9ix ab1u oooo zzzz") == canonical
    assert normalise_receipt(" 7K3O-M9LX-ABIV-OoO0-zzzz\n") == canonical


@given(st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyz -"))
def test_normalise_is_idempotent(text):
    once = normalise_receipt(text)
    assert normalise_receipt(once) == once
    assert not set("ILOU -") & set(once)


def test_verify_accepts_hand_copied_receipt():
    receipt = "7K30-M91X-AB1V-0000-ZZZZ"
    stored = hash_receipt(receipt)
    assert verify_receipt(stored, receipt)
    assert verify_receipt(stored, "7k3o m9ix ab1u oooo zzzz")
    assert not verify_receipt(stored, "7K30-M91X-AB1V-0000-ZZZY")


def test_hash_is_salted_argon2id_without_the_receipt():
    receipt = new_receipt()
    first, second = hash_receipt(receipt), hash_receipt(receipt)
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_receipt(first, receipt) and verify_receipt(second, receipt)
    for text in (receipt, normalise_receipt(receipt)):
        assert text not in first
        assert text.lower() not in first.lower()


def test_malformed_receipt_is_not_hashed():
    with pytest.raises(ValueError):
        hash_receipt("too-short")


def test_unknown_reference_is_false_after_equal_work(monkeypatch):
    calls = []
    real_verify = PasswordHasher.verify

    def counting_verify(self, stored, secret):
        calls.append(stored)
        return real_verify(self, stored, secret)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    receipt = new_receipt()
    assert verify_receipt(None, receipt) is False
    assert len(calls) == 1 and calls[0].startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert verify_receipt(hash_receipt(receipt), receipt) is True
    assert len(calls) == 2


@pytest.mark.parametrize("stored", ["", "garbage", "$argon2id$v=19$m=8,t=1,p=1$broken"])
def test_corrupt_stored_hash_is_false_not_an_error(stored):
    assert verify_receipt(stored, new_receipt()) is False
