"""Lodging a report: validate, seal, route, start clocks, hand back reference and receipt."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from casework import i18n
from casework.crypto.receipts import hash_receipt, new_receipt
from casework.i18n import _
from casework.models import Case, CaseParty, Person
from casework.services import inbox
from casework.services.audit import Kind
from casework.services.clocks import apply_clock_events
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.escalation import escalate_if_immediate
from casework.services.events import add_event
from casework.services.people import EMAIL
from casework.services.routing import apply_routing
from casework.services.search import reindex_case
from casework.services.support import SupportInput, add_support_person, check_support
from casework.services.vault import IDENTITY, person_index
from casework.stats.cellkey import record_key
from casework.stats.facts import received_quarter
from casework.workflow.engine import lodge_events
from casework.workflow.names import Entry, match_typed
from casework.workflow.policy import RELATIONS

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_SUMMARY, MAX_DETAILS, MAX_NAME, MAX_ANSWER = 300, 50_000, 200, 2000


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
    #: How the reporter knows (RELATIONS: affected, saw, told); a witness is someone else.
    relation: str | None = None
    #: Whom they ask to raise it with (a pack level) and what they say that routing looks at.
    raise_with: str | None = None
    statements: tuple[str, ...] = ()
    #: Answers to the pack's optional questions (key: text), sealed with the report.
    answers: dict[str, str] = field(default_factory=dict)
    #: The complainant's support person, where the pack offers one (sealed like identity).
    support_person: SupportInput | None = None


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
        errors["route"] = _("must be one of: %(choices)s",
                            choices=", ".join(sorted(ctx.runtime.routes)))
    elif report.category not in {c.key for c in pack.categories_for(report.route)}:
        errors["category"] = _("not a category for this kind of report")
    for name, limit in (("summary", MAX_SUMMARY), ("details", MAX_DETAILS)):
        text = getattr(report, name)
        if not isinstance(text, str) or not text.strip():
            errors[name] = _("required")
        elif len(text) > limit:
            errors[name] = _("must be at most %(limit)s characters", limit=limit)
    if report.department is not None and report.department not in pack.departments:
        errors["department"] = _("not a department of this organisation")
    if report.occurred_on is not None and report.occurred_on > ctx.today:
        errors["occurred_on"] = _("cannot be in the future")
    if not report.anonymous and not (report.reporter and (report.reporter.name or "").strip()):
        errors["reporter.name"] = _("required unless you report anonymously")
    if report.notify_by_email and (report.anonymous or not (
            report.reporter and EMAIL.match(report.reporter.email or ""))):
        errors["notify_by_email"] = _("we can email you only if you give your name and an "
                                      "email address")
    if report.relation is not None and report.relation not in RELATIONS:
        errors["relation"] = _("must be one of: %(choices)s", choices=", ".join(RELATIONS))
    elif report.relation == "affected" and report.witness:
        errors["relation"] = _("a witness reports what happened to someone else")
    if report.raise_with is not None and report.raise_with not in pack.levels:
        errors["raise_with"] = (_("not a level of this organisation") if pack.levels else
                                _("this organisation offers no choice of level"))
    unknown = sorted(set(report.statements) - set(pack.statements))
    if unknown:
        errors["statements"] = _("not something this form asks: %(keys)s",
                                 keys=", ".join(unknown))
    errors.update(_check_answers(ctx, report))
    if report.support_person is not None and report.route in ctx.runtime.routes:
        errors.update(check_support(ctx, report.route, report.support_person))
    errors.update(_check_people(ctx, report))
    if errors:
        raise Invalid(_("Some answers need attention."), errors)


def _check_answers(ctx: Context, report: NewReport) -> dict[str, str]:
    """Each answer is text to a question the pack asks on this route, of a bounded length."""
    errors, questions = {}, ctx.runtime.pack.questions
    for key, text in report.answers.items():
        question = questions.get(key)
        if question is None:
            errors[f"answers.{key}"] = _("not something this form asks")
        elif report.route not in question.routes:
            errors[f"answers.{key}"] = _("asked only for another kind of report: leave it blank")
        elif not isinstance(text, str):
            errors[f"answers.{key}"] = _("must be text")
        elif len(text) > MAX_ANSWER:
            errors[f"answers.{key}"] = _("must be at most %(limit)s characters", limit=MAX_ANSWER)
    return errors


def answers_in_words(ctx: Context, content: dict) -> list[dict]:
    """The reporter's answers to the pack's questions, each {key, label, text} with the
    question as the pack asks it (one no longer asked keeps its key, in words)."""
    questions = ctx.runtime.pack.questions
    return [{"key": k, "label": questions[k].label if k in questions else k.replace("_", " "),
             "text": text} for k, text in (content.get("answers") or {}).items()]


def given_answers(report: NewReport) -> dict[str, str]:
    """The answers with something in them, trimmed (a blank answer is no answer)."""
    return {k: v.strip() for k, v in report.answers.items() if v.strip()}


def _check_people(ctx: Context, report: NewReport) -> dict[str, str]:
    errors = check_implicated(ctx, report.implicated)
    reporter = report.reporter
    if reporter and reporter.person_id is not None and ctx.session.get(
            Person, reporter.person_id) is None:
        errors["reporter.person_id"] = _("no such person in the directory")
    return errors


def check_implicated(ctx: Context, people: Sequence[ImplicatedInput]) -> dict[str, str]:
    """Each implicated person is a directory entry that exists, or a typed name; errors by field."""
    errors: dict[str, str] = {}
    ids = {i.person_id for i in people if i.person_id is not None}
    known = set(ctx.session.execute(select(Person.id).where(Person.id.in_(ids))).scalars())
    for n, person in enumerate(people):
        if person.person_id is None and not (person.name or "").strip():
            errors[f"implicated[{n}]"] = _("choose a person from the directory or type a name")
        elif person.person_id is not None and person.person_id not in known:
            errors[f"implicated[{n}].person_id"] = _("no such person in the directory")
        elif len(person.name or "") > MAX_NAME:
            errors[f"implicated[{n}].name"] = _("must be at most %(limit)s characters",
                                                 limit=MAX_NAME)
    return errors


def new_reference(ctx: Context) -> str:
    """A random reference (no count of cases leaks through it), unique."""
    while True:
        ref = "CW-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        if ctx.session.execute(select(Case.id).where(Case.reference == ref)).first() is None:
            return ref


def lodge_report(ctx: Context, report: NewReport) -> Lodged:
    """Create a case from a report, in one transaction; the receipt is returned, never stored.

    The receipt's argon2id hash is worked out first, before this unit of work touches the
    database: called by the edge (web form, API) its transaction has not begun yet, so the
    hash holds no transaction (on SQLite, no write lock) while it is computed."""
    receipt = new_receipt()
    receipt_hash = hash_receipt(receipt)
    validate(ctx, report)
    route = ctx.route(report.route)
    case = Case(reference=new_reference(ctx), route=report.route, category=report.category,
                department=report.department, state=route.initial, queue="intake",
                anonymous=report.anonymous,
                witness=report.witness or report.relation in ("saw", "told"),
                relation=report.relation, raise_with=report.raise_with,
                reporter_says=sorted(set(report.statements)) or None,
                recorded_by_staff=report.recorded_by is not None, opened_at=ctx.now,
                received_quarter=received_quarter(ctx.now, ctx.runtime.pack.timezone),
                stats_key=record_key(),
                notify_reporter=report.notify_by_email,
                reporter_language=i18n.current(),
                receipt_hash=receipt_hash)
    ctx.session.add(case)
    ctx.session.flush()
    vault = ctx.vault(case)
    vault.create_keys()
    content = {"summary": report.summary.strip(), "details": report.details.strip(),
               "occurred_on": report.occurred_on.isoformat() if report.occurred_on else None}
    if given_answers(report):
        content["answers"] = given_answers(report)
    case.content_ct = vault.seal_json("case", case.id, content)
    reindex_case(ctx, case)
    actor = f"user:{report.recorded_by}" if report.recorded_by else "reporter"
    _add_parties(ctx, case, report, actor)
    if report.support_person is not None:
        add_support_person(ctx, case, report.support_person)
    add_event(ctx, case, "lodged", to_state=route.initial, actor_user_id=report.recorded_by,
              actor_kind="staff" if report.recorded_by else "reporter")
    apply_clock_events(ctx, case, lodge_events(ctx.runtime.pack.clock_rules(case.route),
                                               named_witness=case.witness and not case.anonymous))
    ctx.audit(Kind.CASE_LODGE, actor, case_id=case.id, route=case.route, category=case.category)
    _keep_from_the_line_manager(ctx, case, report)
    apply_routing(ctx, case)
    escalate_if_immediate(ctx, case)
    inbox.lodged(ctx, case, report.recorded_by)
    ctx.session.flush()
    return Lodged(case, case.reference, receipt)


def _keep_from_the_line_manager(ctx: Context, case: Case, report: NewReport) -> None:
    """A reporter who says who they are and that their line manager is involved: the manager
    the directory names is implicated, so they never see the case. Unless staff recorded the
    report, who the reporter is stays a claim: the party is marked `from_claim`, and routing
    keeps the case in the queue it would reach without it (services/routing.py), so a claim
    adds people the case is hidden from but never moves it away from a queue."""
    if "line_manager_involved" not in report.statements or report.anonymous \
            or not report.reporter or report.reporter.person_id is None:
        return
    person = ctx.session.get(Person, report.reporter.person_id)
    if person is None or not person.manager_id:
        return
    index = person_index(ctx.runtime.keyring, person.manager_id)
    if ctx.session.execute(select(CaseParty.id).where(
            CaseParty.case_id == case.id, CaseParty.kind == "implicated",
            CaseParty.person_index == index)).first() is None:
        add_implicated_party(ctx, case, ImplicatedInput(person_id=person.manager_id),
                             from_claim=report.recorded_by is None)


def add_implicated_party(ctx: Context, case: Case, person: ImplicatedInput,
                         matched: dict | None = None, *, from_claim: bool = False
                         ) -> CaseParty:
    """Name someone as implicated: a blind index for a directory person, the rest sealed
    (with, for someone found from a typed name, the name typed and why it matched; for the
    line manager of the person the reporter claims to be, that it rests on that claim)."""
    index = person_index(ctx.runtime.keyring, person.person_id) if person.person_id else None
    party = CaseParty(case_id=case.id, kind="implicated", person_index=index)
    ctx.session.add(party)
    ctx.session.flush()
    party.details_ct = ctx.vault(case).seal_json("party", party.id, {
        "person_id": person.person_id, "name": (person.name or "").strip() or None,
        "role": (person.role or "").strip() or None,
        **({"matched": matched} if matched else {}),
        **({"from_claim": True} if from_claim else {})})
    return party


def directory_entries(ctx: Context) -> list[Entry]:
    """The directory as typed names are matched against it (names and positions only)."""
    return [Entry(row.id, row.name, row.position) for row in ctx.session.execute(
        select(Person.id, Person.name, Person.position).order_by(Person.id))]


def claimed_person(ctx: Context, name: str | None) -> int | None:
    """The one directory person a reporter's typed name means (casework.workflow.names), or
    None when it matches nobody or more than one: the public form does not list the
    directory, so a reporter who gives their name is looked up here instead of picking
    themselves. Like a pick, it stays a claim (see _keep_from_the_line_manager)."""
    if not (name or "").strip():
        return None
    matches = match_typed(name, None, directory_entries(ctx))
    return matches[0].person_id if len(matches) == 1 else None


def implicate(ctx: Context, case: Case, people: Sequence[ImplicatedInput], actor: str) -> int:
    """Add implicated people to a case: one party per directory person; a typed name that
    matches directory people (casework.workflow.names) also implicates each of them, exactly
    as if they had been picked, with the typed name and the evidence sealed beside them for
    intake to see, and each match audited (party ids and the rules that matched, never the
    names). Returns how many typed names matched someone."""
    named = set(ctx.session.execute(select(CaseParty.person_index).where(
        CaseParty.case_id == case.id, CaseParty.kind == "implicated")).scalars())
    keyring, directory, matched_names = ctx.runtime.keyring, None, 0

    def add(person: ImplicatedInput, matched: dict | None = None) -> CaseParty | None:
        index = person_index(keyring, person.person_id) if person.person_id else None
        if index is not None and index in named:
            return None  # already implicated: one party per directory person
        named.add(index)
        return add_implicated_party(ctx, case, person, matched)

    for person in people:
        typed = add(person)
        if person.person_id is not None or typed is None:
            continue
        directory = directory if directory is not None else directory_entries(ctx)
        matches = match_typed(person.name, person.role, directory)
        matched_names += bool(matches)
        for match in matches:
            found = add(ImplicatedInput(person_id=match.person_id), {
                "typed_party": typed.id, "name": (person.name or "").strip() or None,
                "role": (person.role or "").strip() or None, "evidence": list(match.evidence)})
            ctx.audit(Kind.NAME_MATCH, actor, case_id=case.id, typed_party=typed.id,
                      party=found.id if found else None, rules=list(match.rules))
    return matched_names


def _add_parties(ctx: Context, case: Case, report: NewReport, actor: str) -> None:
    vault = ctx.vault(case)
    implicate(ctx, case, report.implicated, actor)
    if report.reporter and not report.anonymous:
        r = report.reporter
        # A claim to be a directory person: the case is kept from that person (a blind
        # index, as for someone implicated); routing never lets the claim move the case
        # (services/routing.py) unless staff recorded the report and so met the reporter.
        party = CaseParty(case_id=case.id, kind="reporter", person_index=person_index(
            ctx.runtime.keyring, r.person_id) if r.person_id else None)
        ctx.session.add(party)
        ctx.session.flush()
        party.details_ct = vault.seal_json("party", party.id, {
            "name": r.name, "email": r.email, "phone": r.phone, "person_id": r.person_id,
            "anonymous": report.anonymous, "claim_checked": report.recorded_by is not None},
            purpose=IDENTITY)
