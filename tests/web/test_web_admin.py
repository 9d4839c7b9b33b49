"""Administration: the admin role only (403 otherwise), the directory and accounts, the TOTP
secret shown once, and no case content for administrators anywhere."""

from __future__ import annotations

import re

import pytest

from casework.models import Person, User
from tests.web.conftest import page


@pytest.fixture
def admin(account, browser):
    """An administrator (a second factor, like every account), signed in."""
    acc = account(("admin",), ())
    assert browser.sign_in(acc).status_code == 303
    return acc


def test_admin_pages_refuse_everyone_else(browser, handler):
    for path in ("/admin/people", "/admin/users"):
        assert browser.get(path).status_code == 403
        refused = browser.post(path, {"name": "X", "position": "Y"})
        assert refused.status_code == 403
        assert "Not allowed" in page(refused)


def test_admin_pages_send_strangers_to_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/staff/sign-in" in response.location


def test_adding_someone_to_the_directory(browser, admin, make, ctx):
    boss = make.person("Morgan Boss", position="Director")
    added = browser.post("/admin/people", {
        "name": "Avery Clerk", "position": "Clerk", "department": "", "roles": [],
        "manager_id": str(boss), "email": "avery@council.example"}, token_from="/admin/people")
    assert added.status_code == 303
    person = ctx.session.query(Person).filter_by(name="Avery Clerk").one()
    assert person.manager_id == boss
    listed = page(browser.get("/admin/people"))
    assert "Avery Clerk" in listed and "Morgan Boss" in listed
    refused = browser.post("/admin/people", {"name": "", "position": "Clerk"},
                           token_from="/admin/people")
    assert refused.status_code == 422 and 'href="#name"' in page(refused)


def test_inviting_an_account_shows_the_invitation_once_and_no_secret(browser, admin, ctx):
    made = browser.post("/admin/users", {
        "email": "new.officer@council.example", "name": "New Officer",
        "roles": ["intake"], "queues": ["intake", "hr"], "person_id": "0"},
        token_from="/admin/users")
    body = page(made)
    assert made.status_code == 200
    code = re.search(r'id="invitation">([A-Z2-7-]+)<', body).group(1)
    assert len(code.replace("-", "")) == 24
    assert "totp-secret" not in body and "otpauth" not in body
    user = ctx.session.query(User).filter_by(email="new.officer@council.example").one()
    # Nothing reaches a case yet: both queues wait for approval; nothing to sign in with.
    assert user.queues == frozenset() and user.roles == {"intake"}
    assert not user.enrolled and user.totp_secret_ct is None
    assert "Waiting for approval" in body
    assert code not in page(browser.get("/admin/users"))
    assert code not in made.headers.get("Location", "")


def test_an_existing_email_is_refused_clearly(browser, admin, account):
    existing = account()
    refused = browser.post("/admin/users", {
        "email": existing.email, "name": "Twin", "roles": ["auditor"]},
        token_from="/admin/users")
    assert refused.status_code == 409
    assert "An account with this email exists already." in page(refused)


def test_administrators_cannot_open_cases(browser, admin, make):
    case = make.case()
    assert browser.get(f"/staff/cases/{case.reference}").status_code == 404
    for path in ("/staff/", "/staff/cases", "/staff/triage", "/admin/users", "/admin/people"):
        assert case.reference not in page(browser.get(path)), path
    assert browser.get("/staff/record").status_code == 403
    assert browser.post(f"/staff/cases/{case.reference}/notes",
                        {"note-body": "admin was here"}).status_code == 404
