"""The outer keyring, held outside the database, and where it is stored."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

KEY_BYTES = 32
KEYRING_VERSION = 1
_KEY_ID_BYTES = 4


class KeyUnavailable(Exception):
    """A key could not be found, read or parsed; the message says which and where."""


class KeySourceReadOnly(Exception):
    """The key source cannot be written by the application; the operator must change it."""


def _new_key_id(taken: Mapping[str, bytes]) -> str:
    """Return a short random hex key id not already in `taken`."""
    while True:
        key_id = secrets.token_hex(_KEY_ID_BYTES)
        if key_id not in taken:
            return key_id


def _b64decode(text: object, what: str) -> bytes:
    """Decode standard base64 text, raising ValueError naming `what` if it is not."""
    if not isinstance(text, str):
        raise ValueError(f"{what} is not a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"{what} is not valid base64") from exc


@dataclass(frozen=True)
class Keyring:
    """The active outer key, older outer keys not yet retired, and the blind-index key."""

    active_id: str
    keys: Mapping[str, bytes] = field(repr=False)
    index_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        """Check key lengths and freeze the key mapping."""
        if self.active_id not in self.keys:
            raise ValueError(f"active key {self.active_id!r} is not in the keyring")
        for key_id, key in self.keys.items():
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} is not {KEY_BYTES} bytes")
        if not isinstance(self.index_key, bytes) or len(self.index_key) != KEY_BYTES:
            raise ValueError(f"index key is not {KEY_BYTES} bytes")
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    @classmethod
    def generate(cls) -> Keyring:
        """Return a new keyring with one fresh outer key and a fresh index key."""
        key_id = _new_key_id({})
        return cls(key_id, {key_id: secrets.token_bytes(KEY_BYTES)}, secrets.token_bytes(KEY_BYTES))

    def active(self) -> tuple[str, bytes]:
        """Return the id and bytes of the key new data keys are wrapped under."""
        return self.active_id, self.keys[self.active_id]

    def get(self, key_id: str) -> bytes:
        """Return the outer key with this id, or raise KeyUnavailable naming it."""
        try:
            return self.keys[key_id]
        except KeyError:
            raise KeyUnavailable(f"Casework outer key {key_id!r} is not in the keyring") from None

    def with_new_active(self) -> Keyring:
        """Return a keyring with a freshly generated active key, keeping the older keys."""
        key_id = _new_key_id(self.keys)
        keys = {**self.keys, key_id: secrets.token_bytes(KEY_BYTES)}
        return Keyring(key_id, keys, self.index_key)

    def retire(self, key_id: str) -> Keyring:
        """Return a keyring without this old key; only once nothing is wrapped under it."""
        if key_id == self.active_id:
            raise ValueError(f"cannot retire the active key {key_id!r}")
        self.get(key_id)
        keys = {k: v for k, v in self.keys.items() if k != key_id}
        return Keyring(self.active_id, keys, self.index_key)

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose (audit chain, account secrets), from the index key."""
        return hmac.new(self.index_key, f"casework:{purpose}".encode(), hashlib.sha256).digest()

    def to_json(self) -> str:
        """Serialise the keyring as the version-1 JSON document."""
        doc = {
            "version": KEYRING_VERSION,
            "active": self.active_id,
            "keys": {k: base64.b64encode(v).decode("ascii") for k, v in self.keys.items()},
            "index_key": base64.b64encode(self.index_key).decode("ascii"),
        }
        return json.dumps(doc, sort_keys=True, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Keyring:
        """Parse the version-1 JSON document; raise ValueError (without key material) if bad."""
        try:
            doc = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError("not valid JSON") from exc
        if not isinstance(doc, dict) or doc.get("version") != KEYRING_VERSION:
            raise ValueError(f"not a version {KEYRING_VERSION} keyring")
        raw_keys = doc.get("keys")
        if not isinstance(raw_keys, dict) or not isinstance(doc.get("active"), str):
            raise ValueError("missing 'active' or 'keys'")
        keys = {str(k): _b64decode(v, f"key {k!r}") for k, v in raw_keys.items()}
        return cls(doc["active"], keys, _b64decode(doc.get("index_key"), "index key"))


def read_private(path: Path, what: str) -> bytes:
    """A secret file's bytes, refused (KeyUnavailable) when its mode gives group or others
    any access: a key readable by every account on the machine protects nothing."""
    with open(path, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if mode & 0o077:
            raise KeyUnavailable(
                f"{what} {path} can be read or changed by other accounts on this machine "
                f"(mode {mode & 0o777:04o}); run `chmod 600 {path}` (as the account Casework "
                "runs as), then start again")
        return handle.read()


class KeySource(Protocol):
    """Somewhere the keyring lives outside the database (file, environment, later a KMS)."""

    def load(self) -> Keyring:
        """Return the keyring, or raise KeyUnavailable."""
        ...

    def save(self, keyring: Keyring) -> None:
        """Store the keyring durably, replacing the previous one."""
        ...

    def describe(self) -> str:
        """Say where the keyring lives, for messages."""
        ...


class FileKeySource:
    """A JSON keyring file with mode 0600, created on first load if allowed."""

    def __init__(self, path: str | os.PathLike[str], create: bool = True) -> None:
        """Remember the file path and whether a missing file may be created."""
        self.path = Path(path)
        self.create = create

    def describe(self) -> str:
        """Say where the keyring lives, for messages."""
        return f"key file {self.path}"

    def load(self) -> Keyring:
        """Read the keyring, creating it first if it is missing and creation is allowed; a
        file that group or others may read (or write) is refused, naming the fix."""
        try:
            text = read_private(self.path, "Casework key file")
        except FileNotFoundError:
            if not self.create:
                raise KeyUnavailable(f"Casework key file {self.path} is missing") from None
            return self._create()
        except OSError as exc:
            raise KeyUnavailable(
                f"Casework key file {self.path} is unreadable ({exc.strerror})"
            ) from None
        try:
            return Keyring.from_json(text)
        except ValueError as exc:
            raise KeyUnavailable(
                f"Casework key file {self.path} is not a valid key file ({exc})"
            ) from None

    def save(self, keyring: Keyring) -> None:
        """Replace the key file atomically with this keyring."""
        tmp = self._write_temp(keyring)
        try:
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise KeyUnavailable(
                f"Casework key file {self.path} could not be written ({exc.strerror})"
            ) from None
        self._sync_dir()

    def _create(self) -> Keyring:
        """Create a new key file without ever overwriting one another process just made."""
        keyring = Keyring.generate()
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self._write_temp(keyring)
        try:
            os.link(tmp, self.path)
        except FileExistsError:
            return self.load()
        except OSError as exc:
            raise KeyUnavailable(
                f"Casework key file {self.path} could not be created ({exc.strerror})"
            ) from None
        finally:
            tmp.unlink(missing_ok=True)
        self._sync_dir()
        return keyring

    def _write_temp(self, keyring: Keyring) -> Path:
        """Write the keyring to a new 0600 temp file beside the key file and fsync it."""
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise KeyUnavailable(
                f"Casework key file {self.path} could not be written ({exc.strerror})"
            ) from None
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, keyring.to_json().encode("ascii"))
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        return tmp

    def _sync_dir(self) -> None:
        """Flush the directory entry so a crash cannot lose the new file."""
        with contextlib.suppress(OSError):
            fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


class EnvKeySource:
    """The keyring JSON, base64-encoded as a whole, in an environment variable (read-only)."""

    def __init__(self, var: str = "CASEWORK_KEY", environ: Mapping[str, str] | None = None):
        """Remember the variable name and the environment to read (os.environ by default)."""
        self.var = var
        self.environ = os.environ if environ is None else environ

    def describe(self) -> str:
        """Say where the keyring lives, for messages."""
        return f"environment variable {self.var}"

    @staticmethod
    def encode(keyring: Keyring) -> str:
        """Return the value the operator should put in the environment variable."""
        return base64.b64encode(keyring.to_json().encode("ascii")).decode("ascii")

    def load(self) -> Keyring:
        """Decode and parse the keyring from the environment variable."""
        value = self.environ.get(self.var)
        if not value:
            raise KeyUnavailable(f"Casework key environment variable {self.var} is not set")
        try:
            return Keyring.from_json(_b64decode(value.strip(), self.var))
        except ValueError as exc:
            raise KeyUnavailable(
                f"Casework key environment variable {self.var} is not a valid key ({exc})"
            ) from None

    def save(self, keyring: Keyring) -> None:
        """Refuse: the application cannot change its own environment."""
        raise KeySourceReadOnly(
            f"Casework keys in environment variable {self.var} cannot be rotated by the "
            f"application: the operator must set {self.var} to the new keyring value "
            "(keeping older keys until every case key is rewrapped) and restart"
        )
