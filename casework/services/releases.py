"""Releasing the reporter's identity beyond those who handle the case: only on a ground the pack
names (NZ Protected Disclosures Act 2022 s 17; EU directive art 16), and only after the reporter
has been told, with the reasons, on their page (art 16(3)); where the ground asks for it, the
release records whether the reporter was consulted or why that was not practicable.

Both steps need the same access as reading the identity (Action.REVEAL_IDENTITY); the
explanation is written for the reporter and sealed like any content."""

from __future__ import annotations

from sqlalchemy import select

from casework.i18n import _
from casework.models import Case, CaseEvent
from casework.services import notify
from casework.services.access import Action, Staff, open_case
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Conflict, Invalid
from casework.services.events import add_event

NOTICE, RELEASED = "release_notice", "identity_released"
CONSULTED = ("consulted", "not_practicable")
MAX_EXPLANATION = 2000


def _pending_notice(ctx: Context, case: Case) -> CaseEvent | None:
    """The latest notice not yet followed by a release."""
    events = ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind.in_((NOTICE, RELEASED)))
        .order_by(CaseEvent.seq)).scalars().all()
    return events[-1] if events and events[-1].kind == NOTICE else None


def _case(ctx: Context, actor: Staff, reference: str) -> Case:
    case = open_case(ctx, actor, reference, Action.REVEAL_IDENTITY)
    if case.anonymous:
        raise Conflict(_("The reporter is anonymous: there is no identity to release."))
    if not ctx.runtime.pack.release_grounds:
        raise Conflict(_("This organisation's policy names no ground for releasing a "
                         "reporter's identity."))
    return case


def give_release_notice(ctx: Context, actor: Staff, reference: str, ground: str,
                        explanation: str) -> CaseEvent:
    """Tell the reporter, on their page, that their identity is to be released, on which
    ground and why (the explanation is theirs to read: say to whom, and why)."""
    case = _case(ctx, actor, reference)
    text = (explanation or "").strip()
    errors = {}
    if ground not in ctx.runtime.pack.release_grounds:
        errors["ground"] = _("choose one of the grounds the policy names")
    if not text:
        errors["explanation"] = _("required: the reporter reads it")
    elif len(text) > MAX_EXPLANATION:
        errors["explanation"] = _("must be at most %(limit)s characters", limit=MAX_EXPLANATION)
    if errors:
        raise Invalid(_("Some answers need attention."), errors)
    event = add_event(ctx, case, NOTICE, actor_kind="staff", actor_user_id=actor.user_id,
                      facts={"ground": ground})
    ctx.session.flush()
    event.fields_ct = ctx.vault(case).seal_json("event", event.id, {"explanation": text})
    ctx.audit(Kind.IDENTITY_REVEAL, actor.label, case_id=case.id, event=event.id,
              step=NOTICE, ground=ground)
    notify.tell_reporter(ctx, case, f"event:{event.id}")
    return event


def record_release(ctx: Context, actor: Staff, reference: str, consulted: str | None
                   ) -> CaseEvent:
    """Record that the identity was released, on the ground the reporter was told of; 409
    without a notice first. Where the ground asks for it, whether the reporter was consulted
    (or that it was not practicable)."""
    case = _case(ctx, actor, reference)
    notice = _pending_notice(ctx, case)
    if notice is None:
        raise Conflict(_("Tell the reporter first: their page must say their identity is to "
                         "be released, and why, before it is."))
    ground = ctx.runtime.pack.release_grounds.get((notice.facts or {}).get("ground"))
    facts = {"ground": (notice.facts or {}).get("ground")}
    if ground is not None and ground.consult:
        if consulted not in CONSULTED:
            raise Invalid(_("Say whether the reporter was consulted."), {
                "consulted": _("must be one of: %(choices)s", choices=", ".join(CONSULTED))})
        facts["consulted"] = consulted
    event = add_event(ctx, case, RELEASED, actor_kind="staff", actor_user_id=actor.user_id,
                      facts=facts)
    ctx.audit(Kind.IDENTITY_REVEAL, actor.label, case_id=case.id, step=RELEASED, **facts)
    notify.tell_reporter(ctx, case, f"event:{event.id}")
    return event


def release_state(ctx: Context, case: Case) -> dict:
    """For the staff page: whether a notice waits for its release, and on which ground."""
    notice = _pending_notice(ctx, case)
    ground = ctx.runtime.pack.release_grounds.get((notice.facts or {}).get("ground")) \
        if notice else None
    return {"pending": notice is not None, "ground": ground}


def notices_for_reporter(ctx: Context, case: Case) -> list[dict]:
    """Each notice in the reporter's words: when, why (the ground and the explanation), and
    whether the release has since happened."""
    pack, vault, found = ctx.runtime.pack, ctx.vault(case), []
    for event in ctx.session.execute(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind.in_((NOTICE, RELEASED)))
            .order_by(CaseEvent.seq)).scalars():
        if event.kind == RELEASED:
            if found:
                found[-1]["released_on"] = event.at.date()
            continue
        ground = pack.release_grounds.get((event.facts or {}).get("ground"))
        opened = vault.open_json("event", event.id, event.fields_ct) if event.fields_ct else {}
        found.append({"on": event.at.date(), "because": ground.reporter_label if ground else "",
                      "explanation": opened.get("explanation", ""), "released_on": None})
    return found
