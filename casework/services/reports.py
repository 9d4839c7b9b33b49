"""Lodging a report: validate, seal, route, start clocks, hand back reference and receipt."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from casework.crypto.receipts import hash_receipt, new_receipt
from casework.models import Case, CaseParty, Person
from casework.services.audit import Kind
from casework.services.clocks import apply_clock_events
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.events import add_event
from casework.services.people import EMAIL
from casework.services.routing import apply_routing
from casework.services.vault import IDENTITY, person_index
from casework.stats.cellkey import record_key
from casework.stats.facts import received_quarter
from casework.workflow.engine import clock_events

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_SUMMARY, MAX_DETAILS, MAX_NAME = 300, 50_000, 200


@dataclass(frozen=True)
class ImplicatedInput:
    """Someone the report names: a directory person, or a typed name and role."""

    person_id: int | None = None
    name: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class ReporterInput:
    """Who is reporting, when they choose to say."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class NewReport:
    """A report as submitted through a page or the API."""

    route: str
    category: str
    summary: str
    details: str
    anonymous: bool = True
    reporter: ReporterInput | None = None
    implicated: tuple[ImplicatedInput, ...] = ()
    witness: bool = False
    department: str | None = None
    occurred_on: date | None = None
    recorded_by: int | None = None
    extra: dict = field(default_factory=dict)
    #: The reporter asked to be emailed (without content) when there is an update.
    notify_by_email: bool = False


@dataclass(frozen=True)
class Lodged:
    """What the reporter is given once: the reference and the receipt."""

    case: Case
    reference: str
    receipt: str


def validate(ctx: Context, report: NewReport) -> None:
    """Refuse a report with any bad field, naming each, before anything is written."""
    pack, errors = ctx.runtime.pack, {}
    if report.route not in ctx.runtime.routes:
        errors["route"] = f"must be one of: {', '.join(sorted(ctx.runtime.routes))}"
    elif report.category not in {c.key for c in pack.categories_for(report.route)}:
        errors["category"] = "not a category for this kind of report"
    for name, limit in (("summary", MAX_SUMMARY), ("details", MAX_DETAILS)):
        text = getattr(report, name)
        if not isinstance(text, str) or not text.strip():
            errors[name] = "required"
        elif len(text) > limit:
            errors[name] = f"must be at most {limit} characters"
    if report.department is not None and report.department not in pack.departments:
        errors["department"] = "not a department of this organisation"
    if report.occurred_on is not None and report.occurred_on > ctx.today:
        errors["occurred_on"] = "cannot be in the future"
    if not report.anonymous and not (report.reporter and (report.reporter.name or "").strip()):
        errors["reporter.name"] = "required unless you report anonymously"
    if report.notify_by_email and (report.anonymous or not (
            report.reporter and EMAIL.match(report.reporter.email or ""))):
        errors["notify_by_email"] = ("we can email you only if you give your name and an "
                                     "email address")
    errors.update(_check_people(ctx, report))
    if errors:
        raise Invalid("Some answers need attention.", errors)


def _check_people(ctx: Context, report: NewReport) -> dict[str, str]:
    errors = check_implicated(ctx, report.implicated)
    reporter = report.reporter
    if reporter and reporter.person_id is not None and ctx.session.get(
            Person, reporter.person_id) is None:
        errors["reporter.person_id"] = "no such person in the directory"
    return errors


def check_implicated(ctx: Context, people: Sequence[ImplicatedInput]) -> dict[str, str]:
    """Each implicated person is a directory entry that exists, or a typed name; errors by field."""
    errors: dict[str, str] = {}
    ids = {i.person_id for i in people if i.person_id is not None}
    known = set(ctx.session.execute(select(Person.id).where(Person.id.in_(ids))).scalars())
    for n, person in enumerate(people):
        if person.person_id is None and not (person.name or "").strip():
            errors[f"implicated[{n}]"] = "choose a person from the directory or type a name"
        elif person.person_id is not None and person.person_id not in known:
            errors[f"implicated[{n}].person_id"] = "no such person in the directory"
        elif len(person.name or "") > MAX_NAME:
            errors[f"implicated[{n}].name"] = f"must be at most {MAX_NAME} characters"
    return errors


def new_reference(ctx: Context) -> str:
    """A random reference (no count of cases leaks through it), unique."""
    while True:
        ref = "CW-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        if ctx.session.execute(select(Case.id).where(Case.reference == ref)).first() is None:
            return ref


def lodge_report(ctx: Context, report: NewReport) -> Lodged:
    """Create a case from a report, in one transaction; the receipt is returned, never stored."""
    validate(ctx, report)
    route = ctx.route(report.route)
    receipt = new_receipt()
    case = Case(reference=new_reference(ctx), route=report.route, category=report.category,
                department=report.department, state=route.initial, queue="intake",
                anonymous=report.anonymous, witness=report.witness,
                recorded_by_staff=report.recorded_by is not None, opened_at=ctx.now,
                received_quarter=received_quarter(ctx.now, ctx.runtime.pack.timezone),
                stats_key=record_key(),
                notify_reporter=report.notify_by_email,
                receipt_hash=hash_receipt(receipt))
    ctx.session.add(case)
    ctx.session.flush()
    vault = ctx.vault(case)
    vault.create_keys()
    content = {"summary": report.summary.strip(), "details": report.details.strip(),
               "occurred_on": report.occurred_on.isoformat() if report.occurred_on else None}
    case.content_ct = vault.seal_json("case", case.id, content)
    _add_parties(ctx, case, report)
    actor = f"user:{report.recorded_by}" if report.recorded_by else "reporter"
    add_event(ctx, case, "lodged", to_state=route.initial, actor_user_id=report.recorded_by,
              actor_kind="staff" if report.recorded_by else "reporter")
    apply_clock_events(ctx, case, clock_events(ctx.runtime.pack.clock_rules(case.route), "lodge"))
    ctx.audit(Kind.CASE_LODGE, actor, case_id=case.id, route=case.route, category=case.category)
    reporter_person = report.reporter.person_id if report.reporter else None
    apply_routing(ctx, case, reporter_person=None if report.anonymous else reporter_person)
    ctx.session.flush()
    return Lodged(case, case.reference, receipt)


def add_implicated_party(ctx: Context, case: Case, person: ImplicatedInput) -> CaseParty:
    """Name someone as implicated: a blind index for a directory person, the rest sealed."""
    index = person_index(ctx.runtime.keyring, person.person_id) if person.person_id else None
    party = CaseParty(case_id=case.id, kind="implicated", person_index=index)
    ctx.session.add(party)
    ctx.session.flush()
    party.details_ct = ctx.vault(case).seal_json("party", party.id, {
        "person_id": person.person_id, "name": (person.name or "").strip() or None,
        "role": (person.role or "").strip() or None})
    return party


def _add_parties(ctx: Context, case: Case, report: NewReport) -> None:
    vault = ctx.vault(case)
    named: set[int] = set()
    for person in report.implicated:
        if person.person_id is not None and person.person_id in named:
            continue  # one party per directory person
        named.add(person.person_id)
        add_implicated_party(ctx, case, person)
    if report.reporter and not report.anonymous:
        party = CaseParty(case_id=case.id, kind="reporter")
        ctx.session.add(party)
        ctx.session.flush()
        r = report.reporter
        party.details_ct = vault.seal_json("party", party.id, {
            "name": r.name, "email": r.email, "phone": r.phone, "person_id": r.person_id,
            "anonymous": report.anonymous}, purpose=IDENTITY)
