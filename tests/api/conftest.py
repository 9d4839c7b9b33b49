"""API fixtures: the app on the savepoint runtime, a test client, staff and reporter tokens, and
a checker that holds every answer to the OpenAPI document's schema for its operation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import jsonschema_rs
import pyotp
import pytest

from casework import create_app
from casework.api.spec import build_openapi
from casework.services.accounts import NewUser, create_user

PASSWORD = "correct horse battery"
PREFIX = "/api/v1"


@dataclass
class Account:
    """A staff account with what a client needs to sign in."""

    id: int
    email: str
    totp_secret: str | None
    person_id: int | None = None


class Api:
    """A test client that checks each answer against the OpenAPI document before returning it."""

    def __init__(self, client, document: dict, clock) -> None:
        self.client, self.document, self.clock = client, document, clock
        self._validators: dict[str, jsonschema_rs.Validator] = {}

    def call(self, method: str, path: str, *, token: str | None = None, json=None,
             data=None, headers: dict | None = None, **kwargs):
        """Send a request under /api/v1; the answer must conform to the document."""
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(PREFIX + path, method=method, json=json, data=data,
                                    headers=headers, **kwargs)
        self.conform(method, path.split("?")[0], response)
        return response

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.call("POST", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.call("DELETE", path, **kwargs)

    def _operation(self, method: str, path: str) -> dict:
        for template, item in self.document["paths"].items():
            pattern = "^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"
            if re.match(pattern, path) and method.lower() in item:
                return item[method.lower()]
        raise AssertionError(f"{method} {path} is not in the OpenAPI document")

    def conform(self, method: str, path: str, response) -> None:
        """The status is documented for the operation, and the JSON body matches its schema."""
        operation = self._operation(method, path)
        status = str(response.status_code)
        assert status in operation["responses"], (
            f"{method} {path} answered {status}, not documented: {sorted(operation['responses'])}"
            f" body={response.get_data(as_text=True)[:300]}")
        content = operation["responses"][status].get("content")
        if content is None:
            return
        if "application/json" not in content:  # a download, e.g. CSV
            assert response.mimetype in content, response.mimetype
            return
        assert response.mimetype == "application/json", response.mimetype
        schema = content["application/json"]["schema"]
        key = repr(schema)
        if key not in self._validators:
            self._validators[key] = jsonschema_rs.validator_for(
                {**schema, "components": self.document["components"]}, validate_formats=True)
        errors = [str(e) for e in self._validators[key].iter_errors(response.get_json())]
        assert not errors, f"{method} {path} {status} does not match the document: {errors}"

    # -- signing in ---------------------------------------------------------------------------

    def code(self, account: Account) -> str:
        """The TOTP code for an account at the frozen clock's time."""
        return pyotp.TOTP(account.totp_secret).at(self.clock.now)

    def staff_token(self, account: Account) -> str:
        """Sign in through POST /auth/token and return the token."""
        body = {"email": account.email, "password": PASSWORD}
        if account.totp_secret:
            body["totp"] = self.code(account)
        response = self.post("/auth/token", json=body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["token"]

    def reporter_token(self, reference: str, receipt: str) -> str:
        """Sign in as a reporter through POST /reporter/session and return the token."""
        response = self.post("/reporter/session",
                             json={"reference": reference, "receipt": receipt})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["token"]


@pytest.fixture
def app(settings, runtime):
    """The Flask app over the test's savepoint runtime: everything rolls back after the test."""
    return create_app(settings, runtime=runtime)


@pytest.fixture
def client(app):
    """A plain Flask test client."""
    return app.test_client()


@pytest.fixture(scope="session")
def document() -> dict:
    """The OpenAPI document the app serves (the endpoint modules register its operations)."""
    from casework.api import admin, audit, cases, inbox, public, reporter_api, stats  # noqa: F401

    return build_openapi()


@pytest.fixture
def api(client, document, clock) -> Api:
    """A client that checks every answer against the OpenAPI document."""
    return Api(client, document, clock)


@pytest.fixture
def account(ctx):
    """Make a staff account (with its TOTP secret when it needs one)."""
    counter = iter(range(1, 10_000))

    def make_account(roles: Sequence[str] = ("intake",), queues: Sequence[str] = ("intake",),
                     person_id: int | None = None) -> Account:
        n = next(counter)
        email = f"api{n}@test.example"
        created = create_user(ctx, "test", NewUser(
            email=email, name=f"Api User {n}", password=PASSWORD, roles=tuple(roles),
            queues=tuple(queues), person_id=person_id))
        ctx.session.flush()
        return Account(created.user.id, email, created.totp_secret, person_id)

    return make_account


@pytest.fixture
def sign_in(api, account):
    """Make an account and sign it in: returns (account, token)."""

    def signed_in(roles: Sequence[str] = ("intake",), queues: Sequence[str] = ("intake",),
                  person_id: int | None = None) -> tuple[Account, str]:
        acc = account(roles, queues, person_id)
        return acc, api.staff_token(acc)

    return signed_in


@pytest.fixture
def handler(sign_in):
    """An intake handler of the intake queue, signed in: (account, token)."""
    return sign_in(("intake", "investigator", "decision_maker"), ("intake",))


REPORT = {"route": "disclosure", "category": "health_and_safety",
          "summary": "Unsafe scaffolding", "details": "The scaffolding at the depot is loose.",
          "anonymous": True}


@pytest.fixture
def report():
    """A valid report body (uk-council pack)."""
    return dict(REPORT)
