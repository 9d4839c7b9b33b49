"""A real OpenID Connect provider (the certified `oidc-provider` package, tests/oidc/provider.mjs)
run with Node on a loopback port; its packages are installed with
`npm ci` from the committed lock file when missing. Without Node the tests are skipped here,
and fail in CI (CI=true), as the browser tests do without Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from casework.config import OidcSettings
from casework.services import oidc_protocol

HERE = Path(__file__).resolve().parent
CALLBACK = "http://localhost/staff/sign-in/oidc/callback"
SIGNED_OUT = "http://localhost/staff/sign-in"
CLIENTS = [
    {"client_id": "casework", "client_secret": "casework-test-secret",
     "redirect_uris": [CALLBACK], "post_logout_redirect_uris": [SIGNED_OUT]},
    {"client_id": "other-app", "client_secret": "other-test-secret",
     "redirect_uris": [CALLBACK], "post_logout_redirect_uris": [SIGNED_OUT]},
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def _unavailable(message: str):
    if _in_ci():
        pytest.fail(f"single sign-on tests need Node in CI; {message}")
    pytest.skip(message)


@dataclass
class Provider:
    """The running provider: its issuer, and its people (set over loopback)."""

    issuer: str

    def person(self, account_id: str, email: str, *, verified: bool = True,
               groups: tuple[str, ...] = ()) -> None:
        requests.put(f"{self.issuer}/test-admin/accounts/{account_id}", timeout=5,
                     data=json.dumps({"email": email, "email_verified": verified,
                                      "groups": list(groups), "name": account_id}))

    def remove(self, account_id: str) -> None:
        requests.delete(f"{self.issuer}/test-admin/accounts/{account_id}", timeout=5)

    def settings(self, client: int = 0, **kwargs) -> OidcSettings:
        chosen = CLIENTS[client]
        return OidcSettings(issuer=self.issuer, client_id=chosen["client_id"],
                            client_secret=chosen["client_secret"], name="Test Provider",
                            scopes=("openid", "email", "profile", "groups"),
                            groups_claim="groups", **kwargs)


@contextmanager
def running_provider(port: int, clients: list[dict]) -> Iterator[Provider]:
    """The provider on 127.0.0.1:port with these clients, stopped (by its pid) afterwards."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None:
        _unavailable("node is not installed")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        if npm is None:
            _unavailable("npm is not installed")
        subprocess.run([npm, "ci", "--prefix", str(HERE), "--no-audit", "--no-fund"],
                       check=True, capture_output=True, timeout=600)
    process = subprocess.Popen([node, str(HERE / "provider.mjs"), str(port),
                                json.dumps(clients)], cwd=HERE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the test OpenID provider did not start")
            time.sleep(0.2)
    try:
        yield Provider(issuer)
    finally:
        process.terminate()
        process.wait(timeout=10)
        oidc_protocol._cache.pop(issuer, None)
