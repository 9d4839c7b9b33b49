"""Envelope encryption: round trips, binding to place, tampering and outer-key rotation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.crypto import (
    DamagedRecord,
    Keyring,
    KeyUnavailable,
    decrypt,
    decrypt_text,
    encrypt,
    new_data_key,
    unwrap_key,
    wrap_key,
)

PLACE = {"case_id": 7, "kind": "note", "record_id": 42}
DATA_KEY = new_data_key()


def test_data_keys_are_32_random_bytes():
    keys = {new_data_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(k) == 32 for k in keys)


def test_text_round_trip():
    blob = encrypt(DATA_KEY, "Manager shouted at me on 3 May", **PLACE)
    assert decrypt_text(DATA_KEY, blob, **PLACE) == "Manager shouted at me on 3 May"


@given(st.binary(max_size=2048))
def test_bytes_round_trip(data):
    blob = encrypt(DATA_KEY, data, **PLACE)
    assert decrypt(DATA_KEY, blob, **PLACE) == data


def test_blob_format_and_fresh_nonce():
    first = encrypt(DATA_KEY, b"same", **PLACE)
    second = encrypt(DATA_KEY, b"same", **PLACE)
    assert first[0] == 1
    assert len(first) == 1 + 12 + len(b"same") + 16
    assert first[1:13] != second[1:13]
    assert b"same" not in first


def test_record_id_int_and_str_are_the_same_record():
    blob = encrypt(DATA_KEY, b"x", case_id=1, kind="note", record_id=5)
    assert decrypt(DATA_KEY, blob, case_id=1, kind="note", record_id="5") == b"x"


@pytest.mark.parametrize(
    "moved",
    [
        {"case_id": 8},
        {"kind": "message"},
        {"record_id": 43},
        {"record_id": "42x"},
    ],
)
def test_blob_moved_elsewhere_is_damaged(moved):
    blob = encrypt(DATA_KEY, b"secret", **PLACE)
    with pytest.raises(DamagedRecord):
        decrypt(DATA_KEY, blob, **{**PLACE, **moved})


def test_aad_is_unambiguous_between_kind_and_record_id():
    blob = encrypt(DATA_KEY, b"x", case_id=1, kind="note1", record_id=2)
    with pytest.raises(DamagedRecord):
        decrypt(DATA_KEY, blob, case_id=1, kind="note", record_id=12)


def test_wrong_data_key_is_damaged():
    blob = encrypt(DATA_KEY, b"secret", **PLACE)
    with pytest.raises(DamagedRecord):
        decrypt(new_data_key(), blob, **PLACE)


@pytest.mark.parametrize("position", [0, 1, 12, 13, -1])
def test_any_flipped_byte_is_damaged(position):
    blob = bytearray(encrypt(DATA_KEY, b"secret text", **PLACE))
    blob[position] ^= 0x01
    with pytest.raises(DamagedRecord):
        decrypt(DATA_KEY, bytes(blob), **PLACE)


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x01" + bytes(27)])
def test_truncated_blob_is_damaged(blob):
    with pytest.raises(DamagedRecord):
        decrypt(DATA_KEY, blob, **PLACE)


def test_damaged_message_names_place_not_content():
    blob = encrypt(DATA_KEY, b"very private", **PLACE)
    with pytest.raises(DamagedRecord) as info:
        decrypt(DATA_KEY, blob, **{**PLACE, "record_id": 99})
    assert "99" in str(info.value) and "private" not in str(info.value)


def test_wrap_unwrap_round_trip():
    keyring = Keyring.generate()
    key_id, wrapped = wrap_key(keyring, DATA_KEY, case_id=3, purpose="content")
    assert key_id == keyring.active_id
    assert DATA_KEY not in wrapped
    assert unwrap_key(keyring, key_id, wrapped, case_id=3, purpose="content") == DATA_KEY


@pytest.mark.parametrize("moved", [{"case_id": 4}, {"purpose": "identity"}])
def test_wrapped_key_bound_to_case_and_purpose(moved):
    keyring = Keyring.generate()
    key_id, wrapped = wrap_key(keyring, DATA_KEY, case_id=3, purpose="content")
    with pytest.raises(DamagedRecord):
        unwrap_key(keyring, key_id, wrapped, **{"case_id": 3, "purpose": "content", **moved})


def test_tampered_wrapped_key_is_damaged():
    keyring = Keyring.generate()
    key_id, wrapped = wrap_key(keyring, DATA_KEY, case_id=3, purpose="content")
    tampered = wrapped[:-1] + bytes([wrapped[-1] ^ 1])
    with pytest.raises(DamagedRecord):
        unwrap_key(keyring, key_id, tampered, case_id=3, purpose="content")


def test_wrapped_key_under_other_keyring_is_damaged():
    key_id, wrapped = wrap_key(Keyring.generate(), DATA_KEY, case_id=3, purpose="content")
    other = Keyring.generate()
    with pytest.raises(KeyUnavailable):
        unwrap_key(other, key_id, wrapped, case_id=3, purpose="content")
    with pytest.raises(DamagedRecord):
        unwrap_key(other, other.active_id, wrapped, case_id=3, purpose="content")


def test_rotation_keeps_old_wraps_readable_and_rewraps_under_new_key():
    old = Keyring.generate()
    old_id, old_wrapped = wrap_key(old, DATA_KEY, case_id=9, purpose="identity")
    rotated = old.with_new_active()
    assert rotated.active_id != old_id
    data_key = unwrap_key(rotated, old_id, old_wrapped, case_id=9, purpose="identity")
    new_id, new_wrapped = wrap_key(rotated, data_key, case_id=9, purpose="identity")
    assert new_id == rotated.active_id
    retired = rotated.retire(old_id)
    assert unwrap_key(retired, new_id, new_wrapped, case_id=9, purpose="identity") == DATA_KEY
    with pytest.raises(KeyUnavailable, match=old_id):
        unwrap_key(retired, old_id, old_wrapped, case_id=9, purpose="identity")


def test_record_blob_survives_outer_key_rotation():
    keyring = Keyring.generate()
    key_id, wrapped = wrap_key(keyring, DATA_KEY, case_id=2, purpose="content")
    blob = encrypt(DATA_KEY, "note", case_id=2, kind="note", record_id=1)
    rotated = keyring.with_new_active()
    data_key = unwrap_key(rotated, key_id, wrapped, case_id=2, purpose="content")
    assert decrypt_text(data_key, blob, case_id=2, kind="note", record_id=1) == "note"


@pytest.mark.parametrize("case_id, purpose", [(1, "content"), (987654321, "identity"),
                                              (3, 'odd "purpose" é')])
def test_the_written_out_wrap_aad_is_the_canonical_one(case_id, purpose):
    """Keys wrapped before the fast form must still open: the bytes are the same."""
    from casework.crypto.envelope import FORMAT_VERSION, _aad, _wrap_aad

    assert _wrap_aad(case_id, purpose) == _aad(use="wrap", v=FORMAT_VERSION, case=case_id,
                                               purpose=purpose)


def test_rewrap_many_moves_keys_to_a_new_wrapping_key_and_names_a_damaged_one():
    from casework.crypto.envelope import rewrap_many, unwrap_under, wrap_under

    old, new = new_data_key(), new_data_key()
    rows = [(n, "content", "old", wrap_under(old, DATA_KEY, case_id=n, purpose="content"))
            for n in (1, 2)]
    moved = rewrap_many(rows, {"old": old}.__getitem__, new)
    assert [unwrap_under(new, w, case_id=n, purpose="content")
            for (n, *_), w in zip(rows, moved, strict=True)] == [DATA_KEY, DATA_KEY]
    with pytest.raises(DamagedRecord, match="case 2"):
        rewrap_many([rows[0], (2, "identity", "old", rows[1][3])], {"old": old}.__getitem__, new)
