"""Request and response schemas: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    field_validator,
)

from casework.services.inputs import MAX_ID

Text = Field(min_length=1, max_length=20_000)
#: A row id: the columns are 32-bit integers, so a larger number can name nothing.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _iso_date(value: object) -> object:
    """A date only as YYYY-MM-DD: pydantic would otherwise read `0` as 1 January 1970."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        return date.fromisoformat(value.strip())
    raise ValueError("must be a date written as YYYY-MM-DD")


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: A calendar day in a request: ISO 8601 text, nothing else.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class Schema(BaseModel):
    """A request body: unknown fields are refused, so a typo is a 422 rather than ignored."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """An answer: only the declared fields are served, so a service that returns more (a new
    field, or an internal object) never turns a good request into a 500."""

    model_config = ConfigDict(extra="ignore")


class ErrorDetail(Out):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorBody(Out):
    error: ErrorDetail


class KeyLabel(Out):
    key: str
    label: str


class CategoryOut(KeyLabel):
    routes: list[str]


class MetaSupportOut(Out):
    routes: list[str]
    kinds: list[KeyLabel]
    information: list[str]


class QuestionOut(KeyLabel):
    hint: str = ""
    #: The routes (kinds of report) that ask it; an answer on another route is a 422.
    routes: list[str]


class Meta(Out):
    routes: list[KeyLabel]
    categories: list[CategoryOut]
    departments: list[KeyLabel]
    #: How a reporter may know (ReportIn.relation), whom they may ask to raise it with
    #: (ReportIn.raise_with) and what they may say (ReportIn.statements), in the pack's words.
    relations: list[KeyLabel] = Field(default_factory=list)
    raise_with: list[KeyLabel] = Field(default_factory=list)
    statements: list[KeyLabel] = Field(default_factory=list)
    #: Optional questions the pack asks (answers in ReportIn.answers, by key).
    questions: list[QuestionOut] = Field(default_factory=list)
    #: Where a reporter may go outside the organisation instead, or as well (the pack's words).
    external_bodies: list[str] = Field(default_factory=list)
    #: Support for complainants (null: none offered): the routes, the kinds of support person
    #: ReportIn.support_person may name, and where to find support.
    support: MetaSupportOut | None = None


class FieldOut(Out):
    name: str
    type: str
    label: str | None = None
    choices: list[str] | None = None
    must_be_true: bool | None = None
    shown_to_reporter: bool | None = None
    #: True when the field may be left out; absent means the field must be given.
    optional: bool | None = None


class TransitionOut(Out):
    key: str
    label: str | None = None
    from_: list[str] = Field(alias="from")
    to: str
    requires: list[FieldOut]
    who: list[str]
    outcome: str | None = None
    outcome_from: str | None = None
    #: Set on a step that only another endpoint takes ("links": a merge is a duplicate link).
    through: str | None = None
    #: Fields only some actors give, by actor kind (a handler records how the reporter asked).
    requires_of: dict[str, list[FieldOut]] = Field(default_factory=dict)
    #: The choice is the affected person's: a reporter who is a witness may not take it.
    affected_person: bool = False

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class StateOut(Out):
    key: str
    label: str
    final: bool


class WorkflowOut(Out):
    route: str
    label: str
    initial: str
    states: list[StateOut]
    transitions: list[TransitionOut]


class ReporterIn(Schema):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    person_id: Id | None = None


class SupportPersonIn(Schema):
    #: A key of the pack's support kinds (GET /meta support.kinds).
    kind: str = Field(max_length=32)
    name: str = Field(min_length=1, max_length=200)
    contact: str | None = Field(default=None, max_length=200)


class ImplicatedIn(Schema):
    person_id: Id | None = None
    name: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=200)


class ReportIn(Schema):
    route: str = Field(max_length=32)
    category: str = Field(max_length=64)
    summary: str = Field(min_length=1, max_length=300)
    details: str = Field(min_length=1, max_length=50_000)
    anonymous: StrictBool
    reporter: ReporterIn | None = None
    implicated: list[ImplicatedIn] = Field(default_factory=list, max_length=50)
    witness: StrictBool = False
    department: str | None = Field(default=None, max_length=64)
    occurred_on: IsoDate | None = None
    #: Email the reporter (no content, just "there is an update") when the case moves; needs
    #: a name and reporter.email.
    notify_by_email: StrictBool = False
    #: How the reporter knows: affected (it happened to them), saw, told. saw and told make
    #: the reporter a witness.
    relation: str | None = Field(default=None, max_length=16)
    #: Whom they ask to raise it with (a key of the pack's levels, GET /meta raise_with), and
    #: what they say that routing looks at (keys of GET /meta statements).
    raise_with: str | None = Field(default=None, max_length=32)
    statements: list[str] = Field(default_factory=list, max_length=10)
    #: Answers to the pack's optional questions (keys of GET /meta questions), sealed.
    answers: dict[Annotated[str, Field(max_length=32)], Annotated[str, Field(
        max_length=2000)]] = Field(default_factory=dict, max_length=10)
    #: The complainant's support person, where the pack offers one on the route (GET /meta
    #: support); sealed like the reporter's identity.
    support_person: SupportPersonIn | None = None


class ReportOut(Out):
    reference: str
    receipt: str
    route: str
    state: str
    queue: str


class ReporterSessionIn(Schema):
    reference: str = Field(min_length=1, max_length=64)
    receipt: str = Field(min_length=1, max_length=128)


class TokenOut(Out):
    token: str
    expires_at: datetime
    #: Staff only, after a sign-in without a valid device token: keep it and send it with
    #: later sign-ins, so strangers' failures never block this client.
    device: str | None = None


class TimelineItem(Out):
    at: datetime
    label: str


class StaffTimelineItem(TimelineItem):
    kind: str
    #: Who took the step: a colleague's name, "the reporter" or "Casework".
    by: str


class FeedbackOut(Out):
    at: datetime
    #: The question the handler answered (e.g. "Feedback for the reporter").
    label: str
    text: str


class AnswerOut(Out):
    #: A question of the pack (GET /meta questions), as it asks it, and the reporter's answer.
    key: str
    label: str
    text: str


class ReportTextOut(Out):
    summary: str
    details: str
    #: The reporter's answers to the pack's optional questions.
    answers: list[AnswerOut] = Field(default_factory=list)


class ReporterEvidenceOut(Out):
    filename: str
    size: int
    at: datetime


class MessageOut(Out):
    id: int
    from_: Literal["reporter", "handler"] = Field(alias="from")
    body: str
    at: datetime

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ReleaseNoticeOut(Out):
    on: date
    because: str
    explanation: str
    released_on: date | None = None


class SupportOut(Out):
    #: Where to find support, in the pack's words (empty: none offered on this report).
    information: list[str] = Field(default_factory=list)
    kinds: list[KeyLabel] = Field(default_factory=list)
    #: The kind of support person the reporter named, in the pack's words, if any.
    named: str | None = None
    #: Whether they may name (or change) one now (POST /reporter/support-person).
    may_name: bool = False


class MeetingOut(Out):
    offered: bool
    requested_on: date | None = None
    due_on: date | None = None


class ReporterCaseOut(Out):
    reference: str
    route: str
    state: str
    stage: str
    outcome: str | None = None
    #: The outcome in the reporter's words (from the route definition).
    outcome_words: str | None = None
    withdrawn_by: Literal["reporter", "recorded_by_handler"] | None = None
    #: The body outside the organisation the report was passed to (then nobody inside can
    #: read it, and messages and files are refused: 409).
    handed_to: str | None = None
    #: What the reporter sent.
    report: ReportTextOut
    opened_on: date
    #: The day someone handling the report first opened it (never who).
    read_on: date | None = None
    #: The next date by which the reporter can expect something (the earliest running clock).
    next_expected_on: date | None = None
    #: Everything the route marks as for the reporter (feedback, a referral's destination ...).
    feedback: list[FeedbackOut]
    evidence: list[ReporterEvidenceOut]
    timeline: list[TimelineItem]
    messages: list[MessageOut]
    actions: list[str]
    #: The reporter said it happened to someone else: the resolution choices are not theirs.
    witness: bool = False
    #: A meeting in person (EU directive art 9(2)): whether they may ask now, and once asked,
    #: when they asked and the date the organisation should meet them by.
    meeting: MeetingOut | None = None
    #: Each time the organisation said it must share who the reporter is: when, why (the
    #: ground in plain words and what the handler wrote), and when it was shared, if it was.
    release_notices: list[ReleaseNoticeOut] = Field(default_factory=list)
    #: Where the reporter may go outside the organisation, at any time (the pack's words).
    external_bodies: list[str] = Field(default_factory=list)
    #: Support for the reporter and the support person they named (NZ pack, harassment).
    support: SupportOut | None = None


class CheckInOut(Out):
    id: int
    due_on: date
    question: str
    answered: bool
    detriment: bool | None = None
    #: The reference of the report opened when the answer was yes.
    follow_up: str | None = None


class CheckInsOut(Out):
    checkins: list[CheckInOut]


class CheckInAnswerIn(Schema):
    detriment: StrictBool
    #: Required when detriment is true: what happened, and when.
    details: str | None = Field(default=None, max_length=50_000)


class FollowUpOut(Out):
    """A yes: the new report's reference and receipt, shown this once."""

    reference: str
    receipt: str


