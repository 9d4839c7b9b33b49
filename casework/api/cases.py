"""Staff endpoints on cases: list, detail, transitions, deadlines and milestones, notes,
messages, people, audit."""

from __future__ import annotations

from casework.api import api, staff
from casework.api.schemas import (
    AccessOut,
    AssignmentIn,
    AuditEventOut,
    BodyIn,
    CaseClocksOut,
    CaseList,
    CaseListQuery,
    CaseOut,
    Done,
    ExtendIn,
    IdentityOut,
    IdOut,
    MessageOut,
    MilestoneIn,
    NoteOut,
    PageQuery,
    PauseIn,
    ReasonIn,
    ReferralIn,
    ReferralsOut,
    ReleaseIn,
    ReleaseNoticeIn,
    TitleIn,
    TitleOut,
    TransitionIn,
    TransitionResult,
    VersionIn,
)
from casework.api.spec import operation
from casework.services.access import who_can_see
from casework.services.assignments import assign, recuse
from casework.services.audit_views import case_audit_events
from casework.services.clocks import extend_clock, pause_clock, record_milestone, resume_clock
from casework.services.content import (
    Window,
    add_note,
    list_messages,
    list_notes,
    post_message,
    reveal_identity,
)
from casework.services.handling import handling_of
from casework.services.referrals import case_referrals, record_referral
from casework.services.releases import give_release_notice, record_release
from casework.services.search import set_title
from casework.services.transitions import fire_transition
from casework.services.views import TOTAL_CAP, ClockView, case_clocks, case_view, list_cases
from casework.web.edge import context
from casework.workflow.render import field_dicts

TAG = ("cases",)
HIDDEN = (404,)
ACTING = (403, 404, 409)


@operation(api, "GET", "/cases", "Cases you may see", auth="staff", query=CaseListQuery,
           response=CaseList, tags=TAG)
def cases_index(query: CaseListQuery):
    listing = list_cases(context(), staff(), state=query.state, route=query.route,
                         queue=query.queue, category=query.category,
                         assigned_to_me=query.assigned == "me", overdue=bool(query.overdue),
                         page=query.page, per_page=query.per_page, reference=query.reference,
                         words=query.q, lodged_from=query.lodged_from,
                         lodged_to=query.lodged_to, assigned_to=query.assigned_to,
                         implicated=query.implicated)
    capped = listing.more or listing.total > TOTAL_CAP  # a deep page counts further
    return {**vars(listing), "total": None if capped else listing.total,
            "total_at_least": TOTAL_CAP if capped else None}


@operation(api, "POST", "/cases/{ref}/title",
           "Give the case a short, non-identifying title for lists (empty: none); sealed",
           auth="staff", body=TitleIn, response=TitleOut, errors=ACTING, tags=TAG)
def case_title(ref: str, body: TitleIn):
    return vars(set_title(context(), staff(), ref, body.title, body.version))


def _allowed(transition) -> dict:
    return {"key": transition.key, "label": transition.label,
            "requires": field_dicts(transition.requires)}


@operation(api, "GET", "/cases/{ref}", "One case", auth="staff", response=CaseOut,
           errors=HIDDEN, tags=TAG)
def case_detail(ref: str):
    view = case_view(context(), staff(), ref)
    handling = handling_of(context(), staff(), ref)
    return {**vars(view), "allowed_transitions": [_allowed(t) for t in view.allowed],
            "clocks": [_clock(c) for c in view.clocks],
            "milestones": [vars(m) for m in view.milestones],
            "reporter": {"anonymous": view.anonymous},
            "decisions": [d.as_dict() for d in view.decisions],
            "links": [vars(link) for link in handling.links],
            "legal_hold": handling.legal_hold_since and {"since": handling.legal_hold_since},
            "referrals": [vars(r) for r in view.referrals],
            "referral_decisions_due": view.referrals_due,
            "milestones_recorded": [vars(m) for m in view.milestones_recorded]}


def _clock(clock: ClockView) -> dict:
    return {**vars(clock), "actions": list(clock.actions)}


def _clocks_now(ref: str) -> dict:
    """The case's deadlines after a change (and the version a next change must send)."""
    now = case_clocks(context(), staff(), ref)
    return {"reference": now.reference, "version": now.version,
            "clocks": [_clock(c) for c in now.clocks],
            "milestones": [vars(m) for m in now.milestones]}


@operation(api, "POST", "/cases/{ref}/clocks/{name}/extend",
           "Extend a deadline the policy allows to be extended, before it passes (reason sealed)",
           auth="staff", body=ExtendIn, response=CaseClocksOut, errors=ACTING, tags=TAG)
