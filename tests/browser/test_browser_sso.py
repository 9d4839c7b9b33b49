"""Staff single sign-on in Chromium: gunicorn with single sign-on configured, the real test
provider (tests/oidc/provider_live.py) on loopback, and a person clicking through both. Each
Casework page on the way is screenshotted and checked with axe; none may report a CSP
violation (the provider's own pages are not Casework's, so only its answers are followed)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.api.api_live import free_port, live_server
from tests.browser.browser_kit import SCREENSHOTS, format_violations, fresh_code
from tests.browser.conftest import Live, load_demo_logins
from tests.oidc.provider_live import running_provider
from tests.scratch_db import scratch_database

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sso_live(chromium, tmp_path_factory) -> Iterator[tuple[Live, object]]:
    """gunicorn on its own scratch database, configured for the provider started next to it."""
    folder = tmp_path_factory.mktemp("sso")
    instance = folder / "instance"
    instance.mkdir()
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    kind = os.environ.get("CASEWORK_TEST_DATABASE_URL") or "sqlite://"
    with scratch_database(kind, folder, "casework_sso") as url:
        logins = load_demo_logins(url, instance)
        with live_server(url, instance, workers=1, CASEWORK_OIDC_ISSUER=issuer,
                         CASEWORK_OIDC_CLIENT_ID="casework",
                         CASEWORK_OIDC_CLIENT_SECRET="browser-secret",  # noqa: S106
                         CASEWORK_OIDC_NAME="Example Identity",
                         CASEWORK_OIDC_SCOPES="openid email profile groups") as server:
            client = {"client_id": "casework", "client_secret": "browser-secret",
                      "redirect_uris": [f"{server.base}/staff/sign-in/oidc/callback"],
                      "post_logout_redirect_uris": [f"{server.base}/staff/sign-in"]}
            with running_provider(port, [client]) as provider:
                yield Live(server.base, logins, url, instance), provider


@pytest.fixture
def person(chromium, sso_live, auditor):
    """A browser context, and a checker for Casework's pages (screenshot, axe, no CSP
    violation reported on the console)."""
    live, _ = sso_live
    context = chromium.new_context(base_url=live.base, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text else None)

    def check(name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        violations = auditor.violations(page, True)
        assert not violations, format_violations(name, page.url, violations)
        assert not problems, problems

    yield page, check
    context.close()


def through_provider(page, login: str, mfa: bool) -> None:
    page.get_by_label("Account").fill(login)
    if mfa:
        page.get_by_label("Second factor used").check()
    page.get_by_role("button", name="Sign in").click()


def test_staff_sign_in_through_the_provider(sso_live, person):
    live, provider = sso_live
    page, check = person
    intake = live.logins["intake"]
    provider.person("intake-officer", intake.email)
    page.goto("/staff/sign-in")
    expect(page.get_by_role("link", name="Sign in with Example Identity")).to_be_visible()
    check("sso-01-sign-in")
    page.get_by_role("link", name="Sign in with Example Identity").click()
    through_provider(page, "intake-officer", mfa=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    check("sso-02-dashboard")
    page.get_by_role("button", name="Sign out").click()
    link = page.get_by_role("link", name="Sign out of Example Identity too")
    expect(link).to_be_visible()
    check("sso-03-signed-out")
    link.click()
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/session/end"))


def test_without_a_second_factor_the_code_is_asked_for(sso_live, person):
    live, provider = sso_live
    page, check = person
    officer = live.logins["investigator"]
    provider.person("investigator", officer.email)
    page.goto("/staff/sign-in")
    page.get_by_role("link", name="Sign in with Example Identity").click()
    through_provider(page, "investigator", mfa=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your authenticator code")
    check("sso-04-code")
    page.get_by_label("Code from your authenticator app").fill(fresh_code(officer))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def test_someone_without_an_account_is_refused(sso_live, person):
    _, provider = sso_live
    page, check = person
    provider.person("stranger", "stranger@elsewhere.example")
    page.goto("/staff/sign-in")
    page.get_by_role("link", name="Sign in with Example Identity").click()
    through_provider(page, "stranger", mfa=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("You are not signed in")
    expect(page.get_by_text("There is no Casework account")).to_be_visible()
    check("sso-05-no-account")
