"""Staff sign-in through the page: the second factor for every account, a new session at
sign-in, and signing out."""

from __future__ import annotations

import pytest

from casework.web.sessions import COOKIE
from tests.web.conftest import page


def test_a_content_role_needs_the_authenticator_code(browser, account):
    officer = account(("intake",), ("intake",))
    refused = browser.sign_in(officer, code="")
    assert refused.status_code == 422
    assert "Those sign-in details are not right" in page(refused)
    assert browser.get("/staff/").status_code == 302  # still signed out: sent to sign in
    wrong = browser.sign_in(officer, code="000000" if browser.code(officer) != "000000"
                            else "111111")
    assert wrong.status_code == 422
    signed_in = browser.sign_in(officer)
    assert signed_in.status_code == 303 and signed_in.location.endswith("/staff/")
    assert browser.get("/staff/").status_code == 200


@pytest.mark.parametrize("role", ["admin", "intake", "investigator", "decision_maker",
                                  "hr_analyst", "auditor"])
def test_every_role_needs_the_authenticator_code(browser, account, role):
    someone = account((role,), ())
    assert someone.totp_secret
    refused = browser.sign_in(someone, code="")
    assert refused.status_code == 422
    assert "Those sign-in details are not right" in page(refused)
    assert browser.get("/staff/").status_code == 302
    assert browser.sign_in(someone).status_code == 303
    assert browser.get("/staff/").status_code == 200


def test_an_account_without_content_roles_sees_no_case_list(browser, account):
    admin = account(("admin",), ())
    assert browser.sign_in(admin).status_code == 303
    dashboard = page(browser.get("/staff/"))
    assert "Your account does not handle cases" in dashboard
    assert 'href="/staff/cases"' not in dashboard


def test_the_session_is_regenerated_at_sign_in(browser, client, account):
    officer = account()
    browser.get("/staff/sign-in")  # the CSRF token makes a session before sign-in
    before = client.get_cookie(COOKIE).value
    assert browser.sign_in(officer).status_code == 303
    after = client.get_cookie(COOKIE).value
    assert before and after and before != after
    # The session fixed before sign-in is worth nothing now.
    client.set_cookie(COOKIE, before)
    assert client.get("/staff/").status_code == 302


def test_signing_out_needs_the_form_and_ends_the_session(browser, client, handler):
    assert client.post("/staff/sign-out").status_code == 400  # no CSRF token
    assert browser.get("/staff/").status_code == 200
    out = browser.post("/staff/sign-out")
    assert out.status_code == 303
    assert browser.get("/staff/").status_code == 302


def test_staff_pages_need_sign_in(client):
    for path in ("/staff/", "/staff/cases", "/staff/triage", "/staff/record",
                 "/staff/cases/CW-ANYTHING"):
        response = client.get(path)
        assert response.status_code == 302 and "/staff/sign-in" in response.location


def test_a_browser_that_signed_in_before_is_not_locked_out_by_strangers(
        browser, client, account, app):
    acc = account()
    assert browser.sign_in(acc).status_code == 303
    cookie = client.get_cookie("casework_device", path="/staff/sign-in")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    browser.post("/staff/sign-out")
    stranger = type(browser)(app.test_client(), browser.clock)
    for _ in range(6):
        stranger.client.post("/staff/sign-in", data={
            "email": acc.email, "password": "wrong one", "csrf_token": stranger.token()})
    assert browser.sign_in(acc).status_code == 303  # the owner's browser gets in
    other = type(browser)(app.test_client(), browser.clock)
    assert other.sign_in(acc).status_code == 429  # a new browser waits out the block
