"""Links between cases: related reports shown on both, and a duplicate merged into the case it
repeats.

Both cases are opened through the access loader for the one linking them, so a case they
cannot see is a 404 exactly like a missing one; and a link is shown only to those who can see
both cases, so nobody learns the other case's reference through it. Events and audit entries
carry ids and kinds, never the other case's reference.

A merge closes the duplicate with the route's `merge` step (outcome `merged`): its reporter
keeps their receipt and conversation, and is told there is an update. The case it joined
must be open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from casework.i18n import _
from casework.models import LINK_KINDS, Case, CaseLink
from casework.services.access import Action, Actor, Staff, open_case, visible_filter
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Conflict, Invalid
from casework.services.events import add_event
from casework.services.transitions import fire_transition


def link_cases(ctx: Context, actor: Staff, reference: str, other_reference: str,
               kind: str) -> CaseLink:
    """Link a case to another the actor also handles: `related`, or `duplicate` (this case is
    merged into the other and closes). 404 if either is out of sight, 409 if they are linked
    already or a merge would join a closed case."""
    if kind not in LINK_KINDS:
        raise Invalid(_("Choose how the cases are linked."),
                      {"kind": _("must be one of: %(choices)s", choices=", ".join(LINK_KINDS))})
    case = open_case(ctx, actor, reference, Action.LINK)
    other = open_case(ctx, actor, (other_reference or "").strip().upper(), Action.LINK)
    if other.id == case.id:
        raise Invalid(_("A case cannot be linked to itself."),
                      {"reference": _("give the reference of another case")})
    if _existing(ctx, case, other) is not None:
        raise Conflict(_("This case and %(reference)s are linked already.",
                         reference=other.reference))
    if kind == "duplicate":
        _merge(ctx, actor, case, other)
    link = CaseLink(case_id=case.id, other_case_id=other.id, kind=kind,
                    created_by=actor.user_id, created_at=ctx.now)
    ctx.session.add(link)
    for mine, theirs, side in ((case, other, "from"), (other, case, "to")):
        if kind == "related":
            add_event(ctx, mine, "linked", actor_kind="staff", actor_user_id=actor.user_id,
                      facts={"kind": kind})
        ctx.audit(Kind.CASE_LINK, actor.label, case_id=mine.id, other_case=theirs.id,
                  kind=kind, side=side)
    ctx.session.flush()
    return link


def _existing(ctx: Context, case: Case, other: Case) -> CaseLink | None:
    return ctx.session.execute(select(CaseLink).where(or_(
        (CaseLink.case_id == case.id) & (CaseLink.other_case_id == other.id),
        (CaseLink.case_id == other.id) & (CaseLink.other_case_id == case.id)))).scalar()


def _merge(ctx: Context, actor: Staff, case: Case, other: Case) -> None:
    """Close the duplicate as merged (its reporter is told); the case it joins records it."""
    if not case.is_open:
        raise Conflict(_("This case is closed, so it cannot be merged into another."))
    if not other.is_open:
        raise Conflict(_("%(reference)s is closed: a report cannot be merged into a closed "
                         "case. Link them as related instead.", reference=other.reference))
    fire_transition(ctx, actor, case.reference, "merge", None, {}, through="links")
    add_event(ctx, other, "merged_in", actor_kind="staff", actor_user_id=actor.user_id)


@dataclass(frozen=True)
class LinkView:
    """A link as one case shows it: the other case, and which way a merge went."""

    reference: str
    kind: str
    #: related; merged_into (this case was merged into the other); merged_from (the other
    #: was merged into this one).
    direction: str
    at: datetime
    other_open: bool


def links_of(ctx: Context, actor: Actor, case: Case) -> list[LinkView]:
    """The case's links to cases the actor can also see; any other link is left out, as if it
    did not exist (the caller has opened `case`)."""
    found = []
    for column, far, merged in ((CaseLink.case_id, CaseLink.other_case_id, "merged_into"),
                                (CaseLink.other_case_id, CaseLink.case_id, "merged_from")):
        rows = ctx.session.execute(
            select(CaseLink, Case.reference, Case.closed_at).join(Case, Case.id == far)
            .where(column == case.id, visible_filter(actor))).all()
        found += [LinkView(ref, link.kind, merged if link.kind == "duplicate" else "related",
                           link.created_at, closed is None) for link, ref, closed in rows]
    return sorted(found, key=lambda v: (v.at, v.reference))
