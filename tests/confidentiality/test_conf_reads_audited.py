"""Every read of confidential content is audited, without the content; identity needs a reason
and a role the policy pack allows, and the reason is sealed."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from casework.models import AuditEvent, CaseEvent
from casework.services.access import Reporter
from casework.services.assignments import assign
from casework.services.audit import Kind
from casework.services.content import (
    add_note,
    list_messages,
    list_notes,
    post_message,
    read_attachment,
    reveal_identity,
)
from casework.services.errors import Forbidden, Invalid
from casework.services.evidence import accept_evidence
from casework.services.reports import NewReport, ReporterInput, lodge_report
from casework.services.views import case_view


@pytest.fixture
def world(make, ctx, markers):
    """A named-reporter case with a marker in each confidential place, and its handler."""
    words = {k: markers() for k in ("summary", "details", "name", "note", "message", "file",
                                    "bytes", "reason")}
    lodged = lodge_report(ctx, NewReport(
        route="disclosure", category="policy_breach", summary=words["summary"],
        details=words["details"], anonymous=False,
        reporter=ReporterInput(name=words["name"], email="r@example.org")))
    case = lodged.case
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    add_note(ctx, handler, case.reference, words["note"])
    post_message(ctx, Reporter(case.id), None, words["message"])
    stored = accept_evidence(ctx, Reporter(case.id), None, words["file"] + ".txt",
                            words["bytes"].encode())
    return case, handler, stored, words


def _last_seq(ctx) -> int:
    return ctx.session.execute(select(func.coalesce(func.max(AuditEvent.seq), 0))).scalar()


def _since(ctx, seq: int) -> list[AuditEvent]:
    return list(ctx.session.execute(select(AuditEvent).where(AuditEvent.seq > seq)
                                    .order_by(AuditEvent.seq)).scalars())


READS = {
    "case_view": (Kind.CASE_VIEW, lambda ctx, a, c, s: case_view(ctx, a, c.reference)),
    "list_notes": (Kind.NOTE_READ, lambda ctx, a, c, s: list_notes(ctx, a, c.reference)),
    "list_messages": (Kind.MESSAGE_READ,
                      lambda ctx, a, c, s: list_messages(ctx, a, c.reference)),
    "reveal_identity": (Kind.IDENTITY_REVEAL,
                        lambda ctx, a, c, s: reveal_identity(ctx, a, c.reference, "needed")),
    "read_attachment": (Kind.ATTACHMENT_READ,
                        lambda ctx, a, c, s: read_attachment(ctx, a, c.reference, s.id)),
}


@pytest.mark.parametrize("read", sorted(READS))
def test_each_read_of_content_adds_its_audit_event(ctx, world, read):
    case, handler, stored, _ = world
    kind, call = READS[read]
    before = _last_seq(ctx)
    call(ctx, handler, case, stored)
    events = [e for e in _since(ctx, before) if e.kind == str(kind)]
    assert len(events) == 1
    assert (events[0].actor, events[0].case_id) == (f"user:{handler.user_id}", case.id)


def test_reads_return_the_content_they_audit(ctx, world):
    case, handler, stored, words = world
    assert case_view(ctx, handler, case.reference).summary == words["summary"]
    assert [n.body for n in list_notes(ctx, handler, case.reference)] == [words["note"]]
    assert [m.body for m in list_messages(ctx, handler, case.reference)] == [words["message"]]
    meta, data = read_attachment(ctx, handler, case.reference, stored.id)
    assert (meta["filename"], data) == (words["file"] + ".txt", words["bytes"].encode())
    assert reveal_identity(ctx, handler, case.reference, "needed")["name"] == words["name"]


def test_a_reporter_reading_messages_is_audited_as_the_reporter(ctx, world):
    case, _, _, _ = world
    before = _last_seq(ctx)
    list_messages(ctx, Reporter(case.id), None)
    [event] = _since(ctx, before)
    assert (event.kind, event.actor, event.case_id) == (str(Kind.MESSAGE_READ), "reporter",
                                                        case.id)


def test_no_audit_event_holds_any_confidential_word(ctx, world, find_leaks):
    case, handler, stored, words = world
    for _, call in READS.values():
        call(ctx, handler, case, stored)
    reveal_identity(ctx, handler, case.reference, words["reason"])
    trail = ctx.session.execute(select(AuditEvent)).scalars().all()
    text = "\n".join(json.dumps([e.kind, e.actor, e.details]) for e in trail).encode()
    assert str(Kind.IDENTITY_REVEAL) in text.decode()
    assert find_leaks(text, list(words.values())) == []


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_identity_needs_a_reason(ctx, world, reason):
    case, handler, _, _ = world
    before = _last_seq(ctx)
    with pytest.raises(Invalid) as refused:
        reveal_identity(ctx, handler, case.reference, reason)
    assert "reason" in refused.value.fields
    assert str(Kind.IDENTITY_REVEAL) not in {e.kind for e in _since(ctx, before)}


def test_identity_is_refused_to_a_role_the_pack_does_not_name(make, ctx, world):
    case, _, _, words = world
    assert ctx.runtime.pack.identity_reveal_roles == {"intake"}
    investigator = make.staff(roles=("investigator",), queues=(case.queue,))
    assert case_view(ctx, investigator, case.reference).summary == words["summary"]
    before = _last_seq(ctx)
    with pytest.raises(Forbidden) as refused:
        reveal_identity(ctx, investigator, case.reference, "curious")
    # The unit of work is rolled back at the edge; the refusal travels with the error and is
    # written on its own there (see tests/api/test_api_content.py for the committed record).
    trace = refused.value.trace
    assert (trace.kind, trace.actor, trace.case_id) == (
        Kind.IDENTITY_REFUSED, investigator.label, case.id)
    assert str(Kind.IDENTITY_REVEAL) not in {e.kind for e in _since(ctx, before)}


def test_the_pack_decides_which_roles_may_see_identity(make, ctx, runtime, world):
    case, handler, _, words = world
    runtime.pack = replace(runtime.pack, identity_reveal_roles=frozenset({"investigator"}))
    investigator = make.user(roles=("investigator",), queues=())
    assign(ctx, handler, case.reference, investigator.id, "investigator")
    assert reveal_identity(ctx, make.actor(investigator), case.reference,
                           "to take a statement")["name"] == words["name"]
    with pytest.raises(Forbidden):
        reveal_identity(ctx, handler, case.reference, "intake no longer may")


def test_the_reason_for_a_reveal_is_sealed_on_the_case(ctx, world, find_leaks):
    case, handler, _, words = world
    reveal_identity(ctx, handler, case.reference, words["reason"])
    event = ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "identity_revealed")).scalar_one()
    assert event.actor_user_id == handler.user_id
    assert find_leaks(bytes(event.fields_ct) + json.dumps(event.facts).encode(),
                      [words["reason"]]) == []
    assert ctx.vault(case).open_json("event", event.id, event.fields_ct) == {
        "reason": words["reason"]}
    audit = ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == str(Kind.IDENTITY_REVEAL))).scalar_one()
    assert audit.details == {"event": event.id}


def test_an_anonymous_report_reveals_nothing_but_the_attempt_is_audited(make, ctx):
    case = make.case("disclosure", anonymous=True)
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    before = _last_seq(ctx)
    assert reveal_identity(ctx, handler, case.reference, "needed") == {"anonymous": True}
    assert str(Kind.IDENTITY_REVEAL) in {e.kind for e in _since(ctx, before)}
