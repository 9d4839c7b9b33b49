"""Web fixtures: the app on the savepoint runtime, a browser-like client that signs staff in
with password and TOTP code, and finds CSRF tokens in pages as a person's browser would."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import pytest

from casework import create_app
from casework.services.accounts import NewUser, create_user

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"')
TOKEN_VALUE = re.compile(r'(name="[\w-]*csrf_token"[^>]*value=")[^"]+(")')


@dataclass
class Account:
    """A staff account and what signing in needs."""

    id: int
    email: str
    totp_secret: str | None
    person_id: int | None = None


class Browser:
    """A test client that signs in through the form and sends CSRF tokens from pages."""

    def __init__(self, client, clock) -> None:
        self.client, self.clock = client, clock

    def code(self, account: Account) -> str:
        """The account's TOTP code at the frozen clock's time."""
        return pyotp.TOTP(account.totp_secret).at(self.clock.now)

    def token(self, path: str = "/staff/sign-in") -> str:
        """A CSRF token for this session, taken from a page."""
        page = self.client.get(path).get_data(as_text=True)
        found = TOKEN.search(page)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def sign_in(self, account: Account, code: str | None = None):
        """Sign in through the page; moves the clock on so each code is fresh."""
        self.clock.now += timedelta(seconds=30)
        data = {"email": account.email, "password": PASSWORD, "csrf_token": self.token(),
                "totp": code if code is not None else (
                    self.code(account) if account.totp_secret else "")}
        return self.client.post("/staff/sign-in", data=data)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, token_from: str = "/staff/", **kwargs):
        """POST with a CSRF token taken from a page of this session."""
        body = {"csrf_token": self.token(token_from), **(data or {})}
        return self.client.post(path, data=body, **kwargs)


@pytest.fixture
def app(settings, runtime):
    """The Flask app over the test's savepoint runtime: everything rolls back after the test."""
    return create_app(settings, runtime=runtime)


@pytest.fixture
def client(app):
    """A plain Flask test client."""
    return app.test_client()


@pytest.fixture
def browser(client, clock) -> Browser:
    """A client that behaves like a person's browser."""
    return Browser(client, clock)


@pytest.fixture
def account(ctx):
    """Make a staff account (with its TOTP secret when it needs one)."""
    counter = iter(range(1, 10_000))

    def make_account(roles: Sequence[str] = ("intake",), queues: Sequence[str] = ("intake",),
                     person_id: int | None = None) -> Account:
        n = next(counter)
        email = f"web{n}@test.example"
        created = create_user(ctx, "test", NewUser(
            email=email, name=f"Web User {n}", password=PASSWORD, roles=tuple(roles),
            queues=tuple(queues), person_id=person_id))
        ctx.session.flush()
        return Account(created.user.id, email, created.totp_secret, person_id)

    return make_account


@pytest.fixture
def handler(account, browser) -> Account:
    """An intake officer of the intake queue, who may also investigate and decide; signed in."""
    acc = account(("intake", "investigator", "decision_maker"), ("intake",))
    assert browser.sign_in(acc).status_code == 303
    return acc


def page(response) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)


def unsigned(response) -> str:
    """A page with its CSRF tokens masked: each is signed with the second it was made, so two
    otherwise identical pages differ when a second passes between them."""
    return TOKEN_VALUE.sub(r"\1[csrf]\2", page(response))
