"""Browser fixtures: one live server per run (gunicorn over a scratch database of the run's kind,
migrated, with the demo organisation loaded and committed), Debian's Chromium driven by
Playwright, and a factory of watched browser contexts that are checked when the test ends."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from casework.db import make_engine
from casework.demo import load_demo
from casework.migrate import upgrade
from casework.runtime import build_runtime
from tests.api.api_live import live_server, settings_for
from tests.browser.browser_kit import CHROMIUM, CHROMIUM_ARGS, Auditor, Login, Visit
from tests.scratch_db import scratch_database

expect.set_options(timeout=15_000)  # a loaded CI machine hashes receipts slowly


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


@dataclass(frozen=True)
class Live:
    """The running server and the demo's staff logins, by the local part of their email; its
    database and instance folder, for the operator's commands (`casework cases ...`)."""

    base: str
    logins: dict[str, Login]
    database_url: str = ""
    instance: Path | None = None


def load_demo_logins(database_url: str, instance, env: dict | None = None) -> dict[str, Login]:
    """Migrate, load the demo in one committed transaction (under the settings env gives,
    such as another policy pack), and read back its logins."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        runtime = build_runtime(settings_for(database_url, instance, env), engine=engine)
        with runtime.transaction() as session:
            lines, _receipts = load_demo(session, runtime)
    finally:
        engine.dispose()
    logins = {}
    for line in lines:
        email, password, secret = line.split()[:3]
        logins[email.split("@")[0]] = Login(email, password, secret)
    return logins


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless; absent: skipped here, a failure in CI."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: apt-get install -y chromium"
        if _ci():
            pytest.fail(f"browser tests need Chromium in CI; {message}")
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def live(chromium, tmp_path_factory) -> Iterator[Live]:
    """gunicorn on a scratch database (SQLite file, or a PostgreSQL database created and
    dropped on the test server) with the demo loaded."""
    folder = tmp_path_factory.mktemp("browser")
    instance = folder / "instance"
    instance.mkdir()
    kind = os.environ.get("CASEWORK_TEST_DATABASE_URL") or "sqlite://"
    with scratch_database(kind, folder, "casework_browser") as url:
        logins = load_demo_logins(url, instance)
        # Every journey lodges from 127.0.0.1: the per-address intake limit (20 an hour,
        # tested in tests/api/test_api_public.py) would refuse the suite's later reports.
        with live_server(url, instance, workers=2, CASEWORK_RATE_LIMIT_SCALE="20") as server:
            yield Live(server.base, logins, url, instance)


@contextmanager
def pack_server(tmp_path_factory, name: str, env: dict[str, str], **extra: str
                ) -> Iterator[Live]:
    """A server of its own (a scratch database of the run's kind, the demo organisation loaded)
    under the settings env gives, such as another CASEWORK_POLICY; extra: server-only
    settings."""
    folder = tmp_path_factory.mktemp(name)
    instance = folder / "instance"
    instance.mkdir()
    kind = os.environ.get("CASEWORK_TEST_DATABASE_URL") or "sqlite://"
    with scratch_database(kind, folder, f"casework_{name.replace('-', '_')}") as url:
        logins = load_demo_logins(url, instance, env)
        with live_server(url, instance, workers=2, **env, **extra) as server:
            yield Live(server.base, logins, url, instance)


@pytest.fixture(scope="session")
def auditor(chromium) -> Iterator[Auditor]:
    """axe-core's own browser context."""
    auditor = Auditor(chromium)
    yield auditor
    auditor.close()


@contextmanager
def watched_visits(chromium, base: str, auditor) -> Iterator[Callable[..., Visit]]:
    """Browsers on the server at base, each checked again at the end (own origin only, CSP on
    every response) and closed."""
    opened: list[Visit] = []

    def open_visit(javascript: bool = True) -> Visit:
        opened.append(Visit(chromium, base, auditor, javascript=javascript))
        return opened[-1]

    yield open_visit
    try:
        for each in opened:
            each.assert_clean()
    finally:
        for each in opened:
            each.close()


@pytest.fixture
def visit(chromium, live, auditor) -> Iterator[Callable[..., Visit]]:
    """Open a person's browser: visit() or visit(javascript=False). Each one is checked again
    when the test ends (own origin only, CSP on every response) and closed."""
    with watched_visits(chromium, live.base, auditor) as open_visit:
        yield open_visit
