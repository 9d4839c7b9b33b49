"""Separation of duties through the API (issue 12). The attack: an administrator linked to the
Chief Executive made an intake account on every queue, was handed its second-factor secret,
signed in as it and read the case implicating the Chief Executive. Now the answer holds no
credential, the queues wait for their owners, and nobody approves their own access."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from casework.models import AuditEvent

PASSWORD = "the new officer's own password"


@pytest.fixture
def org(make, account, api):
    """The directory's post holders; the administrator is the Chief Executive's own account;
    the Monitoring Officer owns their queue; a second administrator; two cases, one
    implicating the Chief Executive (with the reporter named), one in intake."""
    people = {role: make.person(position=role, roles=(role,)) for role in (
        "chief_executive", "monitoring_officer", "head_of_internal_audit", "hr_manager")}
    admin = account(("admin",), (), person_id=people["chief_executive"])
    second = account(("admin",), ())
    mo = account(("intake", "investigator", "decision_maker"), ("monitoring_officer",),
                 person_id=people["monitoring_officer"])
    ce_case = make.lodge("disclosure", implicated=[people["chief_executive"]],
                         anonymous=False).case
    intake_case = make.lodge("disclosure").case
    assert (ce_case.queue, intake_case.queue) == ("monitoring_officer", "intake")
    return {"people": people, "cases": (ce_case.reference, intake_case.reference),
            "admin": api.staff_token(admin), "second": api.staff_token(second),
            "mo": api.staff_token(mo), "admin_id": admin.id}


def enrol(api, clock, invitation: str, email: str) -> str:
    """Enrol with an invitation and sign in: the new account's token."""
    answer = api.post("/auth/enrol", json={"invitation": invitation, "password": PASSWORD})
    assert answer.status_code == 200, answer.get_json()
    secret = answer.get_json()["totp_secret"]
    clock.now += timedelta(seconds=30)
    signed = api.post("/auth/token", json={"email": email, "password": PASSWORD,
                                           "totp": pyotp.TOTP(secret).at(clock.now)})
    assert signed.status_code == 200
    return signed.get_json()["token"]


def grant_for(api, token, user_id, queue):
    listed = api.get("/admin/grants", token=token).get_json()
    return next(g for g in listed if g["user_id"] == user_id and g["queue"] == queue)


def test_the_attack_is_prevented(api, org, clock, runtime, session):
    ce_ref, intake_ref = org["cases"]
    made = api.post("/admin/users", token=org["admin"], json={
        "email": "shadow@council.example", "name": "Shadow Intake", "roles": ["intake"],
        "queues": sorted(runtime.pack.queues)})
    assert made.status_code == 201
    body = made.get_json()
    assert not {"totp_secret", "password"} & set(body)
    assert {g["queue"] for g in body["pending"]} == set(runtime.pack.queues)
    assert all(g["state"] == "pending" for g in body["pending"])
    shadow = enrol(api, clock, body["invitation"], "shadow@council.example")

    # While the grants wait, the new account sees no case at all.
    assert api.get("/cases", token=shadow).get_json()["total"] == 0
    for ref in (ce_ref, intake_ref):
        assert api.get(f"/cases/{ref}", token=shadow).status_code == 404
        assert api.post(f"/cases/{ref}/identity", token=shadow,
                        json={"reason": "curious"}).status_code == 404

    # The Monitoring Officer sees the request for their queue, and only theirs.
    mine = api.get("/admin/grants", token=org["mo"]).get_json()
    assert [(g["queue"], g["can_decide"], g["decider"]) for g in mine] == [
        ("monitoring_officer", True, "owner")]
    grant = mine[0]

    # Neither the administrator who asked, nor the grantee, nor another administrator may
    # approve what the queue's owner decides.
    for token in (org["admin"], shadow, org["second"]):
        refused = api.post(f"/admin/grants/{grant['id']}/approve", token=token)
        assert refused.status_code == 403, token
    assert api.get("/admin/grants", token=shadow).status_code == 403
    assert api.get(f"/cases/{ce_ref}", token=shadow).status_code == 404

    # The owner approves: the account now sees its queue's cases.
    approved = api.post(f"/admin/grants/{grant['id']}/approve", token=org["mo"])
    assert approved.status_code == 200 and approved.get_json() == {"state": "approved"}
    assert api.get(f"/cases/{ce_ref}", token=shadow).status_code == 200
    assert api.get(f"/cases/{intake_ref}", token=shadow).status_code == 404  # still waiting

    # Intake has no owner: a second administrator decides, never the one who asked.
    intake = grant_for(api, org["second"], body["id"], "intake")
    assert api.post(f"/admin/grants/{intake['id']}/approve",
                    token=org["admin"]).status_code == 403
    assert api.post(f"/admin/grants/{intake['id']}/approve",
                    token=org["second"]).status_code == 200
    assert api.get(f"/cases/{intake_ref}", token=shadow).status_code == 200
    again = api.post(f"/admin/grants/{intake['id']}/refuse", token=org["second"])
    assert again.status_code == 409

    events = session.execute(select(AuditEvent.kind, AuditEvent.actor).where(
        AuditEvent.kind.like("admin:grant:%"))).all()
    approvers = {actor for kind, actor in events if kind == "admin:grant:approve"}
    assert len(approvers) == 2 and not approvers & {f"user:{org['admin_id']}",
                                                     f"user:{body['id']}"}
    assert sum(k == "admin:grant:request" for k, _ in events) == len(runtime.pack.queues)


