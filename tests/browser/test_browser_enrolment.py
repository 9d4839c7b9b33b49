"""Separation of duties in a real browser: the administrator invites a new officer to the
Monitoring Officer's queue and sees an invitation, never a password or secret; the officer
enrols (QR code drawn by the server, a first code before anything is saved); the queue stays
closed to them until the Monitoring Officer approves the request on their dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.browser_kit import Login, fresh_code, sign_in

pytestmark = pytest.mark.browser

EMAIL = "new.officer@demo.casework.example"
PASSWORD = "a password of my own choosing"


def test_invite_enrol_and_approve(visit, live):
    admin = visit()
    page = admin.page
    sign_in(admin, live.logins["admin"])
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    admin.check("enrol-01-admin-landing")

    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Staff accounts").click()
    page.get_by_label("Email address", exact=True).fill(EMAIL)
    page.get_by_label("Name", exact=True).fill("New Officer")
    page.get_by_label(re.compile("^Intake officer")).check()
    page.get_by_label("Monitoring Officer", exact=True).check()
    page.get_by_role("button", name="Create the account and its invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation for New Officer")
    invitation = page.locator("#invitation").inner_text().strip()
    assert re.fullmatch(r"([A-Z2-7]{4}-){5}[A-Z2-7]{4}", invitation)
    assert page.locator("#totp-secret").count() == 0
    expect(page.get_by_text("Waiting for the queue's owner")).to_be_visible()
    admin.check("enrol-02-invitation-shown")
    page.get_by_role("link", name="New Officer's account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New Officer")
    admin.check("enrol-02b-account-page")
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Requests for access"
                                                              ).click()
    expect(page.get_by_role("rowheader", name="New Officer")).to_be_visible()
    admin.check("enrol-02c-requests-as-the-one-who-asked")

    officer = visit()
    page = officer.page
    officer.goto("/staff/sign-in")
    page.get_by_role("link", name="Enrol with an invitation").click()
    officer.check("enrol-03-invitation-form")
    page.get_by_label("Invitation", exact=True).fill(invitation)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    officer.check("enrol-04-authenticator-app")
    login = Login(EMAIL, PASSWORD, secret)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    officer.check("enrol-05-wrong-code")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(fresh_code(login))
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_text("Your account is ready.")).to_be_visible()
    officer.check("enrol-06-ready-to-sign-in")
    sign_in(officer, login)
    expect(page.get_by_text("There are no open cases in your queues.")).to_be_visible()

    owner = visit()
    page = owner.page
    sign_in(owner, live.logins["mo"])
    expect(page.get_by_role("heading", name="Requests for access waiting for a decision")
           ).to_be_visible()
    owner.check("enrol-07-owner-dashboard")
    page.get_by_role("button", name=re.compile("^Approve queue: monitoring officer for New")
                     ).click()
    expect(page.get_by_text("Approved: the account now has the Monitoring Officer queue.")
           ).to_be_visible()
    owner.check("enrol-08-owner-approved")

    officer.goto("/staff/")
    expect(officer.page.get_by_text("There are no open cases in your queues.")).to_have_count(0)
    officer.check("enrol-09-officer-sees-the-queue")