class NoFollowUpOut(Out):
    """A no: nothing was opened."""

    follow_up: None = None


class BodyIn(Schema):
    body: str = Text


class IdOut(Out):
    id: int


class ActionIn(Schema):
    action: str = Field(min_length=1, max_length=48)
    fields: dict[str, Any] = Field(default_factory=dict)


class StateOnly(Out):
    state: str


class CaseAttachmentOut(Out):
    id: int
    filename: str
    size: int
    sha256: str | None = None
    at: datetime
    #: Who added it: reporter or staff.
    from_: Literal["reporter", "staff"] = Field(alias="from")


class AttachmentOut(Out):
    id: int
    filename: str
    size: int  # of what was stored, after cleaning
    sha256: str
    removed: str  # in plain words, what cleaning removed ("nothing" for a file kept as sent)
    kept: str | None = None  # what the file may still hold, when that is worth saying


class StaffTokenIn(Schema):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    totp: str | None = Field(default=None, max_length=12, pattern=r"^[0-9 ]*$")
    #: The device token an earlier sign-in of this account gave (see TokenOut.device).
    device: str | None = Field(default=None, max_length=200)


class PageQuery(Schema):
    """A page of a case's notes, messages or audit events, oldest first; a page shorter than
    per_page is the last."""

    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=100, ge=1, le=500)