def clock_extend(ref: str, name: str, body: ExtendIn):
    extend_clock(context(), staff(), ref, name, body.due_on, body.reason, body.version)
    return _clocks_now(ref)


@operation(api, "POST", "/cases/{ref}/clocks/{name}/pause",
           "Pause a deadline the policy allows to be paused (reason sealed)", auth="staff",
           body=PauseIn, response=CaseClocksOut, errors=ACTING, tags=TAG)
def clock_pause(ref: str, name: str, body: PauseIn):
    pause_clock(context(), staff(), ref, name, body.reason, body.version)
    return _clocks_now(ref)


@operation(api, "POST", "/cases/{ref}/clocks/{name}/resume",
           "Resume a paused deadline; the paused days are added to its due date", auth="staff",
           body=VersionIn, response=CaseClocksOut, errors=ACTING, tags=TAG)
def clock_resume(ref: str, name: str, body: VersionIn):
    resume_clock(context(), staff(), ref, name, body.version)
    return _clocks_now(ref)


@operation(api, "POST", "/cases/{ref}/milestones",
           "Record a milestone (e.g. an external body notified); it may stop a deadline",
           auth="staff", body=MilestoneIn, response=CaseClocksOut, errors=ACTING, tags=TAG)
def milestone_add(ref: str, body: MilestoneIn):
    record_milestone(context(), staff(), ref, body.milestone, body.version, body.note, body.on)
    return _clocks_now(ref)


@operation(api, "POST", "/cases/{ref}/referrals",
           "Record a referral that keeps the case open (to a body the policy names), or a "
           "decision not to refer and why", auth="staff", body=ReferralIn,
           response=ReferralsOut, status=201, errors=(403, 404, 409), tags=TAG)
def referral_add(ref: str, body: ReferralIn):
    record_referral(context(), staff(), ref, referred=body.referred, body=body.body,
                    made_on=body.made_on, number=body.reference, reason=body.reason,
                    matter=body.matter, tell_reporter=body.tell_reporter,
                    version=body.version)
    now = case_referrals(context(), staff(), ref)
    return {"reference": now.reference, "version": now.version,
            "referrals": [vars(r) for r in now.referrals],
            "referral_decisions_due": now.due}


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


@operation(api, "GET", "/cases/{ref}/access", "Everyone who can see the case now",
           auth="staff", response=AccessOut, many=True, errors=(403, 404), tags=TAG)
def case_access(ref: str):
    return [vars(s) | {"capacities": list(s.capacities)}
            for s in who_can_see(context(), staff(), ref)]


@operation(api, "POST", "/cases/{ref}/identity", "Reveal the reporter's identity (audited)",
           auth="staff", body=ReasonIn, response=IdentityOut, errors=(403, 404), tags=TAG)
def identity(ref: str, body: ReasonIn):
    return reveal_identity(context(), staff(), ref, body.reason)


@operation(api, "POST", "/cases/{ref}/identity/notice",
           "Tell the reporter, on their page, that their identity is to be released and why "
           "(EU directive art 16(3)); 409 for an anonymous report or a pack with no grounds",
           auth="staff", body=ReleaseNoticeIn, response=IdOut, status=201,
           errors=(403, 404, 409), tags=TAG)
def release_notice(ref: str, body: ReleaseNoticeIn):
    return {"id": give_release_notice(context(), staff(), ref, body.ground,
                                      body.explanation).id}


@operation(api, "POST", "/cases/{ref}/identity/release",
           "Record the release the reporter was told of (NZ Act s 17); 409 without a notice "
           "first", auth="staff", body=ReleaseIn, response=IdOut, status=201,
           errors=(403, 404, 409), tags=TAG)
def identity_release(ref: str, body: ReleaseIn):
    return {"id": record_release(context(), staff(), ref, body.consulted).id}


@operation(api, "GET", "/cases/{ref}/audit", "The case's audit events", auth="staff",
           query=PageQuery, response=AuditEventOut, many=True, errors=HIDDEN, tags=TAG)
def case_audit(ref: str, query: PageQuery):
    rows = case_audit_events(context(), staff(), ref, Window(query.page, query.per_page))
    return [{"seq": e.seq, "at": e.at, "kind": e.kind, "actor": e.actor, "details": e.details}
            for e in rows]


from casework.api import case_evidence, case_file, case_handling  # noqa: E402, F401  (registers them)
