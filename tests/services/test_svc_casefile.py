"""The handler's case file, as the service builds it (the renderer is the caller's): what is
chosen and withheld, whole words only, the original untouched, the trail up to the export."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.models import AuditEvent
from casework.services.access import Reporter
from casework.services.audit import Kind
from casework.services.casefile import FileChoice, make_case_file
from casework.services.content import DAMAGED, add_note, post_message
from casework.services.errors import Invalid
from casework.services.views import case_view


def kept(documents: list):
    """A renderer that keeps the document it is given."""
    def render(document) -> bytes:
        documents.append(document)
        return b"%PDF-1.7 stand-in"
    return render


@pytest.fixture
def named(make, ctx):
    """A named reporter's case naming a directory person, with a note and two messages."""
    boss = make.person("Dana Parkes", position="Highways Manager")
    case = make.lodge("disclosure", category="policy_breach", anonymous=False,
                      implicated=[boss],
                      details="Rep Orter writes: Dana Parkes and Parkeston depot; "
                              "email rep@example.org.").case
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    note = add_note(ctx, handler, case.reference, "Dana said no.")
    asked = post_message(ctx, handler, case.reference, "When?")
    answer = post_message(ctx, Reporter(case.id), None, "Monday.")
    return case, handler, note, asked, answer


def test_withheld_words_are_whole_words_and_the_case_keeps_them(named, ctx):
    case, handler, note, asked, answer = named
    documents: list = []
    made = make_case_file(ctx, handler, case.reference, FileChoice(
        notes=frozenset({note.id}), messages=frozenset({answer.id}),
        redact=frozenset({"identity", "names"})), kept(documents))
    record = documents[0].record
    details = record["report"]["details"]
    assert details == ("[reporter's identity withheld] writes: [name withheld] and Parkeston "
                       "depot; email [reporter's identity withheld].")  # not inside a word
    assert [n["text"] for n in record["notes"]] == ["[name withheld] said no."]  # a name's part
    assert [m["id"] for m in record["messages"]] == [answer.id]  # only those chosen
    assert made.sha256 and made.filename == f"case-file-{case.reference}.pdf"
    view = case_view(ctx, handler, case.reference)
    assert "Rep Orter writes: Dana Parkes" in view.details  # the stored case is untouched


def test_the_trail_is_the_cases_until_the_export(named, ctx):
    case, handler, *_ = named
    documents: list = []
    make_case_file(ctx, handler, case.reference, FileChoice(), kept(documents))
    events = list(ctx.session.execute(select(AuditEvent).where(
        AuditEvent.case_id == case.id).order_by(AuditEvent.seq)).scalars())
    assert events[-1].kind == str(Kind.CASE_FILE)
    assert [(e["seq"], e["kind"]) for e in documents[0].trail] == [
        (e.seq, e.kind) for e in events[:-1]]
    assert documents[0].record["notes"] == [] and documents[0].record["messages"] == []


def test_the_identity_needs_a_reason_and_the_policys_leave(named, make, ctx):
    case, handler, *_ = named
    with pytest.raises(Invalid) as refused:
        make_case_file(ctx, handler, case.reference, FileChoice(redact=frozenset()),
                       kept([]))
    assert set(refused.value.fields) == {"identity_reason"}
    investigator = make.staff(roles=("investigator", "intake"), queues=(case.queue,))
    documents: list = []
    make_case_file(ctx, investigator, case.reference, FileChoice(
        redact=frozenset(), identity_reason="ordered by the tribunal"), kept(documents))
    assert documents[0].reporter["name"] == "Rep Orter"
    kinds = list(ctx.session.execute(select(AuditEvent.kind).where(
        AuditEvent.case_id == case.id).order_by(AuditEvent.seq)).scalars())
    assert kinds[-2:] == [str(Kind.IDENTITY_REVEAL), str(Kind.CASE_FILE)]


def test_a_damaged_note_is_marked_damaged_not_a_failure(named, ctx):
    case, handler, note, *_ = named
    note.body_ct = b"\x00" + bytes(note.body_ct)[1:]  # one byte changed: it no longer opens
    ctx.session.flush()
    documents: list = []
    make_case_file(ctx, handler, case.reference, FileChoice(
        notes=frozenset({note.id}), redact=frozenset({"identity"})), kept(documents))
    assert [n["text"] for n in documents[0].record["notes"]] == [DAMAGED]


def test_a_name_that_looks_like_the_records_machinery_leaves_it_whole(make, ctx):
    """Names are blanked in words people wrote, never in times, keys or digests (a person
    named "00" or "disclosure" once turned every time in the file into "+[name withheld]")."""
    odd = [make.person("00"), make.person("Disclosure")]
    case = make.lodge("disclosure", category="policy_breach", implicated=odd,
                      details="00 and Disclosure were there.").case
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    documents: list = []
    make_case_file(ctx, handler, case.reference, FileChoice(redact=frozenset({"names"})),
                   kept(documents))
    document = documents[0]
    record = document.record
    assert record["opened_at"] == case.opened_at.isoformat()
    assert record["route"] == "disclosure" and record["reference"] == case.reference
    assert record["timeline"] and not [t for t in record["timeline"] if "withheld" in t["at"]]
    assert record["report"]["details"] == "[name withheld] and [name withheld] were there."
    assert document.trail and not [e for e in document.trail if "withheld" in e["kind"]]