class CaseListQuery(Schema):
    state: str | None = Field(default=None, max_length=32)
    route: str | None = Field(default=None, max_length=32)
    queue: str | None = Field(default=None, max_length=32)
    category: str | None = Field(default=None, max_length=64)
    assigned: Literal["me"] | None = None
    overdue: bool | None = None
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=25, ge=1, le=100)
    #: Search: the reference; words of the case's own text (all must be there, exact words);
    #: lodged from/to (days, inclusive); assigned now to a staff member; a directory person
    #: implicated.
    reference: str | None = Field(default=None, max_length=32)
    q: str | None = Field(default=None, max_length=200)
    lodged_from: IsoDate | None = None
    lodged_to: IsoDate | None = None
    assigned_to: int | None = Field(default=None, ge=1, le=2**31 - 1)
    implicated: int | None = Field(default=None, ge=1, le=2**31 - 1)


class CaseListItem(Out):
    reference: str
    route: str
    category: str
    state: str
    queue: str
    opened_at: datetime
    next_due: date | None = None
    title: str | None = None


class CaseList(Out):
    items: list[CaseListItem]
    page: int
    per_page: int
    #: Exact up to 10,000 matching cases; past that null, and total_at_least says 10,000.
    total: int | None
    total_at_least: int | None = None


class TitleIn(Schema):
    version: int | None = Field(default=None, ge=1)
    title: str = Field(max_length=200)


class TitleOut(Out):
    reference: str
    title: str | None = None
    version: int


class AllowedTransition(Out):
    key: str
    label: str
    requires: list[FieldOut]


class ClockOut(Out):
    name: str
    label: str
    #: The statute or policy the deadline comes from.
    source: str = ""
    due_on: date
    #: running, overdue, paused, met or missed; a missed clock stays missed.
    status: str
    paused_on: date | None = None
    #: A running clock due within the policy pack's "due soon" days.
    due_soon: bool = False
    #: What the clock allows today on an open case: pause, resume, extend.
    actions: list[Literal["pause", "resume", "extend"]] = Field(default_factory=list)


class MilestoneOut(Out):
    key: str
    label: str
    source: str = ""
    #: What the note must say when this milestone is recorded (then required), if anything.
    note: str | None = None
    #: What the date must be when this milestone is recorded (then required), if it asks one.
    date: str | None = None


