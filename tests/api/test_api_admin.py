"""Administration through the API (people, accounts) and verifying the audit trail."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from casework.models import AuditEvent, Person

NEW_USER = {"email": "new.handler@example.org", "name": "New Handler", "roles": ["intake"],
            "queues": ["intake"]}


@pytest.fixture
def admin(sign_in):
    """An administrator (a second factor, like every account), signed in."""
    return sign_in(("admin",), ())


def test_admin_adds_a_person(api, admin, session):
    _, token = admin
    response = api.post("/admin/people", token=token, json={
        "name": "Alex Director", "position": "Director of Finance", "department": "finance",
        "roles": ["director"], "email": "alex@example.org"})
    assert response.status_code == 201
    person = session.get(Person, response.get_json()["id"])
    assert (person.name, person.roles, person.department) == ("Alex Director", ["director"],
                                                              "finance")


@pytest.mark.parametrize(("change", "field"), [({"position": None}, "position"),
                                               ({"roles": ["king"]}, "roles.0"),
                                               ({"department": "moon_base"}, "department"),
                                               ({"manager_id": 987654}, "manager_id")])
def test_bad_person_is_422_naming_the_field(api, admin, change, field):
    _, token = admin
    body = {"name": "Alex", "position": "Director", **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = api.post("/admin/people", token=token, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("roles", [("intake",), ("auditor",), ("hr_analyst",)])
def test_only_admins_add_people_and_accounts(api, sign_in, roles, session):
    _, token = sign_in(roles, ())
    people = api.post("/admin/people", token=token, json={"name": "A", "position": "B"})
    users = api.post("/admin/users", token=token, json=NEW_USER)
    assert people.status_code == users.status_code == 403
    assert people.get_json()["error"]["code"] == "forbidden"
    assert session.execute(select(Person).where(Person.name == "A")).first() is None


def test_admin_invites_an_account_and_never_sees_its_credentials(api, admin, clock):
    _, token = admin
    response = api.post("/admin/users", token=token, json=NEW_USER)
    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["id"], int)
    assert "totp_secret" not in body and "password" not in body
    assert len(body["invitation"].replace("-", "")) >= 16 and body["purpose"] == "enrol"
    assert [(g["queue"], g["state"]) for g in body["pending"]] == [("intake", "pending")]
    enrolled = api.post("/auth/enrol", json={"invitation": body["invitation"],
                                             "password": "a long enough password"})
    assert enrolled.status_code == 200
    secret = enrolled.get_json()["totp_secret"]
    assert len(secret) >= 16 and pyotp.TOTP(secret).interval == 30
    assert enrolled.get_json()["otpauth_uri"].startswith("otpauth://totp/")
    sign_in = api.post("/auth/token", json={"email": NEW_USER["email"],
                                            "password": "a long enough password",
                                            "totp": pyotp.TOTP(secret).at(clock.now)})
    assert sign_in.status_code == 200


def test_an_administrator_cannot_set_a_password(api, admin):
    _, token = admin
    response = api.post("/admin/users", token=token,
                        json={**NEW_USER, "password": "a long enough password"})
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(("change", "field"), [({"roles": []}, "roles"),
                                               ({"roles": ["emperor"]}, "roles.0"),
                                               ({"email": "not an email"}, "email"),
                                               ({"queues": ["nowhere"]}, "queues"),
                                               ({"person_id": 987654}, "person_id")])
def test_bad_account_is_422_naming_the_field(api, admin, change, field):
    _, token = admin
    response = api.post("/admin/users", token=token, json={**NEW_USER, **change})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_duplicate_account_is_409(api, admin):
    _, token = admin
    assert api.post("/admin/users", token=token, json=NEW_USER).status_code == 201
    again = api.post("/admin/users", token=token, json={**NEW_USER,
                                                        "email": NEW_USER["email"].upper()})
    assert again.status_code == 409


def test_auditor_verifies_the_trail(api, sign_in, make, session):
    make.lodge("disclosure")
    _, token = sign_in(("auditor",), ())
    response = api.get("/audit/verify", token=token)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["first_bad"] is None
    assert body["events"] >= 3
    last = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert last.kind == "audit:verify"


def test_verify_names_the_first_bad_event(api, sign_in, make, session):
    make.lodge("disclosure")
    _, token = sign_in(("auditor",), ())
    event = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    event.actor = "someone else"
    session.flush()
    body = api.get("/audit/verify", token=token).get_json()
    assert body["ok"] is False and body["first_bad"] == event.seq


@pytest.mark.parametrize("roles", [("intake",), ("admin",), ("hr_analyst",)])
def test_only_auditors_verify(api, sign_in, roles):
    _, token = sign_in(roles, ("intake",) if "intake" in roles else ())
    response = api.get("/audit/verify", token=token)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
