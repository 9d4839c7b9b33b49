"""The request edge (casework/web/edge.py): a request answered 4xx leaves nothing it wrote,
while what must outlive it stays committed: the audited reads of the page shown instead, the
refusal on record, failed sign-ins and their throttle counts, each written once."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from casework.models import AuditEvent, Case, CaseEvent, Note, Throttle
from casework.services import audit, notify
from casework.services.errors import Conflict, Invalid
from casework.services.tokens import issue
from tests.web.conftest import PASSWORD

REPORT = {"route": "disclosure", "category": "health_and_safety", "anonymous": "yes",
          "summary": "Unsafe scaffolding", "details": "The scaffolding at the depot is loose."}


def count(ctx, model, *where) -> int:
    ctx.session.expire_all()
    return ctx.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def audited(ctx, kind: audit.Kind, case_id: int | None = None) -> int:
    where = [AuditEvent.kind == kind] + ([AuditEvent.case_id == case_id] if case_id else [])
    return count(ctx, AuditEvent, *where)


def chain_holds(ctx) -> bool:
    """The kept writes, redone after the rollback, still chain correctly."""
    return audit.verify(ctx.session, audit.chain_key(ctx.runtime.keyring)).ok


def test_a_report_whose_evidence_is_refused_leaves_no_case(browser, ctx):
    cases, lodged = count(ctx, Case), audited(ctx, audit.Kind.CASE_LODGE)
    data = {**REPORT, "csrf_token": browser.token("/report?kind=disclosure"),
            "evidence": (io.BytesIO(b"MZ\x90\x00not a document"), "tool.exe")}
    response = browser.client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert count(ctx, Case) == cases  # the case row was written, then undone
    assert audited(ctx, audit.Kind.CASE_LODGE) == lodged
    assert chain_holds(ctx)


@pytest.fixture
def signed_in(browser, account, make):
    """A handler of a new case's queue, signed in through the page; the case."""
    case = make.case()
    acc = account(("intake", "investigator", "decision_maker"), (case.queue,))
    assert browser.sign_in(acc).status_code == 303
    return acc, case


def post_from_case_page(browser, case, action: str, data: dict):
    """POST a case page's form (its CSRF token taken from the page, read once before)."""
    token = browser.token(f"/staff/cases/{case.reference}")
    return lambda: browser.client.post(f"/staff/cases/{case.reference}/{action}",
                                       data={"csrf_token": token, **data})


def test_a_step_refused_after_it_was_written_leaves_no_event_but_keeps_the_reads(
        browser, signed_in, ctx, monkeypatch):
    _, case = signed_in
    send = post_from_case_page(browser, case, "transition", {
        "transition": "acknowledge", "version": str(case.version)})
    events = count(ctx, CaseEvent, CaseEvent.case_id == case.id)
    views = audited(ctx, audit.Kind.CASE_VIEW, case.id)

    def refuse(*args, **kwargs):  # after the event, the clocks and the audit entry
        raise Invalid("Refused at the last moment.", {"message": "required"})
    monkeypatch.setattr(notify, "tell_reporter", refuse)
    assert send().status_code == 422
    assert count(ctx, CaseEvent, CaseEvent.case_id == case.id) == events
    assert ctx.session.get(Case, case.id).state == "received"
    assert audited(ctx, audit.Kind.CASE_TRANSITION, case.id) == 0
    assert audited(ctx, audit.Kind.CASE_VIEW, case.id) == views + 1  # the 422 page's read
    assert chain_holds(ctx)


def test_a_form_refused_writes_nothing_and_keeps_the_reads_of_the_page_shown(
        browser, signed_in, ctx):
    _, case = signed_in
    send = post_from_case_page(browser, case, "notes", {"note-body": ""})
    events = count(ctx, CaseEvent, CaseEvent.case_id == case.id)
    views = audited(ctx, audit.Kind.CASE_VIEW, case.id)
    notes_read = audited(ctx, audit.Kind.NOTE_READ, case.id)
    assert send().status_code == 422
    assert count(ctx, Note, Note.case_id == case.id) == 0
    assert count(ctx, CaseEvent, CaseEvent.case_id == case.id) == events
    assert audited(ctx, audit.Kind.CASE_VIEW, case.id) == views + 1
    assert audited(ctx, audit.Kind.NOTE_READ, case.id) == notes_read + 1


def test_an_api_step_refused_after_it_was_written_leaves_nothing(client, make, ctx,
                                                                  monkeypatch):
    case = make.case()
    user = make.user(roles=("intake",), queues=(case.queue,))
    token = issue(ctx, user=user).token
    ctx.session.flush()
    events = count(ctx, CaseEvent, CaseEvent.case_id == case.id)

    def refuse(*args, **kwargs):
        raise Conflict("Someone else acted first.")
    monkeypatch.setattr(notify, "tell_reporter", refuse)
    response = client.post(f"/api/v1/cases/{case.reference}/transitions",
                           headers={"Authorization": f"Bearer {token}"},
                           json={"transition": "acknowledge", "version": case.version})
    assert response.status_code == 409
    assert count(ctx, CaseEvent, CaseEvent.case_id == case.id) == events
    assert audited(ctx, audit.Kind.CASE_TRANSITION, case.id) == 0


def test_a_refusal_on_a_visible_case_stays_on_the_record(client, make, ctx):
    case = make.case()
    user = make.user(roles=("investigator",), queues=(case.queue,))
    token = issue(ctx, user=user).token
    ctx.session.flush()
    response = client.post(f"/api/v1/cases/{case.reference}/identity",
                           headers={"Authorization": f"Bearer {token}"}, json={"reason": "x"})
    assert response.status_code == 403
    assert audited(ctx, audit.Kind.IDENTITY_REFUSED, case.id) == 1
    assert audited(ctx, audit.Kind.IDENTITY_REVEAL, case.id) == 0
    assert chain_holds(ctx)


def test_failed_sign_ins_are_counted_once_each_and_audited(browser, account, ctx):
    acc = account(("intake",), ("intake",))
    fails = audited(ctx, audit.Kind.LOGIN_FAIL)
    for _ in range(2):
        response = browser.client.post("/staff/sign-in", data={
            "email": acc.email, "password": PASSWORD + "!", "totp": browser.code(acc),
            "csrf_token": browser.token()})
        assert response.status_code == 422
    assert audited(ctx, audit.Kind.LOGIN_FAIL) == fails + 2
    counted = ctx.session.execute(select(func.max(Throttle.failures))).scalar()
    assert counted == 2  # redone after each rollback, never twice
    assert chain_holds(ctx)


def test_failed_reporter_sign_ins_are_counted_and_audited(browser, make, ctx):
    case = make.case()
    fails = audited(ctx, audit.Kind.REPORTER_LOGIN_FAIL)
    for _ in range(2):
        response = browser.client.post("/return", data={
            "reference": case.reference, "receipt": "not-the-receipt",
            "csrf_token": browser.token("/return")})
        assert response.status_code == 422
    assert audited(ctx, audit.Kind.REPORTER_LOGIN_FAIL) == fails + 2
    buckets = ctx.session.execute(select(Throttle.bucket, Throttle.failures)).all()
    assert any(name.startswith("receipt-ref") and n == 2 for name, n in buckets)
    assert chain_holds(ctx)
