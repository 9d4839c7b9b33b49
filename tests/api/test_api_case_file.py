"""The case file over the API (docs/API.md): the same PDF as the page, redacted by default,
the identity given only with a reason, the export audited; hidden exactly like the case."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from casework.models import AuditEvent
from casework.services.access import Reporter
from casework.services.audit import Kind
from casework.services.content import post_message
from casework.web.pdf import STATIC, Refused, local_file


def words(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
                    .split())


def test_the_default_file_withholds_identity_and_names_and_is_audited(api, sign_in, make, ctx):
    case = make.lodge("disclosure", category="policy_breach", anonymous=False,
                      details="I am Rep Orter and I saw it happen.").case
    said = post_message(ctx, Reporter(case.id), None, "Rep Orter again, with more.")
    acc, token = sign_in(("intake",), (case.queue,))
    got = api.post(f"/cases/{case.reference}/file", token=token,
                   json={"messages": [said.id]})
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/pdf"
    text = words(got.data)
    assert "Orter" not in text and "I am [reporter's identity withheld]" in text
    assert "again, with more." in text
    export = ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == str(Kind.CASE_FILE))).scalar_one()
    assert export.case_id == case.id and export.actor == f"user:{acc.id}"
    assert export.details["sha256"] == hashlib.sha256(got.data).hexdigest()
    assert export.details["redacted"] == ["identity", "names", "notes"]
    named = api.post(f"/cases/{case.reference}/file", token=token,
                     json={"redact": ["names"], "identity_reason": "The tribunal asked"})
    assert named.status_code == 200 and "Rep Orter" in words(named.data)


def test_refusals(api, sign_in, make, ctx):
    case = make.lodge("disclosure", category="policy_breach", anonymous=False).case
    other = make.lodge("disclosure", category="policy_breach").case
    theirs = post_message(ctx, Reporter(other.id), None, "not yours")
    _, token = sign_in(("intake",), (case.queue,))
    path = f"/cases/{case.reference}/file"
    no_reason = api.post(path, token=token, json={"redact": []})
    assert no_reason.status_code == 422
    assert "identity_reason" in no_reason.get_json()["error"]["fields"]
    elsewhere = api.post(path, token=token, json={"messages": [theirs.id]})
    assert elsewhere.status_code == 422 and "messages" in elsewhere.get_json()["error"]["fields"]
    assert api.post(path, token=token, json={"purpose": "press"}).status_code == 422
    _, outsider = sign_in(("intake",), ("hr",))
    assert api.post(path, token=outsider, json={}).status_code == 404
    _, investigator = sign_in(("investigator",), (case.queue,))
    assert api.post(path, token=investigator, json={}).status_code == 403
    assert not ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == str(Kind.CASE_FILE))).first()


@pytest.mark.parametrize("url", [
    "https://fonts.example.com/font.woff2", "http://127.0.0.1/x.css", "file:///etc/passwd",
    "file://host/casework/static/pdf.css", "data:text/css,body{}"])
def test_the_pdf_builder_fetches_nothing_but_its_own_static_files(url):
    with pytest.raises(Refused):
        local_file(url)


def test_its_own_stylesheet_is_fetched():
    assert local_file(
        (STATIC / "pdf.css").as_uri()
    ).name == "pdf.css"
