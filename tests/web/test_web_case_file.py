"""The case file page: a handler chooses notes and messages and what to withhold, and gets a
PDF whose text (read back with pypdf) holds what was chosen, withholds what was withheld, lists
the evidence with its digests, carries the case's audit trail and the exporter's watermark on
every page; the export is audited; nobody else reaches it."""

from __future__ import annotations

import hashlib
import io

from pypdf import PdfReader
from sqlalchemy import select

from casework.models import AuditEvent, Case, User
from casework.services.access import Reporter
from casework.services.audit import Kind
from casework.services.content import add_note, post_message
from casework.services.evidence import accept_evidence
from casework.web.trail_words import kind_words
from tests.web.conftest import page

SECRET_NOTE = "The manager admitted the shouting off the record"


def pdf_text(data: bytes) -> tuple[str, list[str]]:
    """The PDF's whole text and each page's."""
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    return "\n".join(pages), pages


def flat(text: str) -> str:
    return " ".join(text.split())


def a_case(make, ctx, account):
    """A named reporter's case in intake with a note, two messages and a file of evidence;
    its handler (who may reveal identities) and the case."""
    boss = make.person("Pat Boss", position="Head of Parks")
    lodged = make.lodge("disclosure", category="policy_breach", anonymous=False,
                        implicated=[boss],
                        details="Rep Orter here: Pat Boss told me to falsify the figures.")
    case = lodged.case
    acc = account(("intake",), (case.queue,))
    staff = make.actor(ctx.session.get(User, acc.id))
    note = add_note(ctx, staff, case.reference, SECRET_NOTE)
    first = post_message(ctx, staff, case.reference, "Could you tell us when it began?")
    second = post_message(ctx, Reporter(case.id), None, "In March, said Rep Orter.")
    accept_evidence(ctx, Reporter(case.id), None, "figures.txt", b"the real figures\n")
    ctx.session.flush()
    return acc, case, note, first, second


def trail_before(ctx, case: Case, export_seq: int) -> list[AuditEvent]:
    return list(ctx.session.execute(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.seq < export_seq)
        .order_by(AuditEvent.seq)).scalars())


def test_a_redacted_case_file_withholds_the_reporter_and_carries_the_trail(
        browser, account, make, ctx):
    acc, case, note, first, second = a_case(make, ctx, account)
    assert browser.sign_in(acc).status_code == 303
    case_page = page(browser.get(f"/staff/cases/{case.reference}"))
    assert f'href="/staff/cases/{case.reference}/file"' in case_page
    form = page(browser.get(f"/staff/cases/{case.reference}/file"))
    assert f'value="{note.id}"' in form and f'value="{second.id}"' in form
    got = browser.post(f"/staff/cases/{case.reference}/file", {
        "purpose": "tribunal", "notes": [str(note.id)], "messages": [str(second.id)],
        "redact": ["identity", "names"]}, token_from=f"/staff/cases/{case.reference}/file")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    assert f"case-file-{case.reference}.pdf" in got.headers["Content-Disposition"]
    text, pages = pdf_text(got.data)
    words = flat(text)
    assert "Rep Orter" not in words and "Orter" not in words and "rep@example.org" not in words
    assert "Pat Boss" not in words and "Boss" not in words  # names withheld, in the text too
    assert "Implicated [name withheld], Head of Parks" in words
    assert "told me to falsify the figures" in words  # the report itself is there
    assert SECRET_NOTE in words  # the chosen note (its text not withheld)
    assert "In March, said" in words and "Could you tell us" not in words  # only the chosen
    assert "A tribunal or court" in words
    digest = hashlib.sha256(b"the real figures\n").hexdigest()
    assert digest in text.replace("\n", "")
    name = ctx.session.get(User, acc.id).name
    assert all(f"exported by {name}" in flat(p) and "confidential" in flat(p)
               for p in pages)  # the watermark, on every page
    assert len(pages) >= 2
    # the export is audited, with the file's digest and what was chosen
    ctx.session.expire_all()
    export = ctx.session.execute(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.kind == str(Kind.CASE_FILE))).scalar_one()
    assert export.actor == f"user:{acc.id}"
    assert export.details["sha256"] == hashlib.sha256(got.data).hexdigest()
    assert export.details["notes"] == [note.id] and export.details["messages"] == [second.id]
    assert export.details["redacted"] == ["identity", "names"]
    # the trail extract is the case's trail up to the export, in the auditor's words
    before = trail_before(ctx, case, export.seq)
    assert before
    rows = text.splitlines()
    for event in before:
        assert kind_words(event.kind).split()[0] in words
        assert event.kind in words
    listed = [int(line.split()[0]) for line in rows
              if line.split() and line.split()[0].isdigit()
              and int(line.split()[0]) in {e.seq for e in before}]
    assert sorted(set(listed)) == [e.seq for e in before]
    exporter = ctx.session.get(User, acc.id).name
    assert words.count(exporter) == words.lower().count(f"exported by {exporter.lower()}")
    assert case.reference in words


def test_an_unredacted_case_file_names_the_reporter_with_a_reason(browser, account, make, ctx):
    acc, case, note, _, _ = a_case(make, ctx, account)
    assert browser.sign_in(acc).status_code == 303
    url = f"/staff/cases/{case.reference}/file"
    refused = browser.post(url, {"purpose": "ombudsman", "redact": ["notes"]}, token_from=url)
    assert refused.status_code == 422  # giving the identity needs a reason
    assert "identity" in page(refused) and "required" in page(refused).lower()
    got = browser.post(url, {"purpose": "ombudsman", "notes": [str(note.id)],
                             "redact": ["notes"], "identity_reason": "The tribunal ordered it"},
                       token_from=url)
    assert got.status_code == 200
    words = flat(pdf_text(got.data)[0])
    assert "Rep Orter" in words and "rep@example.org" in words
    assert "Implicated Pat Boss, Head of Parks" in words  # names given: those implicated too
    assert SECRET_NOTE not in words and "the text of this note is withheld" in words
    ctx.session.expire_all()
    kinds = list(ctx.session.execute(select(AuditEvent.kind).where(
        AuditEvent.case_id == case.id).order_by(AuditEvent.seq)).scalars())
    assert kinds[-2:] == [str(Kind.IDENTITY_REVEAL), str(Kind.CASE_FILE)]


def test_nobody_else_reaches_the_case_file(browser, account, make, ctx):
    _, case, _, _, _ = a_case(make, ctx, account)
    outsider = account(("intake",), ("hr",))
    assert browser.sign_in(outsider).status_code == 303
    url = f"/staff/cases/{case.reference}/file"
    assert browser.get(url).status_code == 404
    assert browser.get("/staff/cases/NOPE-0000/file").status_code == 404
    investigator = account(("investigator",), (case.queue,))
    assert browser.sign_in(investigator).status_code == 303
    assert browser.get(url).status_code == 403  # sees the case, may not make its file
    assert "export_file" not in page(browser.get(f"/staff/cases/{case.reference}"))
    ctx.session.expire_all()
    assert not ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == str(Kind.CASE_FILE))).first()
