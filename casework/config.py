"""Settings from the environment (README.md, "Configuration"), with safe defaults."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from casework.crypto.keys import read_private

QUICK_EXIT_DEFAULT = "https://www.bbc.co.uk/weather"


def quick_exit(url: str) -> str:
    """The quick-exit address: an absolute http(s) address, else the default."""
    url = url.strip()
    return url if url.startswith(("https://", "http://")) and " " not in url \
        and '"' not in url else QUICK_EXIT_DEFAULT


@dataclass(frozen=True)
class Settings:
    """Everything Casework reads from its environment."""

    instance_dir: Path
    database_url: str
    key_file: Path
    key_env: str | None
    secret_key: str
    policy: str
    secure_cookies: bool
    proxy_hops: int = 0
    testing: bool = False
    #: Where "Leave this site quickly" goes on every reporter page: a neutral site.
    quick_exit_url: str = QUICK_EXIT_DEFAULT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Read settings; anything in overrides wins (tests use this)."""
        env = os.environ if env is None else env
        instance = Path(env.get("CASEWORK_INSTANCE_DIR", "instance")).resolve()
        settings = cls(
            instance_dir=instance,
            database_url=(env.get("CASEWORK_DATABASE_URL")
                          or f"sqlite:///{instance / 'casework.db'}"),
            key_file=Path(env.get("CASEWORK_KEY_FILE") or instance / "casework.key"),
            key_env=env.get("CASEWORK_KEY") or None,
            secret_key=env.get("CASEWORK_SECRET_KEY", ""),
            policy=env.get("CASEWORK_POLICY", "uk-council"),
            secure_cookies=env.get("CASEWORK_SECURE_COOKIES", "0") == "1",
            proxy_hops=int(env.get("CASEWORK_PROXY_HOPS", "0") or 0),
            quick_exit_url=quick_exit(env.get("CASEWORK_QUICK_EXIT_URL", "")),
        )
        return replace(settings, **overrides)

    def ensure_secret_key(self) -> Settings:
        """Without CASEWORK_SECRET_KEY, keep a generated one in the instance folder (mode 0600)."""
        if self.secret_key:
            return self
        path = self.instance_dir / "secret_key"
        if not path.exists():
            self.instance_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        secret = read_private(path, "Casework secret key file").decode().strip()
        return replace(self, secret_key=secret)
