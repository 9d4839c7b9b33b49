"""Staff sign-in for the API (POST /auth/token), token expiry and revocation, and which kind of
token reaches which endpoints."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from tests.api.conftest import PASSWORD


def body_for(account, code: str | None = "now", password: str = PASSWORD, clock=None) -> dict:
    body = {"email": account.email, "password": password}
    if code == "now":
        body["totp"] = pyotp.TOTP(account.totp_secret).at(clock.now)
    elif code is not None:
        body["totp"] = code
    return body


def test_sign_in_gives_a_token_and_its_expiry(api, account, clock):
    acc = account()
    response = api.post("/auth/token", json=body_for(acc, clock=clock))
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["token"]) >= 32
    assert body["expires_at"].startswith("2026-03-02T17:00:00")  # eight hours
    assert api.get("/cases", token=body["token"]).status_code == 200


def test_totp_is_required_where_set_up(api, account, clock):
    acc = account()
    assert acc.totp_secret
    response = api.post("/auth/token", json=body_for(acc, code=None, clock=clock))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    wrong = str((int(pyotp.TOTP(acc.totp_secret).at(clock.now)) + 1) % 1_000_000).zfill(6)
    assert api.post("/auth/token", json=body_for(acc, code=wrong, clock=clock)).status_code == 401


@pytest.mark.parametrize("role", ["admin", "intake", "investigator", "decision_maker",
                                  "hr_analyst", "auditor"])
def test_every_role_needs_the_code(api, account, clock, role):
    acc = account(roles=(role,), queues=())
    assert acc.totp_secret
    refused = api.post("/auth/token", json=body_for(acc, code=None, clock=clock))
    assert refused.status_code == 401
    assert api.post("/auth/token", json=body_for(acc, code="", clock=clock)).status_code == 401
    assert api.post("/auth/token", json=body_for(acc, clock=clock)).status_code == 200


def test_a_code_is_accepted_once(api, account, clock):
    acc = account()
    first = body_for(acc, clock=clock)
    assert api.post("/auth/token", json=first).status_code == 200
    again = api.post("/auth/token", json=first)
    assert again.status_code == 401
    clock.now += timedelta(seconds=30)  # the next step's code works
    assert api.post("/auth/token", json=body_for(acc, clock=clock)).status_code == 200


def test_wrong_password_and_unknown_account_answer_alike(api, account, clock):
    acc = account()
    wrong = api.post("/auth/token", json=body_for(acc, password="not the password", clock=clock))
    unknown = api.post("/auth/token", json={"email": "nobody@test.example",
                                            "password": PASSWORD, "totp": "123456"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_repeated_failures_are_429_even_with_the_right_details(api, account, clock):
    acc = account()
    bad = body_for(acc, password="not the password", clock=clock)
    statuses = [api.post("/auth/token", json=bad).status_code for _ in range(5)]
    assert statuses == [401] * 5
    response = api.post("/auth/token", json=body_for(acc, clock=clock))
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_attempts"


def test_missing_field_is_422_naming_it(api):
    response = api.post("/auth/token", json={"email": "someone@test.example"})
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["fields"]


def test_token_expires(api, handler, clock):
    _, token = handler
    clock.now += timedelta(hours=8) - timedelta(seconds=1)
    assert api.get("/cases", token=token).status_code == 200
    clock.now += timedelta(seconds=1)
    response = api.get("/cases", token=token)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_token_is_revocable(api, handler):
    _, token = handler
    response = api.delete("/auth/token", token=token)
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    assert api.get("/cases", token=token).status_code == 401
    assert api.delete("/auth/token", token=token).status_code == 401


def test_revoking_one_token_leaves_the_others(api, account, clock):
    acc = account()
    first = api.staff_token(acc)
    clock.now += timedelta(seconds=30)
    second = api.staff_token(acc)
    assert api.delete("/auth/token", token=first).status_code == 200
    assert api.get("/cases", token=first).status_code == 401
    assert api.get("/cases", token=second).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz",
                                    "bearer  "])
def test_no_or_bad_credentials_are_401(api, client, header):
    headers = {"Authorization": header} if header else {}
    for path in ("/api/v1/cases", "/api/v1/reporter/case", "/api/v1/audit/verify"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401, path
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_credentials_are_checked_before_the_body(api):
    response = api.post("/cases/CW-NOSUCH00/transitions", json={"nonsense": True})
    assert response.status_code == 401


STAFF_ONLY = [("GET", "/cases"), ("GET", "/cases/{ref}"), ("GET", "/cases/{ref}/notes"),
              ("GET", "/cases/{ref}/messages"), ("GET", "/cases/{ref}/audit"),
              ("GET", "/audit/verify")]
REPORTER_ONLY = [("GET", "/reporter/case"), ("POST", "/reporter/messages"),
                 ("POST", "/reporter/actions")]


def test_a_reporter_token_does_not_open_staff_endpoints(api, make):
    lodged = make.lodge()
    token = api.reporter_token(lodged.reference, lodged.receipt)
    for method, path in STAFF_ONLY:
        response = api.call(method, path.format(ref=lodged.reference), token=token)
        assert response.status_code == 401, (method, path)
    transition = {"transition": "withdraw", "version": lodged.case.version}
    assert api.post(f"/cases/{lodged.reference}/transitions", token=token,
                    json=transition).status_code == 401


def test_a_staff_token_does_not_open_reporter_endpoints(api, handler):
    _, token = handler
    bodies = {"/reporter/messages": {"body": "hello"}, "/reporter/actions": {"action": "withdraw"}}
    for method, path in REPORTER_ONLY:
        response = api.call(method, path, token=token, json=bodies.get(path))
        assert response.status_code == 401, (method, path)


def test_a_reporter_ends_their_own_token(api, make):
    lodged = make.lodge("disclosure")
    token = api.reporter_token(lodged.reference, lodged.receipt)
    assert api.get("/reporter/case", token=token).status_code == 200
    response = api.delete("/auth/token", token=token)
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    assert api.get("/reporter/case", token=token).status_code == 401
    assert api.delete("/auth/token", token=token).status_code == 401
