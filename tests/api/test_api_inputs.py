"""Inputs a database cannot hold are refused as the contract says (422, or 404 for a path),
never passed on to fail as a 500: oversized ids, NUL characters, broken surrogates, and TOTP
codes in other scripts' digits."""

from __future__ import annotations

import json

import pytest

BIG = 2**40  # past the 32-bit id columns


@pytest.mark.parametrize(("change", "field"), [
    ({"implicated": [{"person_id": BIG}]}, "implicated.0.person_id"),
    ({"implicated": [{"person_id": -3 * 10**31}]}, "implicated.0.person_id"),
    ({"reporter": {"name": "R", "person_id": 0}}, "reporter.person_id"),
    ({"summary": "nul\x00byte"}, "summary"),
    ({"route": "disclosure\x00"}, "route"),
    ({"implicated": [{"name": "x\x00"}]}, "implicated.0.name"),
])
def test_report_with_unstorable_values_is_422(api, report, change, field):
    response = api.post("/reports", json={**report, **change})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_broken_surrogate_is_422(api, report):
    raw = json.dumps({**report, "details": "PLACEHOLDER"}).replace("PLACEHOLDER", "half \\ud800")
    response = api.post("/reports", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "details" in response.get_json()["error"]["fields"]


def test_body_that_is_not_utf8_is_400(api):
    response = api.post("/reports", data=b'{"route": "\xff"}',
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_json_null_is_an_invalid_body_not_malformed(api):
    response = api.post("/reports", data="null", headers={"Content-Type": "application/json"})
    assert response.status_code == 422


def test_sign_in_with_unstorable_values_is_422(api):
    for body in ({"email": "a\x00@b.example", "password": "x"},
                 {"reference": "CW-\x00", "receipt": "x"}):
        path = "/auth/token" if "email" in body else "/reporter/session"
        response = api.post(path, json=body)
        assert response.status_code == 422, path


def test_totp_in_other_digits_is_422_not_a_crash(api, account):
    acc = account()
    response = api.post("/auth/token", json={"email": acc.email,
                                             "password": "correct horse battery",
                                             "totp": "\u0661\u0662\u0663\u0664\u0665\u0666"})
    assert response.status_code == 422
    assert "totp" in response.get_json()["error"]["fields"]


def test_query_with_nul_is_422(api, handler):
    _, token = handler
    response = api.get("/cases?state=a%00b", token=token)
    assert response.status_code == 422
    assert "state" in response.get_json()["error"]["fields"]


def test_reference_with_nul_is_404(api, handler):
    _, token = handler
    for path in ("/cases/CW-%00", "/cases/CW-%00/notes", "/workflows/disclosure%00"):
        assert api.get(path, token=token).status_code == 404, path


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/cases/{ref}/assignments", {"user_id": BIG}, "user_id"),
    ("/cases/{ref}/transitions", {"transition": "acknowledge", "version": BIG}, "version"),
])
def test_staff_bodies_with_oversized_numbers_are_422(api, make, handler, path, body, field):
    _, token = handler
    lodged = make.lodge("disclosure")
    response = api.post(path.format(ref=lodged.reference), token=token, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_admin_bodies_with_unstorable_values_are_422(api, sign_in):
    _, token = sign_in(("admin",), ())
    people = api.post("/admin/people", token=token, json={"name": "a\x00", "position": "p"})
    assert people.status_code == 422 and "name" in people.get_json()["error"]["fields"]
    manager = api.post("/admin/people", token=token,
                       json={"name": "a", "position": "p", "manager_id": BIG})
    assert "manager_id" in manager.get_json()["error"]["fields"]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deeply_nested_report_is_422_not_a_crash(api, report):
    raw = json.dumps({**report, "details": "PLACEHOLDER"}).replace('"PLACEHOLDER"',
                                                                   nested(980))
    response = api.post("/reports", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"body": "must nest at most 32 levels"}


def test_deeply_nested_transition_fields_are_422(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    raw = ('{"transition": "acknowledge", "version": 1, "fields": {"x": ' + nested(980)
           + "}}")
    response = api.post(f"/cases/{lodged.reference}/transitions", token=token, data=raw,
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "body" in response.get_json()["error"]["fields"]


def test_control_characters_other_than_nul_are_422(api, report):
    response = api.post("/reports", json={**report, "summary": "clear\x1b[2J screen"})
    assert response.status_code == 422
    assert "summary" in response.get_json()["error"]["fields"]
    kept = api.post("/reports", json={**report, "details": "line one\r\n\tline two"})
    assert kept.status_code == 201
