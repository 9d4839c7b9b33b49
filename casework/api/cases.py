"""Staff endpoints on cases: list, detail, transitions, notes, messages, people, audit."""

from __future__ import annotations

from casework.api import api, staff
from casework.api.schemas import (
    AssignmentIn,
    AuditEventOut,
    AuditVerifyOut,
    BodyIn,
    CaseList,
    CaseListQuery,
    CaseOut,
    Done,
    IdentityOut,
    IdOut,
    MessageOut,
    NoteOut,
    PageQuery,
    ReasonIn,
    TransitionIn,
    TransitionResult,
)
from casework.api.spec import operation
from casework.services import audit
from casework.services.assignments import assign, recuse
from casework.services.audit_views import case_audit_events
from casework.services.content import (
    Window,
    add_note,
    list_messages,
    list_notes,
    post_message,
    reveal_identity,
)
from casework.services.errors import Forbidden
from casework.services.transitions import fire_transition
from casework.services.views import case_view, list_cases
from casework.web.edge import context
from casework.workflow.render import field_dicts

TAG = ("cases",)
HIDDEN = (404,)


@operation(api, "GET", "/cases", "Cases you may see", auth="staff", query=CaseListQuery,
           response=CaseList, tags=TAG)
def cases_index(query: CaseListQuery):
    listing = list_cases(context(), staff(), state=query.state, route=query.route,
                         queue=query.queue, category=query.category,
                         assigned_to_me=query.assigned == "me", overdue=bool(query.overdue),
                         page=query.page, per_page=query.per_page)
    return vars(listing)


def _allowed(transition) -> dict:
    return {"key": transition.key, "label": transition.label,
            "requires": field_dicts(transition.requires)}


@operation(api, "GET", "/cases/{ref}", "One case", auth="staff", response=CaseOut,
           errors=HIDDEN, tags=TAG)
def case_detail(ref: str):
    view = case_view(context(), staff(), ref)
    return {**vars(view), "allowed_transitions": [_allowed(t) for t in view.allowed],
            "clocks": [vars(c) for c in view.clocks],
            "reporter": {"anonymous": view.anonymous}}


@operation(api, "POST", "/cases/{ref}/transitions", "Fire a transition", auth="staff",
           body=TransitionIn, response=TransitionResult, errors=(403, 404, 409), tags=TAG)
def case_transition(ref: str, body: TransitionIn):
    case = fire_transition(context(), staff(), ref, body.transition, body.version, body.fields)
    return {"state": case.state, "version": case.version, "outcome": case.outcome}


@operation(api, "GET", "/cases/{ref}/notes", "Confidential notes (the read is audited)",
           auth="staff", query=PageQuery, response=NoteOut, many=True, errors=(403, 404),
           tags=TAG)
def notes_index(ref: str, query: PageQuery):
    window = Window(query.page, query.per_page)
    return [vars(n) for n in list_notes(context(), staff(), ref, window)]


@operation(api, "POST", "/cases/{ref}/notes", "Add a confidential note", auth="staff",
           body=BodyIn, response=IdOut, status=201, errors=(403, 404), tags=TAG)
def notes_add(ref: str, body: BodyIn):
    return {"id": add_note(context(), staff(), ref, body.body).id}


@operation(api, "GET", "/cases/{ref}/messages", "Messages with the reporter (audited)",
           auth="staff", query=PageQuery, response=MessageOut, many=True, errors=(403, 404),
           tags=TAG)
def messages_index(ref: str, query: PageQuery):
    window = Window(query.page, query.per_page)
    return [{"id": m.id, "from": m.sender, "body": m.body, "at": m.at}
            for m in list_messages(context(), staff(), ref, window)]


@operation(api, "POST", "/cases/{ref}/messages", "Write to the reporter", auth="staff",
           body=BodyIn, response=IdOut, status=201, errors=(403, 404), tags=TAG)
def messages_add(ref: str, body: BodyIn):
    return {"id": post_message(context(), staff(), ref, body.body).id}


@operation(api, "POST", "/cases/{ref}/assignments", "Assign a staff member", auth="staff",
           body=AssignmentIn, response=Done, errors=(403, 404, 409), tags=TAG)
def assignments_add(ref: str, body: AssignmentIn):
    assign(context(), staff(), ref, body.user_id, body.capacity)
    return {"ok": True}


@operation(api, "POST", "/cases/{ref}/recusal", "Declare a conflict and lose access",
           auth="staff", body=ReasonIn, response=Done, errors=HIDDEN, tags=TAG)
def recusal(ref: str, body: ReasonIn):
    recuse(context(), staff(), ref, body.reason)
    return {"ok": True}


@operation(api, "POST", "/cases/{ref}/identity", "Reveal the reporter's identity (audited)",
           auth="staff", body=ReasonIn, response=IdentityOut, errors=(403, 404), tags=TAG)
def identity(ref: str, body: ReasonIn):
    return reveal_identity(context(), staff(), ref, body.reason)


@operation(api, "GET", "/cases/{ref}/audit", "The case's audit events", auth="staff",
           query=PageQuery, response=AuditEventOut, many=True, errors=HIDDEN, tags=TAG)
def case_audit(ref: str, query: PageQuery):
    rows = case_audit_events(context(), staff(), ref, Window(query.page, query.per_page))
    return [{"seq": e.seq, "at": e.at, "kind": e.kind, "actor": e.actor, "details": e.details}
            for e in rows]


@operation(api, "GET", "/audit/verify", "Verify the audit trail's hash chain", auth="staff",
           response=AuditVerifyOut, errors=(403,), tags=("audit",))
def audit_verify():
    actor = staff()
    if "auditor" not in actor.roles:
        raise Forbidden("Only auditors may verify the audit trail.")
    ctx = context()
    result = audit.verify(ctx.session, audit.chain_key(ctx.runtime.keyring))
    ctx.audit(audit.Kind.AUDIT_VERIFY, actor.label, ok=result.ok, events=result.events)
    return {"ok": result.ok, "events": result.events, "first_bad": result.first_bad}
