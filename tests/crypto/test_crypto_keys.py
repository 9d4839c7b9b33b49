"""Outer keyring: generation, rotation, file and environment sources."""

import base64
import json
import os
import stat

import pytest

from casework.crypto import (
    EnvKeySource,
    FileKeySource,
    Keyring,
    KeySourceReadOnly,
    KeyUnavailable,
)


@pytest.fixture
def loose_umask():
    """Run with umask 0 so only the code itself can keep the key file private."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_generated_keyring_shape():
    keyring = Keyring.generate()
    key_id, key = keyring.active()
    assert key_id == keyring.active_id and len(key) == 32
    assert len(keyring.index_key) == 32 and keyring.index_key != key
    assert len(key_id) == 8 and int(key_id, 16) >= 0


def test_key_ids_unique():
    keyring = Keyring.generate()
    for _ in range(50):
        keyring = keyring.with_new_active()
    assert len(keyring.keys) == 51


def test_with_new_active_keeps_old_and_index_key():
    old = Keyring.generate()
    new = old.with_new_active()
    assert new.get(old.active_id) == old.active()[1]
    assert new.active()[1] != old.active()[1]
    assert new.index_key == old.index_key


def test_get_unknown_names_key():
    with pytest.raises(KeyUnavailable, match="deadbeef"):
        Keyring.generate().get("deadbeef")


def test_retire_drops_old_key_but_not_active():
    old = Keyring.generate()
    new = old.with_new_active().retire(old.active_id)
    assert list(new.keys) == [new.active_id]
    with pytest.raises(ValueError):
        new.retire(new.active_id)


def test_keyring_is_immutable_and_repr_hides_keys():
    keyring = Keyring.generate()
    with pytest.raises(TypeError):
        keyring.keys["x"] = bytes(32)
    text = repr(keyring)
    assert keyring.active_id in text
    for secret in [*keyring.keys.values(), keyring.index_key]:
        assert base64.b64encode(secret).decode() not in text
        assert repr(secret) not in text


def test_json_round_trip():
    keyring = Keyring.generate().with_new_active()
    assert Keyring.from_json(keyring.to_json()) == keyring
    assert json.loads(keyring.to_json())["version"] == 1


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(version=2),
        lambda d: d.update(active="nope"),
        lambda d: d.update(index_key=base64.b64encode(bytes(16)).decode()),
        lambda d: d["keys"].update({d["active"]: base64.b64encode(bytes(31)).decode()}),
        lambda d: d.update(index_key="not base64!"),
    ],
)
def test_from_json_rejects_bad_documents(mutate):
    doc = json.loads(Keyring.generate().to_json())
    mutate(doc)
    with pytest.raises(ValueError):
        Keyring.from_json(json.dumps(doc))


def test_file_created_0600_and_reused(tmp_path, loose_umask):
    path = tmp_path / "casework.key"
    first = FileKeySource(path).load()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert FileKeySource(path).load() == first
    assert FileKeySource(path, create=False).load() == first
    assert [p.name for p in tmp_path.iterdir()] == ["casework.key"]


def test_file_save_rotation_persists_and_stays_0600(tmp_path, loose_umask):
    source = FileKeySource(tmp_path / "casework.key")
    rotated = source.load().with_new_active()
    source.save(rotated)
    assert source.load() == rotated
    assert stat.S_IMODE(source.path.stat().st_mode) == 0o600
    assert len(list(tmp_path.iterdir())) == 1


def test_missing_file_without_create(tmp_path):
    path = tmp_path / "casework.key"
    with pytest.raises(KeyUnavailable, match="missing") as info:
        FileKeySource(path, create=False).load()
    assert str(path) in str(info.value)
    assert not path.exists()


@pytest.mark.parametrize(
    "content",
    [b"not json", b"{}", b'{"version": 1, "active": "a", "keys": {"a": "AAAA"}, "index_key": ""}'],
)
def test_corrupt_file_names_path(tmp_path, content):
    path = tmp_path / "casework.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(KeyUnavailable, match="not a valid key file") as info:
        FileKeySource(path).load()
    assert str(path) in str(info.value)
    assert path.read_bytes() == content


def test_unreadable_file_names_path(tmp_path):
    path = tmp_path / "casework.key"
    path.mkdir()
    with pytest.raises(KeyUnavailable, match="unreadable") as info:
        FileKeySource(path).load()
    assert str(path) in str(info.value)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o602])
def test_a_key_file_others_may_read_is_refused_naming_the_file_and_the_fix(tmp_path, mode):
    path = tmp_path / "casework.key"
    good = FileKeySource(path).load()
    path.chmod(mode)
    with pytest.raises(KeyUnavailable) as info:
        FileKeySource(path).load()
    message = str(info.value)
    assert str(path) in message and f"chmod 600 {path}" in message
    assert f"{mode:04o}" in message
    path.chmod(0o600)
    assert FileKeySource(path).load() == good


def test_describe_says_where():
    assert "/etc/casework.key" in FileKeySource("/etc/casework.key").describe()
    assert "CASEWORK_KEY" in EnvKeySource().describe()


def test_env_source_round_trip(monkeypatch):
    keyring = Keyring.generate().with_new_active()
    monkeypatch.setenv("CASEWORK_KEY", EnvKeySource.encode(keyring))
    assert EnvKeySource().load() == keyring


def test_env_source_custom_var_and_mapping():
    keyring = Keyring.generate()
    source = EnvKeySource("MY_KEY", environ={"MY_KEY": EnvKeySource.encode(keyring)})
    assert source.load() == keyring


def test_env_source_missing_or_bad(monkeypatch):
    monkeypatch.delenv("CASEWORK_KEY", raising=False)
    with pytest.raises(KeyUnavailable, match="CASEWORK_KEY is not set"):
        EnvKeySource().load()
    monkeypatch.setenv("CASEWORK_KEY", base64.b64encode(b"{nope").decode())
    with pytest.raises(KeyUnavailable, match="CASEWORK_KEY"):
        EnvKeySource().load()
    monkeypatch.setenv("CASEWORK_KEY", "***")
    with pytest.raises(KeyUnavailable, match="CASEWORK_KEY"):
        EnvKeySource().load()


def test_env_source_save_explains_operator_rotation():
    with pytest.raises(KeySourceReadOnly, match="operator"):
        EnvKeySource().save(Keyring.generate())


def test_first_load_never_overwrites_a_key_file_made_concurrently(tmp_path, monkeypatch):
    path = tmp_path / "casework.key"
    winner = Keyring.generate()
    real_generate = Keyring.generate.__func__

    def generate_after_other_process_won(cls):
        FileKeySource(path).save(winner)
        return real_generate(cls)

    monkeypatch.setattr(Keyring, "generate", classmethod(generate_after_other_process_won))
    assert FileKeySource(path).load() == winner
    assert Keyring.from_json(path.read_text()) == winner
    assert len(list(tmp_path.iterdir())) == 1
