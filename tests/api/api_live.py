"""A live Casework server for the fuzz test and the API bench: a scratch database (SQLite file,
or a PostgreSQL database created and dropped here), migrated and seeded through the services,
served by gunicorn in a subprocess."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyotp

from casework.config import Settings
from casework.db import make_engine
from casework.migrate import upgrade
from casework.runtime import build_runtime
from casework.services.accounts import NewUser, create_user
from casework.services.context import Context
from casework.services.reports import NewReport, ReporterInput, lodge_report
from casework.services.transitions import fire_transition

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PASSWORD = "correct horse battery staple"
SECRET_KEY = "live-server-secret"


@dataclass
class Seeded:
    """What the seed made: a staff account (all roles) and cases with their receipts."""

    email: str
    totp_secret: str
    user_id: int
    cases: list[tuple[str, str]] = field(default_factory=list)  # (reference, receipt)
    #: Values the server accepts that no schema can list (pack keys), for fuzz dictionaries.
    known: dict[str, list] = field(default_factory=dict)


def settings_for(database_url: str, instance: Path, env: dict | None = None) -> Settings:
    """The settings the server subprocess will read from its environment (with env, such as
    another CASEWORK_POLICY, as it will be given)."""
    return Settings.from_env(env or {}, instance_dir=instance, database_url=database_url,
                             key_file=instance / "casework.key", secret_key=SECRET_KEY)


def server_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment for gunicorn: this process's, less any CASEWORK_ setting, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env.update(CASEWORK_DATABASE_URL=database_url, CASEWORK_INSTANCE_DIR=str(instance),
               CASEWORK_KEY_FILE=str(instance / "casework.key"),
               CASEWORK_SECRET_KEY=SECRET_KEY, **extra)
    return env


def migrate_and_seed(database_url: str, instance: Path, cases: int = 4) -> Seeded:
    """Migrate the database, then add one all-roles staff account and some cases (committed)."""
    engine = make_engine(database_url)
    upgrade(engine)
    runtime = build_runtime(settings_for(database_url, instance), engine=engine)
    with runtime.transaction() as session:
        ctx = Context(session, runtime)
        created = create_user(ctx, "seed", NewUser(
            email="fuzz@example.org", name="Fuzz Staff", password=PASSWORD,
            roles=("admin", "intake", "investigator", "decision_maker", "hr_analyst", "auditor"),
            queues=tuple(runtime.pack.queues)))
        pack = runtime.pack
        seeded = Seeded(created.user.email, created.totp_secret or "", created.user.id, known={
            "route": sorted(runtime.routes), "category": sorted(pack.categories),
            "department": sorted(pack.departments), "queue": sorted(pack.queues),
            "transition": sorted({t.key for r in runtime.routes.values()
                                  for t in r.transitions})})
        boss = _actor(created.user, runtime)
        for n in range(cases):
            route = ("disclosure", "harassment")[n % 2]
            category = runtime.pack.categories_for(route)[-1].key
            anonymous = n % 3 != 0
            lodged = lodge_report(ctx, NewReport(
                route=route, category=category, summary=f"Seeded report {n}",
                details="Seeded for the live server.", anonymous=anonymous,
                reporter=None if anonymous else ReporterInput(name="Named Reporter",
                                                              email="named@example.org")))
            if n >= 2:  # some cases move on, so reporters and staff have more to do
                fire_transition(ctx, boss, lodged.reference, "acknowledge", None, {})
            seeded.cases.append((lodged.reference, lodged.receipt))
    engine.dispose()
    return seeded


def _actor(user, runtime):
    from casework.services.access import staff_actor

    return staff_actor(user, runtime.keyring)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running gunicorn."""

    host: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(self, method: str, path: str, body: dict | None = None,
                token: str | None = None) -> tuple[int, dict | None]:
        """One JSON request under /api/v1; (status, parsed body)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            conn.request(method, "/api/v1" + path, json.dumps(body) if body is not None
                         else None, headers)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        return response.status, json.loads(raw) if raw else None

    def staff_token(self, seeded: Seeded) -> str:
        """Sign the seeded staff account in (TOTP at the real time)."""
        code = pyotp.TOTP(seeded.totp_secret).now()
        status, body = self.request("POST", "/auth/token", {
            "email": seeded.email, "password": PASSWORD, "totp": code})
        assert status == 200, (status, body)
        return body["token"]

    def reporter_token(self, reference: str, receipt: str) -> str:
        """Sign a reporter in with reference and receipt."""
        status, body = self.request("POST", "/reporter/session",
                                    {"reference": reference, "receipt": receipt})
        assert status == 200, (status, body)
        return body["token"]


@contextmanager
def live_server(database_url: str, instance: Path, workers: int = 2, wait: float = 60.0,
                **extra_env: str) -> Iterator[Server]:
    """`gunicorn -w N wsgi:app` on a free loopback port; stopped (by its pid) afterwards."""
    port = free_port()
    log = instance / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own venv's gunicorn, fixed arguments)
            [str(GUNICORN), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
             "wsgi:app"], cwd=ROOT, env=server_env(database_url, instance, **extra_env),
            stdout=out, stderr=subprocess.STDOUT)
    server = Server("127.0.0.1", port, process, log)
    try:
        _wait_until_up(server, wait)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: Server, wait: float) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.log.read_text()[-3000:]}")
        try:
            if server.request("GET", "/meta")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer in {wait}s: {server.log.read_text()[-3000:]}")