class MilestoneRecordOut(Out):
    key: str
    label: str
    at: datetime
    by: str | None = None
    #: The note recorded with it (sealed with the case), for milestones that ask one.
    note: str | None = None
    #: The date recorded with it, for milestones that ask one.
    on: date | None = None


class ReferralOut(Out):
    #: When it was recorded and by whom (a colleague's name).
    at: datetime
    by: str | None = None
    #: false: a decision not to refer, with the reason.
    referred: bool
    #: The matter whose referral decision this records (possible_offence, malicious_report),
    #: or null for any other referral.
    matter: str | None = None
    #: One of the bodies the policy pack names (external_bodies, internal_procedures).
    body: str | None = None
    made_on: date | None = None
    #: The body's reference number for the referral, if it gave one.
    reference: str | None = None
    reason: str = ""
    #: The reporter's page says which body the report was referred to, and when.
    told_reporter: bool = False


class MatchOut(Out):
    name: str | None = None
    role: str | None = None
    evidence: list[str]


class PartyOut(Out):
    person_id: int | None = None
    name: str | None = None
    role: str | None = None
    #: The directory's position for someone picked from it, else the role as reported.
    position: str | None = None
    #: For a directory person found from a typed name: the name and role typed, and why
    #: they matched (plain words); they cannot see the case, as if picked.
    matched: MatchOut | None = None


class DecisionOut(Out):
    transition: str
    label: str
    at: datetime
    #: Who took the step: a colleague's name, or reporter / system.
    actor: str
    #: What was recorded at the step (sealed text opened for those who may read the case).
    fields: dict[str, Any]


class AssignedOut(Out):
    user_id: int
    name: str | None = None
    capacity: str


class ReporterFlag(Out):
    anonymous: bool


class CaseLinkOut(Out):
    reference: str
    kind: Literal["related", "duplicate"]
    #: related; merged_into (this case was merged into that one); merged_from (that one was
    #: merged into this one).
    direction: Literal["related", "merged_into", "merged_from"]
    at: datetime


class LegalHoldOut(Out):
    since: datetime


class PersonRefOut(Out):
    person_id: int
    name: str | None = None
    position: str | None = None


class CaseOut(Out):
    reference: str
    title: str | None = None
    route: str
    category: str
    state: str
    outcome: str | None = None
    summary: str
    details: str
    queue: str
    department: str | None = None
    opened_at: datetime
    occurred_on: date | None = None
    routing_reasons: list[str]
    actions: list[str]
    implicated: list[PartyOut]
    assigned: list[AssignedOut]
    allowed_transitions: list[AllowedTransition]
    version: int
    clocks: list[ClockOut]
    #: Milestones a handler may still record (none once the case is closed).
    milestones: list[MilestoneOut] = Field(default_factory=list)
    #: The case this one follows from (opened at an aftercare check-in), if any.
    follows: str | None = None
    reporter: ReporterFlag
    #: Every step taken, with what was recorded, by whom and when.
    decisions: list[DecisionOut] = Field(default_factory=list)
    timeline: list[StaffTimelineItem] = Field(default_factory=list)
    #: Links to cases you can also see (others are left out), and the legal hold, if any.
    links: list[CaseLinkOut] = Field(default_factory=list)
    legal_hold: LegalHoldOut | None = None
    #: Referrals made while the case stays open, and decisions not to refer.
    referrals: list[ReferralOut] = Field(default_factory=list)
    #: Matters whose referral decision the policy asks for and nobody has recorded yet:
    #: possible_offence (a category the pack flags as a possible offence), malicious_report
    #: (a finding of malicious use).
    referral_decisions_due: list[Literal["possible_offence", "malicious_report"]] = Field(
        default_factory=list)
    #: Milestones recorded, with who recorded each, when, and its note if it asks one.
    milestones_recorded: list[MilestoneRecordOut] = Field(default_factory=list)
    #: How the reporter knows (affected, saw, told; null when not asked) and whether they
    #: report what happened to someone else.
    relation: str | None = None
    witness: bool = False
    #: Whom the reporter asked to raise it with and what they said, in the pack's words; the
    #: next senior manager and the person their level names, as the routing rules worked out.
    raise_with: str | None = None
    reporter_says: list[str] = Field(default_factory=list)
    next_senior_manager: PersonRefOut | None = None
    asked_for: PersonRefOut | None = None
    #: The reporter's answers to the pack's optional questions (sealed with the case).
    answers: list[AnswerOut] = Field(default_factory=list)
    #: The reporter named a support person (who it is stays sealed like their identity).
    support_person: bool = False


