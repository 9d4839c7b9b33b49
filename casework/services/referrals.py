"""Referrals that keep a case open, and the referral decisions the policy asks for.

A referral is a record, not a step: when, by whom, to which body (one the policy pack names:
its `external_bodies`, such as the police or an anti-corruption commission, or its
`internal_procedures`, such as the disciplinary procedure) and the body's reference number.
The case stays where it is (the route's `refer` step, which closes it, is unchanged). The
handler may choose to tell the reporter (NZ Protected Disclosures Act 2022 s 13(1)(e), s 16):
their page then reads which body and when, never the body's reference number or the reason.

Some matters must have a referral decision recorded, referred or not and why:
- a possible offence: a category the pack flags `possible_offence` ("Where a crime has been
  committed, every case will be referred to the police", NZ Code of Conduct, Zero Tolerance);
- a report found malicious: whether it goes to the disciplinary procedure (officers' code 5.5).
The case page and the API show each decision still due until it is recorded. Each record is a
case event (the reference number and the reason sealed), audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from casework.crypto.envelope import DamagedRecord
from casework.i18n import DomainText, _, _l, format_day
from casework.models import Case, CaseEvent
from casework.services.access import Action, Staff, open_case
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.events import add_event
from casework.services.handoff import refuse_once_handed_over
from casework.services.reasons import events_with_actors, required_reason
from casework.services.vault import KeyDestroyed

KIND = "referral"
OFFENCE_FLAG = "possible_offence"
#: The matters a decision is asked for, in the words the page and the API use.
MATTERS = {
    "possible_offence": _l("A possible offence: refer it to the police, or record why not"),
    "malicious_report": _l("A report found malicious: refer it to the disciplinary procedure, "
                           "or record why not"),
}
#: A decision not to refer, in the timeline's words, by matter.
NOT_REFERRED = {
    "possible_offence": _l("Recorded the decision not to refer: a possible offence"),
    "malicious_report": _l("Recorded the decision not to refer: a report found malicious"),
}
MAX_REFERENCE = 100


@dataclass(frozen=True)
class ReferralRecord:
    """A referral made, or a decision not to refer, as the case page and the API show it."""

    at: datetime
    by: str | None
    referred: bool
    matter: str | None
    body: str | None
    made_on: date | None
    reference: str | None
    reason: str
    told_reporter: bool = False


def decisions_due(ctx: Context, case: Case) -> list[str]:
    """The matters on this case whose referral decision is still to be recorded."""
    decided = {(e.facts or {}).get("matter") for e in _events(ctx, case)}
    due = []
    category = ctx.runtime.pack.categories.get(case.category)
    if category is not None and OFFENCE_FLAG in category.flags:
        due.append("possible_offence")
    malicious = ctx.session.execute(select(CaseEvent.facts).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "transition",
        CaseEvent.transition == "record_findings")).scalars()
    if any((facts or {}).get("finding") == "malicious" for facts in malicious):
        due.append("malicious_report")
    return [m for m in due if m not in decided]


def _events(ctx: Context, case: Case) -> list[CaseEvent]:
    return list(ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == KIND)).scalars())


def record_referral(ctx: Context, actor: Staff, reference: str, *, referred: bool = True,
                    body: str | None = None, made_on: date | None = None,
                    number: str | None = None, reason: str | None = None,
                    matter: str | None = None, tell_reporter: bool = False,
                    version: int | None = None) -> Case:
    """Record a referral made (to a body the pack names, with its reference number) or a
    decision not to refer (with the reason); the case stays open and where it is. A referral
    made may be told to the reporter (the body and the date)."""
    case = open_case(ctx, actor, reference, Action.MANAGE_CLOCKS, version)
    refuse_once_handed_over(ctx, case)
    errors: dict[str, str] = {}
    if matter is not None and matter not in MATTERS:
        errors["matter"] = _("must be one of: %(choices)s", choices=", ".join(MATTERS))
    if referred:
        if body not in ctx.runtime.pack.referral_bodies:
            errors["body"] = _("choose one of the bodies the policy names")
        if made_on is not None and made_on > ctx.today:
            errors["made_on"] = _("cannot be in the future")
        if len((number or "").strip()) > MAX_REFERENCE:
            errors["reference"] = _("must be at most %(limit)s characters", limit=MAX_REFERENCE)
    elif tell_reporter:
        errors["tell_reporter"] = _("only a referral made is told to the reporter")
    if errors:
        raise Invalid(_("The referral needs attention."), errors)
    if not referred:
        why = required_reason(reason, _("Say why the matter is not referred."))
        body = made_on = number = None
    elif (reason or "").strip():
        why = required_reason(reason, "")
    else:
        why = ""
    facts = {"referred": referred, "matter": matter, "body": body,
             "made_on": (made_on or ctx.today).isoformat() if referred else None,
             "told_reporter": bool(referred and tell_reporter)}
    event = add_event(ctx, case, KIND, facts=facts, actor_kind="staff",
                      actor_user_id=actor.user_id)
    ctx.session.flush()
    event.fields_ct = ctx.vault(case).seal_json("event", event.id, {
        "reference": (number or "").strip() or None, "reason": why})
    ctx.audit(Kind.REFERRAL_RECORD, actor.label, case_id=case.id, referred=referred,
              matter=matter)
    return case


def referrals_of(ctx: Context, case: Case) -> list[ReferralRecord]:
    """The case's referral records, oldest first, with their sealed reference numbers and
    reasons (for someone who has opened the case: the case-view read covers them)."""
    records = []
    for event, by in events_with_actors(ctx, case, (KIND,)):
        facts = event.facts or {}
        try:
            sealed = ctx.vault(case).open_json("event", event.id, event.fields_ct) \
                if event.fields_ct else {}
        except (DamagedRecord, KeyDestroyed):
            sealed = {"reason": _("(this record cannot be read)")}
        made_on = facts.get("made_on")
        records.append(ReferralRecord(
            event.at, by, bool(facts.get("referred")), facts.get("matter"), _body(facts),
            date.fromisoformat(made_on) if made_on else None, sealed.get("reference"),
            sealed.get("reason") or "", bool(facts.get("told_reporter"))))
    return records


def _body(facts: dict) -> str | None:
    """The body a referral names: stored in the pack's English, shown in the language of the
    moment (the pack's own translation)."""
    body = facts.get("body")
    return DomainText(body) if body else None


def told_to_reporter(facts: dict) -> str | None:
    """A referral as the reporter reads it, if the handler chose to tell them (else None)."""
    if not (facts.get("referred") and facts.get("told_reporter")):
        return None
    made_on = date.fromisoformat(facts["made_on"]) if facts.get("made_on") else None
    if made_on is None:
        return _("Your report was referred to %(body)s. We are still dealing with it.",
                 body=_body(facts))
    return _("Your report was referred to %(body)s on %(day)s. We are still dealing with it.",
             body=_body(facts), day=format_day(made_on))


def referral_label(facts: dict) -> str:
    """A referral event in the timeline's words (facts only: never the reference number)."""
    if facts.get("referred"):
        body = _body(facts) or _("another body")
        if facts.get("told_reporter"):
            return _("Referred to %(body)s; the case stays open (the reporter is told)",
                     body=body)
        return _("Referred to %(body)s; the case stays open", body=body)
    return str(NOT_REFERRED.get(facts.get("matter"))
               or _("Recorded the decision not to refer: a referral"))


@dataclass(frozen=True)
class CaseReferrals:
    """A case's referral records and the decisions still due (for the API's answer)."""

    reference: str
    version: int
    referrals: list[ReferralRecord]
    due: list[str]


def case_referrals(ctx: Context, actor: Staff, reference: str) -> CaseReferrals:
    """The referral records of a case the actor may see, with the decisions still due."""
    case = open_case(ctx, actor, reference)
    ctx.session.flush()
    return CaseReferrals(case.reference, case.version, referrals_of(ctx, case),
                         decisions_due(ctx, case))