def test_an_approved_account_never_sees_a_case_implicating_its_person(api, org, clock):
    ce_ref, _ = org["cases"]
    made = api.post("/admin/users", token=org["second"], json={
        "email": "ce.deputy@council.example", "name": "Linked", "roles": ["intake"],
        "queues": ["monitoring_officer"],
        "person_id": org["people"]["chief_executive"]}).get_json()
    linked = enrol(api, clock, made["invitation"], "ce.deputy@council.example")
    grant = grant_for(api, org["mo"], made["id"], "monitoring_officer")
    assert api.post(f"/admin/grants/{grant['id']}/approve", token=org["mo"]).status_code == 200
    assert api.get(f"/cases/{ce_ref}", token=linked).status_code == 404
    assert api.get("/cases", token=linked).get_json()["total"] == 0


def test_an_invitation_works_once(api, org, clock):
    made = api.post("/admin/users", token=org["admin"], json={
        "email": "once@council.example", "name": "Once", "roles": ["auditor"]}).get_json()
    enrol(api, clock, made["invitation"], "once@council.example")
    again = api.post("/auth/enrol", json={"invitation": made["invitation"],
                                          "password": "someone else's password"})
    assert again.status_code == 401 and again.get_json()["error"]["code"] == "unauthorized"


def test_an_expired_invitation_is_401(api, org, clock):
    made = api.post("/admin/users", token=org["admin"], json={
        "email": "late@council.example", "name": "Late", "roles": ["auditor"]}).get_json()
    clock.now += timedelta(hours=72, seconds=1)
    late = api.post("/auth/enrol", json={"invitation": made["invitation"],
                                         "password": PASSWORD})
    assert late.status_code == 401


def test_guessing_invitations_is_429(api, org):
    statuses = [api.post("/auth/enrol", json={"invitation": f"GUESS-{n}",
                                               "password": PASSWORD}).status_code
                for n in range(11)]
    assert statuses == [401] * 10 + [429]


def test_deactivation_ends_a_live_token(api, org, account):
    victim = account(("intake",), ("intake",))
    token = api.staff_token(victim)
    assert api.get("/cases", token=token).status_code == 200
    done = api.post(f"/admin/users/{victim.id}/deactivate", token=org["admin"])
    assert done.status_code == 200
    assert api.get("/cases", token=token).status_code == 401
    own = api.post(f"/admin/users/{org['admin_id']}/deactivate", token=org["admin"])
    assert own.status_code == 403
    missing = api.post("/admin/users/987654/deactivate", token=org["admin"])
    assert missing.status_code == 404


def test_a_second_factor_reset(api, org, account, clock):
    victim = account(("intake",), ("intake",))
    token = api.staff_token(victim)
    reset = api.post(f"/admin/users/{victim.id}/invitation", token=org["admin"])
    assert reset.status_code == 201 and reset.get_json()["purpose"] == "reset"
    assert api.get("/cases", token=token).status_code == 401
    code = reset.get_json()["invitation"]
    guessed = api.post("/auth/enrol", json={"invitation": code, "password": "admin's guess"})
    assert guessed.status_code == 401
    renewed = api.post("/auth/enrol", json={"invitation": code,
                                            "password": "correct horse battery"})
    assert renewed.status_code == 200
    clock.now += timedelta(seconds=30)
    old = api.post("/auth/token", json={"email": victim.email, "password": "correct horse battery",
                                        "totp": api.code(victim)})
    assert old.status_code == 401
    new = api.post("/auth/token", json={
        "email": victim.email, "password": "correct horse battery",
        "totp": pyotp.TOTP(renewed.get_json()["totp_secret"]).at(clock.now)})
    assert new.status_code == 200


def test_changing_roles_and_queues(api, org, account):
    officer = account(("intake",), ("intake",))
    changed = api.call("PUT", f"/admin/users/{officer.id}/access", token=org["admin"],
                       json={"roles": ["intake", "investigator"], "queues": ["intake", "hr"]})
    assert changed.status_code == 200
    body = changed.get_json()
    assert body["roles"] == ["intake"] and body["queues"] == ["intake"]
    assert {(g["role"], g["queue"], g["decider"]) for g in body["pending"]} == {
        ("investigator", None, "administrator"), (None, "hr", "administrator")}
    # Taking the queue away works at once; the role then reaches no case, so it is given,
    # and whoever approves the queue later sees it.
    moved = api.call("PUT", f"/admin/users/{officer.id}/access", token=org["admin"],
                     json={"roles": ["intake", "investigator"], "queues": ["hr"]}).get_json()
    assert moved["roles"] == ["intake", "investigator"] and moved["queues"] == []
    assert [g["queue"] for g in moved["pending"]] == ["hr"]
    waiting = api.get("/admin/grants", token=org["admin"]).get_json()
    assert [(g["queue"], g["role"]) for g in waiting if g["user_id"] == officer.id] == [
        ("hr", None)]  # the role's request, given meanwhile, was withdrawn
    own = api.call("PUT", f"/admin/users/{org['admin_id']}/access", token=org["admin"],
                   json={"roles": ["admin", "intake"], "queues": ["intake"]})
    assert own.status_code == 403


def test_only_administrators_and_owners_see_grants_and_accounts(api, org, sign_in):
    _, token = sign_in(("intake",), ("intake",))
    assert api.get("/admin/grants", token=token).status_code == 403
    assert api.get("/admin/users", token=token).status_code == 403
    listed = api.get("/admin/users", token=org["admin"]).get_json()
    assert all({"enrolled", "second_factor"} <= set(a) and "totp_secret" not in a
               for a in listed)