Version = Field(default=None, ge=1, le=MAX_ID, description=(
    "The case version you last saw; a stale one is a 409."))


class ExtendIn(Schema):
    due_on: IsoDate
    reason: str = Field(min_length=1, max_length=2000)
    version: int | None = Version


class PauseIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)
    version: int | None = Version


class VersionIn(Schema):
    version: int | None = Version


class MilestoneIn(Schema):
    milestone: str = Field(min_length=1, max_length=64)
    #: Required by a milestone that asks for a note (its `note` says what); sealed.
    note: str | None = Field(default=None, max_length=2000)
    #: Required by a milestone that asks a date (its `date` says what), today or later.
    on: IsoDate | None = None
    version: int | None = Version


class ReferralIn(Schema):
    #: true: a referral made (body required); false: a decision not to refer (reason required).
    referred: bool = True
    matter: Literal["possible_offence", "malicious_report"] | None = None
    body: str | None = Field(default=None, max_length=300)
    made_on: IsoDate | None = None
    reference: str | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, max_length=2000)
    #: A referral made: show the reporter which body and when (never the reference or note).
    tell_reporter: bool = False
    version: int | None = Version


class ReferralsOut(Out):
    reference: str
    version: int
    referrals: list[ReferralOut]
    referral_decisions_due: list[str]


class CaseClocksOut(Out):
    reference: str
    version: int
    clocks: list[ClockOut]
    milestones: list[MilestoneOut]


class TransitionIn(Schema):
    transition: str = Field(min_length=1, max_length=48)
    version: int = Field(ge=1, le=MAX_ID)
    fields: dict[str, Any] = Field(default_factory=dict)


class TransitionResult(Out):
    state: str
    version: int
    outcome: str | None = None


class NoteOut(Out):
    id: int
    author: str
    body: str
    at: datetime


class AccessOut(Out):
    user_id: int
    name: str
    capacities: list[str]


class AssignmentIn(Schema):
    user_id: Id
    capacity: Literal["handler", "investigator", "decision_maker"] = "investigator"


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class ReleaseNoticeIn(Schema):
    #: One of the pack's release grounds (NZ Act s 17, EU directive art 16).
    ground: str = Field(min_length=1, max_length=64)
    #: What the reporter reads on their page: to whom, and why.
    explanation: str = Field(min_length=1, max_length=2000)


class ReleaseIn(Schema):
    #: For a ground that asks for it: consulted, or not_practicable.
    consulted: str | None = Field(default=None, max_length=32)


class Done(Out):
    ok: bool


class IdentityOut(Out):
    anonymous: bool
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class AuditEventOut(Out):
    seq: int
    at: datetime
    kind: str
    actor: str
    details: dict[str, Any]


class AuditVerifyOut(Out):
    ok: bool
    events: int
    first_bad: int | None = None


class AuditTrailFilters(Schema):
    """Filters on the audit trail; each one given narrows it, an empty one is ignored.
    `case`: a reference; `actor`: `user:12`, `reporter`, `cli`, `system`; `kind`: one kind
    (`case:note:read`) or a prefix (`case:`, `auth:`); `period`: 2026, 2026-H1, 2026-Q3,
    2026-05 or FY2026; `from`, `to`: dates, both included (periods and dates are counted in
    the organisation's time zone); `after`: the `next` of the page before."""

    case: str | None = Field(default=None, max_length=32,
                             description="a case reference; one you may not reach is a 404")
    actor: str | None = Field(default=None, max_length=64,
                              description="user:12, reporter, cli or system")
    kind: str | None = Field(default=None, max_length=48,
                             description="one kind (case:note:read) or a prefix (case:)")
    period: str | None = Field(default=None, max_length=16,
                               description="2026, 2026-H1, 2026-Q3, 2026-05 or FY2026")
    from_: IsoDate | None = Field(default=None, alias="from", description="first day, included")
    to: IsoDate | None = Field(default=None, description="last day, included")
    after: Id | None = Field(default=None, description="the `next` of the page before")

    @field_validator("case", "actor", "kind", "period", mode="before")
    @classmethod
    def empty_is_absent(cls, value):
        """`?case=&kind=` means no such filter (a date or `after` must be one: 422)."""
        return None if isinstance(value, str) and not value.strip() else value


class AuditEventsQuery(AuditTrailFilters):
    """The filters, and a page of up to per_page events (page counts on from `after`)."""

    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=500)


