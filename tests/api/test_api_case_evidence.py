"""Staff read a case's evidence through the API (docs/API.md, section 3): the list with digests,
and each file as stored after cleaning, its download audited; hidden exactly like the case."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from casework.models import AuditEvent
from casework.services.access import Reporter
from casework.services.audit import Kind
from casework.services.evidence import accept_evidence


def test_the_list_and_the_file_as_stored(api, sign_in, make, ctx):
    case = make.lodge("disclosure", category="policy_breach").case
    stored = accept_evidence(ctx, Reporter(case.id), None, "what I saw.txt", b"the ledger")
    _, token = sign_in(("intake",), (case.queue,))
    listed = api.get(f"/cases/{case.reference}/attachments", token=token)
    assert listed.status_code == 200
    assert listed.get_json() == [{
        "id": stored.id, "filename": "what I saw.txt", "size": len(b"the ledger"),
        "sha256": hashlib.sha256(b"the ledger").hexdigest(), "from": "reporter",
        "at": listed.get_json()[0]["at"]}]
    got = api.get(f"/cases/{case.reference}/attachments/{stored.id}", token=token)
    assert got.status_code == 200 and got.data == b"the ledger"
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert "attachment" in got.headers["Content-Disposition"]
    reads = ctx.session.execute(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.kind == Kind.ATTACHMENT_READ)).scalars().all()
    assert len(reads) == 1


def test_hidden_like_the_case_and_never_another_cases_file(api, sign_in, make, ctx):
    case = make.lodge("disclosure", category="policy_breach").case
    other = make.lodge("disclosure", category="policy_breach").case
    theirs = accept_evidence(ctx, Reporter(other.id), None, "other.txt", b"not yours")
    _, outsider = sign_in(("intake",), ("hr",))
    for path in (f"/cases/{case.reference}/attachments",
                 f"/cases/{case.reference}/attachments/{theirs.id}"):
        hidden = api.get(path, token=outsider)
        made_up = api.get(path.replace(case.reference, "CW-ZZZZZZZZ"), token=outsider)
        assert hidden.status_code == made_up.status_code == 404
        assert hidden.get_json() == made_up.get_json()
    _, handler = sign_in(("intake",), (case.queue,))
    assert api.get(f"/cases/{case.reference}/attachments/{theirs.id}",
                   token=handler).status_code == 404
    assert api.get(f"/cases/{case.reference}/attachments/99999999999999999999",
                   token=handler).status_code == 404
