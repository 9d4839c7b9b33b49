"""Request and response schemas: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool

Text = Field(min_length=1, max_length=20_000)


class Schema(BaseModel):
    """Unknown fields are refused, so a typo is a 422 rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorBody(Schema):
    error: ErrorDetail


class KeyLabel(Schema):
    key: str
    label: str


class CategoryOut(KeyLabel):
    routes: list[str]


class Meta(Schema):
    routes: list[KeyLabel]
    categories: list[CategoryOut]
    departments: list[KeyLabel]


class FieldOut(Schema):
    name: str
    type: str
    label: str | None = None
    choices: list[str] | None = None
    must_be_true: bool | None = None
    shown_to_reporter: bool | None = None


class TransitionOut(Schema):
    key: str
    label: str | None = None
    from_: list[str] = Field(alias="from")
    to: str
    requires: list[FieldOut]
    who: list[str]
    outcome: str | None = None
    outcome_from: str | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class StateOut(Schema):
    key: str
    label: str
    final: bool


class WorkflowOut(Schema):
    route: str
    label: str
    initial: str
    states: list[StateOut]
    transitions: list[TransitionOut]


class ReporterIn(Schema):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    person_id: int | None = None


class ImplicatedIn(Schema):
    person_id: int | None = None
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
    occurred_on: date | None = None


class ReportOut(Schema):
    reference: str
    receipt: str
    route: str
    state: str
    queue: str


class ReporterSessionIn(Schema):
    reference: str = Field(min_length=1, max_length=64)
    receipt: str = Field(min_length=1, max_length=128)


class TokenOut(Schema):
    token: str
    expires_at: datetime


class TimelineItem(Schema):
    at: datetime
    label: str


class MessageOut(Schema):
    id: int
    from_: Literal["reporter", "handler"] = Field(alias="from")
    body: str
    at: datetime

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ReporterCaseOut(Schema):
    reference: str
    route: str
    state: str
    stage: str
    outcome: str | None = None
    timeline: list[TimelineItem]
    messages: list[MessageOut]
    actions: list[str]


class BodyIn(Schema):
    body: str = Text


class IdOut(Schema):
    id: int


class ActionIn(Schema):
    action: str = Field(min_length=1, max_length=48)
    fields: dict[str, Any] = Field(default_factory=dict)


class StateOnly(Schema):
    state: str


class AttachmentOut(Schema):
    id: int
    filename: str
    size: int
    sha256: str


class StaffTokenIn(Schema):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    totp: str | None = Field(default=None, max_length=12)


class CaseListQuery(Schema):
    state: str | None = Field(default=None, max_length=32)
    route: str | None = Field(default=None, max_length=32)
    queue: str | None = Field(default=None, max_length=32)
    category: str | None = Field(default=None, max_length=64)
    assigned: Literal["me"] | None = None
    overdue: bool | None = None
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=25, ge=1, le=100)


class CaseListItem(Schema):
    reference: str
    route: str
    category: str
    state: str
    queue: str
    opened_at: datetime
    next_due: date | None = None


class CaseList(Schema):
    items: list[CaseListItem]
    page: int
    per_page: int
    total: int


class AllowedTransition(Schema):
    key: str
    label: str
    requires: list[FieldOut]


class ClockOut(Schema):
    name: str
    label: str
    due_on: date
    status: str


class PartyOut(Schema):
    person_id: int | None = None
    name: str | None = None
    role: str | None = None


class AssignedOut(Schema):
    user_id: int
    name: str | None = None
    capacity: str


class ReporterFlag(Schema):
    anonymous: bool


class CaseOut(Schema):
    reference: str
    route: str
    category: str
    state: str
    outcome: str | None = None
    summary: str
    details: str
    queue: str
    department: str | None = None
    routing_reasons: list[str]
    actions: list[str]
    implicated: list[PartyOut]
    assigned: list[AssignedOut]
    allowed_transitions: list[AllowedTransition]
    version: int
    clocks: list[ClockOut]
    reporter: ReporterFlag


class TransitionIn(Schema):
    transition: str = Field(min_length=1, max_length=48)
    version: int = Field(ge=1)
    fields: dict[str, Any] = Field(default_factory=dict)


class TransitionResult(Schema):
    state: str
    version: int
    outcome: str | None = None


class NoteOut(Schema):
    id: int
    author: str
    body: str
    at: datetime


class AssignmentIn(Schema):
    user_id: int
    capacity: Literal["handler", "investigator", "decision_maker"] = "investigator"


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class Done(Schema):
    ok: bool


class IdentityOut(Schema):
    anonymous: bool
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class AuditEventOut(Schema):
    seq: int
    at: datetime
    kind: str
    actor: str
    details: dict[str, Any]


class AuditVerifyOut(Schema):
    ok: bool
    events: int
    first_bad: int | None = None


class PersonIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    position: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    department: str | None = Field(default=None, max_length=64)
    roles: list[Literal["chief_executive", "monitoring_officer", "head_of_internal_audit",
                        "hr_manager", "director"]] = Field(default_factory=list)
    manager_id: int | None = None


class UserIn(Schema):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=12, max_length=1024)
    roles: list[Literal["admin", "intake", "investigator", "decision_maker", "hr_analyst",
                        "auditor"]] = Field(min_length=1)
    queues: list[str] = Field(default_factory=list)
    person_id: int | None = None


class UserOut(Schema):
    id: int
    totp_secret: str | None = None
