"""Key derivation happens before the request's transaction begins: the receipt's argon2id hash
on intake, its check on a reporter's sign-in, the password check on a staff sign-in. Each is
still what decides the answer."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.crypto import passwords, receipts
from casework.models import AuditEvent, Case
from tests.hash_spy import spy_on

REPORT = {"route": "disclosure", "category": "health_and_safety", "anonymous": "yes",
          "summary": "Unsafe scaffolding", "details": "The scaffolding at the depot is loose."}


def test_intake_hashes_the_receipt_before_its_transaction(browser, ctx, monkeypatch):
    spy = spy_on(monkeypatch, receipts, "RECEIPT_HASHER")
    cases = ctx.session.execute(select(func.count()).select_from(Case)).scalar()
    sent = browser.post("/report", REPORT, token_from="/report?kind=disclosure")
    assert sent.status_code == 303
    assert ctx.session.execute(select(func.count()).select_from(Case)).scalar() == cases + 1
    assert spy.calls == [("hash", False)]


def test_a_reporter_sign_in_checks_the_receipt_before_its_transaction(browser, make,
                                                                      monkeypatch):
    lodged = make.lodge("disclosure")
    spy = spy_on(monkeypatch, receipts, "RECEIPT_HASHER")
    wrong = browser.post("/return", {"reference": lodged.reference,
                                     "receipt": "AAAA-AAAA-AAAA-AAAA-AAAA"}, token_from="/return")
    assert wrong.status_code == 422
    unknown = browser.post("/return", {"reference": "CW-ZZZZZZZZ", "receipt": lodged.receipt},
                           token_from="/return")
    assert unknown.status_code == 422
    right = browser.post("/return", {"reference": lodged.reference, "receipt": lodged.receipt},
                         token_from="/return")
    assert right.status_code == 303 and right.headers["Location"].endswith("/my-report")
    assert spy.calls and all(not open_ for _, open_ in spy.calls), spy.calls
    # an unknown reference does the same work as a known one: one verification each
    assert [m for m, _ in spy.calls].count("verify") == 3


def test_a_staff_sign_in_checks_the_password_before_its_transaction(browser, account, ctx,
                                                                    monkeypatch):
    acc = account(("intake",))
    spy = spy_on(monkeypatch, passwords, "PASSWORD_HASHER")
    failed = browser.client.post("/staff/sign-in", data={
        "email": acc.email, "password": "not the password", "totp": browser.code(acc),
        "csrf_token": browser.token()})
    assert failed.status_code != 303
    assert ctx.session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.kind == "auth:login:fail")).scalar() == 1
    assert browser.sign_in(acc).status_code == 303
    assert [m for m, _ in spy.calls] == ["verify", "verify"]
    assert not any(open_ for _, open_ in spy.calls), spy.calls
