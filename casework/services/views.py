"""What staff and reporters are shown of a case: built here once, rendered by pages and API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from casework.crypto.envelope import DamagedRecord
from casework.models import Assignment, Case, CaseEvent, CaseParty, Person, User
from casework.services.access import (
    Action,
    Actor,
    Staff,
    active_assignments,
    may,
    open_case,
)
from casework.services.audit import Kind
from casework.services.clocks import (
    MilestoneRecord,
    clock_actions,
    milestones_for,
    recorded_milestones,
)
from casework.services.content import DAMAGED
from casework.services.context import Context
from casework.services.decisions import Decision, decisions, names_of, step_label
from casework.services.event_words import handling_label
from casework.services.referrals import ReferralRecord, decisions_due, referrals_of
from casework.services.reports import answers_in_words
from casework.services.search import read_title
from casework.services.support import has_support_person
from casework.services.transitions import allowed_for
from casework.services.vault import KeyDestroyed
from casework.services.worklists import CaseListing, CaseQuery, clock_label, find_cases
from casework.workflow.clocks import is_due_soon
from casework.workflow.policy import Milestone

#: The API list's `total` is exact up to here; past it the answer says "at least" (the
#: contract: `total: null`, `total_at_least: 10000`).
TOTAL_CAP = 10_000


@dataclass(frozen=True)
class ClockView:
    """A deadline on a case: where it comes from, when it is due, and what may be done to it
    today on an open case (pause, resume, extend; whether this viewer may is the service's
    question)."""

    name: str
    label: str
    due_on: date
    status: str  # running, paused, met, missed, overdue
    source: str = ""
    paused_on: date | None = None
    due_soon: bool = False
    actions: tuple[str, ...] = ()


@dataclass
class CaseView:
    """A case as a handler sees it."""

    reference: str
    route: str
    category: str
    state: str
    outcome: str | None
    queue: str
    version: int
    summary: str
    details: str
    occurred_on: str | None
    anonymous: bool
    department: str | None
    opened_at: datetime
    routing_reasons: list[str]
    actions: list[str]
    implicated: list[dict]
    assigned: list[dict]
    allowed: list
    clocks: list[ClockView]
    timeline: list[dict] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    is_open: bool = True
    follows: str | None = None
    decisions: list[Decision] = field(default_factory=list)
    #: Referrals made while the case stays open, decisions not to refer, and the matters whose
    #: referral decision the policy still asks for (services.referrals).
    referrals: list[ReferralRecord] = field(default_factory=list)
    referrals_due: list[str] = field(default_factory=list)
    #: Milestones recorded: when, by whom, and the sealed note those that ask one carry.
    milestones_recorded: list[MilestoneRecord] = field(default_factory=list)
    #: How the reporter knows (RELATIONS key; None if not asked) and whether it is someone
    #: else's matter; whom they asked to raise it with and what they said (pack labels); the
    #: people the rules worked out from the directory (the next senior manager, the person
    #: the reporter's level names), each {person_id, name, position}.
    relation: str | None = None
    witness: bool = False
    raise_with: str | None = None
    reporter_says: list[str] = field(default_factory=list)
    next_senior_manager: dict | None = None
    asked_for: dict | None = None
    #: The reporter's answers to the pack's optional questions: {key, label, text}, sealed.
    answers: list[dict] = field(default_factory=list)
    #: The reporter named a support person (who it is stays sealed like their identity).
    support_person: bool = False
    #: The handler's short title for lists (services.search), or None.
    title: str | None = None


def clock_views(ctx: Context, actor: Actor, case: Case) -> list[ClockView]:
    """Each clock with its status; a running clock past its due date shows as overdue, and a
    met or missed one stays so after the case moves on. Actions only while the case is open,
    and only for those the access policy lets manage deadlines."""
    today, pack = ctx.today, ctx.runtime.pack
    manages = case.is_open and Action.MANAGE_CLOCKS in may(ctx, actor, case)
    allowed = {a.name: a for a in clock_actions(ctx, case)} if manages else {}
    views = []
    for clock in sorted(case.clocks, key=lambda c: c.due_on):
        status = clock.status
        if status == "running" and clock.due_on < today:
            status = "overdue"
        spec = next((c for c in pack.clocks if c.route == case.route and c.name == clock.name),
                    None)
        can = allowed.get(clock.name)
        actions = tuple(a for a in ("pause", "resume", "extend")
                        if can is not None and getattr(can, f"can_{a}"))
        views.append(ClockView(
            clock.name, spec.label if spec else clock.name, clock.due_on, status,
            source=spec.source if spec else "", paused_on=clock.paused_on,
            due_soon=status == "running" and is_due_soon(clock.due_on, today,
                                                         pack.due_soon_days),
            actions=actions))
    return views


def recordable_milestones(ctx: Context, actor: Actor, case: Case) -> list[Milestone]:
    """The milestones this actor may still record (none once the case is closed)."""
    if not case.is_open or Action.MANAGE_CLOCKS not in may(ctx, actor, case):
        return []
    return milestones_for(ctx, case)


def _sealed(ctx: Context, actor: Actor, case: Case, kind: str, blob: bytes | None) -> dict:
    if blob is None:
        return {}
    try:
        return ctx.vault(case).open_json(kind, case.id, blob)
    except (DamagedRecord, KeyDestroyed):
        ctx.audit(Kind.RECORD_DAMAGED, actor.label, case_id=case.id, record_kind=kind,
                  record=case.id)
        return {"damaged": True}


def _implicated(ctx: Context, actor: Actor, case: Case) -> list[dict]:
    """The implicated people; a damaged entry is shown as damaged, never a crash."""
    return implicated_people(ctx, actor.label, case)


def implicated_people(ctx: Context, reader: str, case: Case) -> list[dict]:
    """The implicated people, read by `reader` (an audit label): {person_id, name, role,
    matched, position}; a damaged entry is shown as damaged (and audited), never a crash."""
    vault, people = ctx.vault(case), []
    for party in ctx.session.execute(select(CaseParty).where(
            CaseParty.case_id == case.id, CaseParty.kind == "implicated")
            .order_by(CaseParty.id)).scalars():
        try:
            details = vault.open_json("party", party.id, party.details_ct) \
                if party.details_ct is not None else {}
        except (DamagedRecord, KeyDestroyed):
            ctx.audit(Kind.RECORD_DAMAGED, reader, case_id=case.id, record_kind="party",
                      record=party.id)
            details = {"name": DAMAGED}
        people.append({"person_id": details.get("person_id"), "name": details.get("name"),
                       "role": details.get("role"), "matched": details.get("matched")})
    return _with_directory_names(ctx, people)


def _with_directory_names(ctx: Context, people: list[dict]) -> list[dict]:
    """Someone picked from the directory is named as the directory has them, with their
    position (the directory is the organisation's own list, not case content)."""
    ids = {p["person_id"] for p in people if p["person_id"]}
    found = {row.id: row for row in ctx.session.execute(
        select(Person).where(Person.id.in_(sorted(ids)))).scalars()} if ids else {}
    for p in people:
        person = found.get(p["person_id"])
        if person is not None:
            p["name"] = p["name"] or person.name
            p["position"] = person.position
        else:
            p["position"] = p["role"]
    return people


def case_view(ctx: Context, actor: Staff, reference: str) -> CaseView:
    """Everything a handler sees on the case page; the read is audited."""
    case = open_case(ctx, actor, reference)
    content = _sealed(ctx, actor, case, "case", case.content_ct)
    routing = _sealed(ctx, actor, case, "routing", case.routing_ct)
    implicated = _implicated(ctx, actor, case)
    names = dict(ctx.session.execute(select(User.id, User.name).join(
        Assignment, Assignment.user_id == User.id).where(Assignment.case_id == case.id)).all())
    assigned = [{"user_id": a.user_id, "name": names.get(a.user_id), "capacity": a.capacity}
                for a in active_assignments(ctx.session, case.id)]
    ctx.audit(Kind.CASE_VIEW, actor.label, case_id=case.id)
    return CaseView(
        reference=case.reference, route=case.route, category=case.category, state=case.state,
        outcome=case.outcome, queue=case.queue, version=case.version,
        summary=content.get("summary", DAMAGED), details=content.get("details", DAMAGED),
        occurred_on=content.get("occurred_on"), answers=answers_in_words(ctx, content),
        support_person=has_support_person(ctx, case),
        anonymous=case.anonymous,
        department=case.department, opened_at=case.opened_at,
        routing_reasons=routing.get("reasons", [DAMAGED]), actions=list(case.actions or []),
        implicated=implicated, assigned=assigned, allowed=allowed_for(ctx, actor, case),
        clocks=clock_views(ctx, actor, case), timeline=timeline(ctx, case),
        decisions=decisions(ctx, case),
        milestones=recordable_milestones(ctx, actor, case), is_open=case.is_open,
        follows=_reference(ctx, case.follows_case_id), referrals=referrals_of(ctx, case),
        referrals_due=decisions_due(ctx, case),
        milestones_recorded=recorded_milestones(ctx, case), title=read_title(ctx, case),
        **_ladder(ctx, case, routing))


def _ladder(ctx: Context, case: Case, routing: dict) -> dict:
    """What the reporter said of how they know and whom to raise it with, in the pack's words,
    and the people the routing rules worked out (named as the directory has them)."""
    pack = ctx.runtime.pack
    level = pack.levels.get(case.raise_with or "")
    people = {}
    for key, sealed in (("next_senior_manager", "escalate_to"), ("asked_for", "asked_for")):
        pid = routing.get(sealed)
        people[key] = _with_directory_names(ctx, [{"person_id": pid, "name": None,
                                                   "role": None}])[0] if pid else None
    return {"relation": case.relation, "witness": bool(case.witness),
            "raise_with": level.for_handlers if level else case.raise_with,
            "reporter_says": [pack.statements[k].label if k in pack.statements else k
                              for k in case.reporter_says or ()], **people}


def _reference(ctx: Context, case_id: int | None) -> str | None:
    if case_id is None:
        return None
    return ctx.session.execute(select(Case.reference).where(Case.id == case_id)).scalar()


@dataclass(frozen=True)
class CaseClocks:
    """A case's deadlines after a change to one of them (for the API's answer)."""

    reference: str
    version: int
    clocks: list[ClockView]
    milestones: list[Milestone]


def case_clocks(ctx: Context, actor: Staff, reference: str) -> CaseClocks:
    """The deadlines of a visible case and the milestones still to record (no content read)."""
    case = open_case(ctx, actor, reference)
    ctx.session.flush()  # the version a change has just bumped
    return CaseClocks(case.reference, case.version, clock_views(ctx, actor, case),
                      recordable_milestones(ctx, actor, case))


def timeline(ctx: Context, case: Case) -> list[dict]:
    """The case's events in order, described without confidential words (a sealed reason for
    moving a deadline is never part of the label)."""
    events = list(ctx.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                       .order_by(CaseEvent.seq)).scalars())
    names = names_of(ctx, {e.actor_user_id for e in events if e.actor_user_id} | {
        (e.facts or {}).get("user_id") for e in events if e.kind == "assigned"} - {None})
    return [{"at": event.at, "kind": event.kind, "label": event_label(ctx, case, event, names),
             "transition": event.transition, "to_state": event.to_state,
             "by": _by(event, names)} for event in events]


