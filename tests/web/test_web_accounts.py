"""Accounts and requests for access through the pages: enrolling with an invitation (QR code and
a first code before anything is saved), the queue owner deciding, deactivation ending a web
session, and administrators acting on others only."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from casework.models import AccessGrant, User
from tests.web.conftest import Browser, page

NEW_PASSWORD = "my own long password"


@pytest.fixture
def admin(account, browser):
    """An administrator, signed in."""
    acc = account(("admin",), ())
    assert browser.sign_in(acc).status_code == 303
    return acc


@pytest.fixture
def other(app, clock) -> Browser:
    """A second person's browser."""
    return Browser(app.test_client(), clock)


def invite(browser, **fields) -> str:
    made = browser.post("/admin/users", {"person_id": "0", **fields}, token_from="/admin/users")
    assert made.status_code == 200, page(made)[:500]
    return re.search(r'id="invitation">([A-Z2-7-]+)<', page(made)).group(1)


def enrol(person: Browser, code: str, clock, *, first_code=None, again=NEW_PASSWORD):
    """Both steps of /staff/enrol; returns the last answer and the secret shown."""
    started = person.post("/staff/enrol", {"invitation": code}, token_from="/staff/enrol")
    assert started.status_code == 303 and started.location.endswith("/staff/enrol/app")
    shown = page(person.get("/staff/enrol/app"))
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', shown).group(1).replace(" ", "")
    answer = person.post("/staff/enrol/app", {
        "password": NEW_PASSWORD, "password_again": again,
        "code": first_code if first_code is not None else pyotp.TOTP(secret).at(clock.now)},
        token_from="/staff/enrol/app")
    return answer, secret, shown


def test_enrolling_with_an_invitation(browser, admin, other, clock, ctx):
    code = invite(browser, email="new@council.example", name="New Officer",
                  roles=["auditor"])
    refused, _, shown = enrol(other, code, clock, again="a different password")
    assert refused.status_code == 422 and "Type the same password twice" in page(refused)
    assert '<svg role="img"' in shown and "<title>QR code" in shown and "<script" not in shown
    wrong, secret, _ = enrol(other, code, clock, first_code="000000")
    assert wrong.status_code == 422
    user = ctx.session.execute(select(User).where(User.email == "new@council.example")
                               ).scalar_one()
    assert not user.enrolled  # nothing saved until the first code is right
    done = other.post("/staff/enrol/app", {
        "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
        "code": pyotp.TOTP(secret).at(clock.now)}, token_from="/staff/enrol/app")
    assert done.status_code == 303 and done.location.endswith("/staff/sign-in")
    clock.now += timedelta(seconds=30)
    signed_in = other.client.post("/staff/sign-in", data={
        "email": "new@council.example", "password": NEW_PASSWORD,
        "totp": pyotp.TOTP(secret).at(clock.now), "csrf_token": other.token()})
    assert signed_in.status_code == 303
    # Used: the same invitation does not work again.
    again = other.post("/staff/enrol", {"invitation": code}, token_from="/staff/enrol")
    assert again.status_code == 401 and "does not work" in page(again)


def test_a_bad_invitation_is_refused_plainly(other):
    refused = other.post("/staff/enrol", {"invitation": "NOPE-NOPE"}, token_from="/staff/enrol")
    assert refused.status_code == 401
    assert "Ask an administrator for a new one" in page(refused)
    assert other.get("/staff/enrol/app").status_code == 303


