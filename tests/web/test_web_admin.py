"""Administration: the admin role only (403 otherwise), the directory and accounts, the TOTP
secret shown once, and no case content for administrators anywhere."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pyotp
import pytest

from casework.models import Person, User
from tests.web.conftest import PASSWORD, page


@pytest.fixture
def admin(account, browser):
    """An administrator (no content role, so no second factor), signed in."""
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


def test_creating_an_account_shows_the_secret_once_and_it_works(browser, admin, ctx, clock):
    made = browser.post("/admin/users", {
        "email": "new.officer@council.example", "name": "New Officer", "password": PASSWORD,
        "roles": ["intake"], "queues": ["intake", "hr"], "person_id": "0"},
        token_from="/admin/users")
    body = page(made)
    assert made.status_code == 200
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', body).group(1)
    uri = unquote(re.search(r'id="otpauth-uri"[^>]*>([^<]+)<', body).group(1))
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    user = ctx.session.query(User).filter_by(email="new.officer@council.example").one()
    assert user.queues == {"intake", "hr"} and user.needs_second_factor
    assert secret not in page(browser.get("/admin/users"))
    assert secret not in made.headers.get("Location", "")
    # The new officer signs in with the secret they were given.
    browser.post("/staff/sign-out")
    clock.now += timedelta(seconds=30)
    signed_in = browser.client.post("/staff/sign-in", data={
        "email": "new.officer@council.example", "password": PASSWORD,
        "totp": pyotp.TOTP(secret).at(clock.now), "csrf_token": browser.token()})
    assert signed_in.status_code == 303


def test_an_existing_email_is_refused_clearly(browser, admin, account):
    existing = account()
    refused = browser.post("/admin/users", {
        "email": existing.email, "name": "Twin", "password": PASSWORD, "roles": ["auditor"]},
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
