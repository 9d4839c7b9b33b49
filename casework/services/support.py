"""A complainant's support person (NZ Sexual Harassment Guidelines, "Who to approach": the EAP, a
union representative, a colleague or a friend). Where the pack offers support on the case's
route, the reporter reads where to find it (the pack's words) and may name their support
person, on the report form or from their page. Who it is is sealed with the case's identity key,
like the reporter's own identity; those handling the case see only that there is one. Naming one
is something the reporter tells the handlers, so the same access rule applies
(Action.SEND_MESSAGE)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from casework.crypto.envelope import DamagedRecord
from casework.i18n import _
from casework.models import Case, CaseParty
from casework.services import handoff
from casework.services.access import Action, Reporter, open_case
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Conflict, Invalid
from casework.services.events import add_event
from casework.services.vault import IDENTITY, KeyDestroyed

KIND, EVENT = "support_person", "support_person_named"
MAX_NAME, MAX_CONTACT = 200, 200


@dataclass(frozen=True)
class SupportInput:
    """The support person a reporter names: which kind (a key of the pack's kinds), their name,
    and how to reach them if the reporter wants the handlers to."""

    kind: str
    name: str
    contact: str | None = None


@dataclass(frozen=True)
class SupportOffer:
    """For the reporter: where to find support and whom they may name (empty where the pack
    offers none on this route), and the kind of support person they named, if any."""

    information: tuple[str, ...] = ()
    kinds: dict[str, str] = field(default_factory=dict)
    named: str | None = None
    may_name: bool = False


def offered_on(ctx: Context, route: str) -> bool:
    """Whether the pack offers support, and a support person, on a route."""
    support = ctx.runtime.pack.support
    return support is not None and route in support.routes


def check_support(ctx: Context, route: str, person: SupportInput) -> dict[str, str]:
    """The field errors of a support person named on a route (none: acceptable)."""
    if not offered_on(ctx, route):
        return {"support_person": _("this kind of report offers no support person")}
    errors = {}
    if person.kind not in ctx.runtime.pack.support.kinds:
        errors["support_person.kind"] = _("must be one of: %(choices)s",
                                          choices=", ".join(ctx.runtime.pack.support.kinds))
    name = (person.name or "").strip()
    if not name:
        errors["support_person.name"] = _("required")
    elif len(name) > MAX_NAME:
        errors["support_person.name"] = _("must be at most %(limit)s characters", limit=MAX_NAME)
    if len((person.contact or "").strip()) > MAX_CONTACT:
        errors["support_person.contact"] = _("must be at most %(limit)s characters",
                                             limit=MAX_CONTACT)
    return errors


def add_support_person(ctx: Context, case: Case, person: SupportInput) -> None:
    """Seal the support person with the identity key (replacing one named before) and record
    that the reporter named one (the event says nothing of who)."""
    party = _party(ctx, case)
    if party is None:
        party = CaseParty(case_id=case.id, kind=KIND)
        ctx.session.add(party)
        ctx.session.flush()
    party.details_ct = ctx.vault(case).seal_json("party", party.id, {
        "kind": person.kind, "name": person.name.strip(),
        "contact": (person.contact or "").strip() or None}, purpose=IDENTITY)
    add_event(ctx, case, EVENT, actor_kind="reporter")


def _party(ctx: Context, case: Case) -> CaseParty | None:
    return ctx.session.execute(select(CaseParty).where(
        CaseParty.case_id == case.id, CaseParty.kind == KIND)).scalars().first()


def has_support_person(ctx: Context, case: Case) -> bool:
    """For those handling the case: whether the reporter named a support person (never who)."""
    return _party(ctx, case) is not None


def support_offer(ctx: Context, case: Case) -> SupportOffer:
    """What the reporter's page says of support on this case."""
    if not offered_on(ctx, case.route):
        return SupportOffer()
    support, party, named = ctx.runtime.pack.support, _party(ctx, case), None
    if party is not None and party.details_ct is not None:
        try:
            kind = ctx.vault(case).open_json("party", party.id, party.details_ct,
                                             IDENTITY).get("kind")
            named = support.kinds.get(kind, kind)
        except (DamagedRecord, KeyDestroyed):
            named = _("someone (this record can no longer be read)")
    return SupportOffer(support.information, dict(support.kinds), named,
                        case.is_open and handoff.handed_to(ctx, case) is None)


def name_support_person(ctx: Context, actor: Reporter, person: SupportInput) -> SupportOffer:
    """The reporter names (or changes) their support person from their page: 409 where the
    pack offers none on the route, the case is closed or handed outside; 422 by field."""
    case = open_case(ctx, actor, None, Action.SEND_MESSAGE)
    handoff.refuse_once_handed_over(ctx, case)
    if not offered_on(ctx, case.route):
        raise Conflict(_("This kind of report offers no support person."))
    if not case.is_open:
        raise Conflict(_("This report is closed."))
    errors = check_support(ctx, case.route, person)
    if errors:
        raise Invalid(_("Some answers need attention."), errors)
    add_support_person(ctx, case, person)
    ctx.audit(Kind.SUPPORT_NAMED, actor.label, case_id=case.id)
    return support_offer(ctx, case)