def test_the_queue_owner_decides_on_their_dashboard(browser, admin, other, account, make, ctx):
    mo_person = make.person(position="Monitoring Officer", roles=("monitoring_officer",))
    owner = account(("intake",), ("monitoring_officer",), person_id=mo_person)
    invite(browser, email="joiner@council.example", name="Joiner", roles=["intake"],
           queues=["monitoring_officer"])
    grant = ctx.session.execute(select(AccessGrant)).scalar_one()
    # The administrator who asked sees it waiting for the owner, with no buttons.
    listed = page(browser.get("/admin/grants"))
    assert "Joiner" in listed and "Waiting for the queue&#39;s owner" in listed
    assert f"/admin/grants/{grant.id}/approve" not in listed
    refused = browser.post(f"/admin/grants/{grant.id}/approve", token_from="/admin/grants")
    assert refused.status_code == 403
    # The owner is told on their dashboard and approves there.
    assert other.sign_in(owner).status_code == 303
    board = page(other.get("/staff/"))
    assert "Requests for access waiting for a decision" in board and "Joiner" in board
    assert "Requests for access" in page(other.get("/admin/grants"))
    approved = other.post(f"/admin/grants/{grant.id}/approve", {"back": "dashboard"})
    assert approved.status_code == 303 and approved.location.endswith("/staff/")
    assert "Approved: the account now has the Monitoring Officer queue." in page(
        other.get("/staff/"))
    ctx.session.expire_all()
    assert grant.state == "approved"
    assert "Joiner" not in page(other.get("/staff/"))


def test_people_who_own_no_queue_see_no_requests(browser, account):
    officer = account(("intake",), ("intake",))
    assert browser.sign_in(officer).status_code == 303
    assert browser.get("/admin/grants").status_code == 403
    assert browser.get("/admin/").status_code == 403
    assert "Requests for access" not in page(browser.get("/staff/"))


def test_deactivation_ends_a_web_session(browser, admin, other, account):
    victim = account(("intake",), ("intake",))
    assert other.sign_in(victim).status_code == 303
    assert other.get("/staff/").status_code == 200
    done = browser.post(f"/admin/users/{victim.id}/deactivate",
                        token_from=f"/admin/users/{victim.id}")
    assert done.status_code == 303
    assert "deactivated" in page(browser.get(done.location))
    assert other.get("/staff/").status_code == 302
    assert other.sign_in(victim).status_code == 422


def test_an_administrator_cannot_change_their_own_account(browser, admin):
    own = page(browser.get(f"/admin/users/{admin.id}"))
    assert "This is your own account" in own and "Save roles and queues" not in own
    for path in (f"/admin/users/{admin.id}", f"/admin/users/{admin.id}/deactivate",
                 f"/admin/users/{admin.id}/invitation"):
        refused = browser.post(path, {"roles": ["admin", "intake"], "queues": ["intake"]},
                               token_from="/admin/")
        assert refused.status_code == 403, path


def test_changing_an_account_and_resetting_its_second_factor(browser, admin, account, ctx):
    officer = account(("intake",), ("intake",))
    changed = browser.post(f"/admin/users/{officer.id}", {
        "roles": ["intake", "investigator"], "queues": ["intake"]},
        token_from=f"/admin/users/{officer.id}")
    assert changed.status_code == 303
    shown = page(browser.get(changed.location))
    assert "takes effect only once approved" in shown
    assert "Investigator (waiting for approval)" in shown
    assert re.search(r'value="investigator"[^>]*checked|checked[^>]*value="investigator"', shown)
    # Saving the page as shown keeps the request; unticking it withdraws it.
    browser.post(f"/admin/users/{officer.id}", {"roles": ["intake", "investigator"],
                                                 "queues": ["intake"]},
                 token_from=f"/admin/users/{officer.id}")
    assert ctx.session.execute(select(AccessGrant.state)).scalars().all() == ["pending"]
    browser.post(f"/admin/users/{officer.id}", {"roles": ["intake"], "queues": ["intake"]},
                 token_from=f"/admin/users/{officer.id}")
    ctx.session.expire_all()
    assert ctx.session.execute(select(AccessGrant.state)).scalars().all() == ["withdrawn"]
    reset = browser.post(f"/admin/users/{officer.id}/invitation",
                         token_from=f"/admin/users/{officer.id}")
    assert reset.status_code == 200 and "New invitation for" in page(reset)
    ctx.session.expire_all()
    assert ctx.session.get(User, officer.id).totp_secret_ct is None


def test_the_landing_page(browser, admin):
    home = page(browser.get("/admin/"))
    for words in ("Requests for access waiting for a decision", "Staff accounts",
                  "People directory"):
        assert words in home