class TrailEventOut(AuditEventOut):
    case: str | None = None


class AuditEventsOut(Out):
    """Newest first; `next` is the `after` that gives the older events (null: none left)."""

    items: list[TrailEventOut]
    next: int | None
    per_page: int


class PersonIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    position: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    department: str | None = Field(default=None, max_length=64)
    roles: list[Literal["chief_executive", "monitoring_officer", "head_of_internal_audit",
                        "hr_manager", "director"]] = Field(default_factory=list)
    manager_id: Id | None = None


StaffRole = Literal["admin", "intake", "investigator", "decision_maker", "hr_analyst", "auditor"]
GrantState = Literal["pending", "approved", "refused", "withdrawn"]


class UserIn(Schema):
    """A new staff account. No password: the person chooses one when they enrol with the
    invitation (a `password` field is refused, 422)."""

    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    roles: list[StaffRole] = Field(min_length=1, max_length=6)
    queues: list[str] = Field(default_factory=list, max_length=50)
    person_id: Id | None = None


class GrantOut(Out):
    """A grant of access: a queue or a role, waiting for approval or decided."""

    id: int
    user_id: int
    user_name: str
    queue: str | None = None
    role: str | None = None
    requested_by: int | None = None
    requested_at: datetime
    state: GrantState
    #: Who decides it: the queue's owner, or (no owner account, or no queue) another
    #: administrator; never the one who asked, nor the grantee.
    decider: Literal["owner", "administrator"]
    #: Whether you may approve or refuse it now.
    can_decide: bool


class InvitationOut(Out):
    """The invitation is shown this once; give it to the person over a trusted channel."""

    id: int
    invitation: str
    expires_at: datetime
    #: enrol (a new account) or reset (a new authenticator app for an enrolled account)
    purpose: Literal["enrol", "reset"]
    #: What still waits for approval (present when an account is created).
    pending: list[GrantOut] | None = None


class AccountOut(Out):
    id: int
    email: str
    name: str
    roles: list[str]
    queues: list[str]
    active: bool
    #: Whether the person has enrolled (chosen a password).
    enrolled: bool
    #: Whether an authenticator app is set up (none after a reset, until re-enrolment).
    second_factor: bool
    person: str | None = None


class AccountAccessIn(Schema):
    """The roles and queues the account should have. Removals take effect at once; additions
    that reach cases wait for approval."""

    roles: list[StaffRole] = Field(max_length=6)
    queues: list[str] = Field(max_length=50)


class AccountAccessOut(Out):
    id: int
    roles: list[str]
    queues: list[str]
    pending: list[GrantOut]


class GrantQuery(Schema):
    state: GrantState | Literal["all"] = "pending"


class EnrolIn(Schema):
    invitation: str = Field(min_length=1, max_length=64)
    #: A new account's password to choose (at least 12 characters), or, for a reset
    #: invitation, the account's current password.
    password: str = Field(min_length=1, max_length=1024)


class EnrolOut(Out):
    """The second-factor secret (RFC 6238, 30 s, 6 digits), shown this once."""

    totp_secret: str
    otpauth_uri: str


class TriageIn(Schema):
    version: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=2000)
    category: str | None = Field(default=None, min_length=1, max_length=64)
    route: str | None = Field(default=None, min_length=1, max_length=32)
    department: str | None = Field(default=None, min_length=1, max_length=64)
    queue: str | None = Field(default=None, min_length=1, max_length=32)


class TriageOut(Out):
    queue: str
    routing_reasons: list[str]
    version: int


class LinkIn(Schema):
    reference: str = Field(min_length=1, max_length=32)
    kind: Literal["related", "duplicate"]


class LinkOut(Out):
    id: int
    reference: str
    kind: Literal["related", "duplicate"]


class HoldOut(Out):
    held: bool
    since: datetime | None = None
    version: int


class InboxItemOut(Out):
    """Something that needs your attention: what kind, which case (none for a request for
    access), when, and whether you have read it. No case content."""

    id: int
    kind: Literal["new_report", "reporter_message", "reporter_evidence", "reporter_update",
                  "assigned", "case_moved", "grant_pending", "due_soon", "overdue",
                  "escalated", "referral_due"]
    reference: str | None = None
    at: datetime
    read: bool


class InboxQuery(Schema):
    unread: bool = Field(default=False, description="true: unread items only")