def _by(event: CaseEvent, names: dict[int, str]) -> str:
    """Who took a step, for staff: a colleague's name, the reporter, or the system."""
    if event.actor_user_id:
        return names.get(event.actor_user_id, f"account {event.actor_user_id}")
    return {"reporter": "the reporter"}.get(event.actor_kind, "Casework")


def _day(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d %B %Y") if iso else "an unknown date"


def event_label(ctx: Context, case: Case, event: CaseEvent,
                names: dict[int, str] | None = None) -> str:
    """One event in plain words, from its facts only (and the names of colleagues assigned)."""
    facts = event.facts or {}
    clock = clock_label(ctx, case.route, facts.get("clock") or "")
    queues = ctx.runtime.pack.queues

    def queue(key: str | None) -> str:
        return queues[key].label if key in queues else (key or "an unknown queue")

    if event.kind == "lodged":
        return "Report received"
    if event.kind == "assigned":
        who = (names or {}).get(facts.get("user_id"), "a colleague")
        return f"Assigned {who} as {(facts.get('capacity') or '').replace('_', ' ')}"
    if event.kind == "recused":
        return "Declared a conflict of interest and stepped aside"
    if event.kind == "queue_fallback":
        return (f"Moved from {queue(facts.get('from'))} to {queue(facts.get('to'))}, because "
                f"{facts.get('why') or 'nobody could see it'}")
    if event.kind == "external_referral":
        return (f"Handed over to {facts.get('recipient') or 'a body outside the organisation'}"
                f" as a referral, because {facts.get('why') or 'nobody inside could take it'}")
    if event.kind == "case_exported":
        return f"Case file exported for {facts.get('recipient') or 'the outside recipient'}"
    if event.kind == "transition":
        return step_label(ctx.route(case.route), event)
    if event.kind == "clock_extended":
        return (f"Deadline extended: {clock}, now due {_day(facts.get('to'))} "
                f"(was {_day(facts.get('from'))})")
    if event.kind == "clock_paused":
        return f"Deadline paused: {clock}"
    if event.kind == "clock_resumed":
        return f"Deadline running again: {clock}, now due {_day(facts.get('due_on'))}"
    if event.kind == "milestone":
        key = facts.get("milestone") or ""
        found = ctx.runtime.pack.milestones.get((case.route, key))
        return f"Recorded: {found.label if found else key.replace('_', ' ')}"
    if event.kind == "detriment_reported":
        return ("At an aftercare check-in the reporter said they have suffered detriment; a "
                f"new report was opened for it: {facts.get('follow_up') or 'reference unknown'}")
    return handling_label(ctx, case, event) or event.kind.replace("_", " ").capitalize()


def list_cases(ctx: Context, actor: Staff, *, state: str | None = None, route: str | None = None,
               queue: str | None = None, category: str | None = None, assigned_to_me=False,
               overdue=False, page: int = 1, per_page: int = 25, **search) -> CaseListing:
    """Visible cases only, filtered and paged; newest first; counted exactly up to
    TOTAL_CAP (the API's `total`; past it `more`, and the API says "at least"), so the count
    costs no more at a million cases than at ten thousand. `search` takes the other CaseQuery
    filters (reference, words, lodged_from, lodged_to, assigned_to, implicated)."""
    return find_cases(ctx, actor, CaseQuery(
        state=state, route=route, queue=queue, category=category, assigned_to_me=assigned_to_me,
        overdue=overdue, page=page, per_page=per_page, **search), cap=TOTAL_CAP)


