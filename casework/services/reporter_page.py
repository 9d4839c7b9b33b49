"""What the reporter sees of their case, in their words: where it is, what they reported, what
they are told, when to expect the next step. Never a name of anyone handling it."""

from __future__ import annotations

from sqlalchemy import select

from casework.i18n import _
from casework.models import Case, CaseEvent
from casework.services.access import Action, Reporter, open_case
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.decisions import feedback, first_read_on, reporter_evidence, withdrawn_by
from casework.services.handoff import handed_to
from casework.services.meetings import meeting_offer
from casework.services.referrals import KIND as REFERRAL
from casework.services.referrals import told_to_reporter
from casework.services.releases import NOTICE, RELEASED, notices_for_reporter
from casework.services.reports import answers_in_words
from casework.services.support import EVENT as SUPPORT_EVENT
from casework.services.support import support_offer
from casework.services.transitions import allowed_for
from casework.workflow.definitions import Route


def reporter_view(ctx: Context, actor: Reporter) -> dict:
    """Stage, outcome, their report, feedback, evidence, timeline and the steps open to them.
    Reading their own report back is audited like any read of content."""
    case = open_case(ctx, actor, None, Action.SEE)
    route = ctx.route(case.route)
    content = ctx.vault(case).open_json("case", case.id, case.content_ct) \
        if case.content_ct is not None else {}
    ctx.audit(Kind.CASE_VIEW, actor.label, case_id=case.id, purpose="reporter_page")
    outcome = route.outcome(case.outcome)
    steps = allowed_for(ctx, actor, case)
    recipient = handed_to(ctx, case)
    return {
        "reference": case.reference, "route": case.route, "state": case.state,
        "stage": _stage(route, case, recipient), "outcome": case.outcome,
        "handed_to": recipient, "witness": bool(case.witness),
        "meeting": meeting_offer(ctx, case),
        "support": support_offer(ctx, case),
        "release_notices": notices_for_reporter(ctx, case),
        "outcome_words": outcome.reporter_label if outcome else None,
        "withdrawn_by": withdrawn_by(ctx, case),
        "report": {"summary": content.get("summary", ""), "details": content.get("details", ""),
                   "answers": answers_in_words(ctx, content)},
        "opened_on": case.opened_at.date(),
        # Where else they may go (EU directive art 9(1)(g)), in the pack's words.
        "external_bodies": list(ctx.runtime.pack.external_bodies),
        "read_on": first_read_on(ctx, case),
        "next_expected_on": case.next_due_on if case.is_open and not recipient else None,
        "feedback": feedback(ctx, case),
        "evidence": reporter_evidence(ctx, case),
        "timeline": reporter_timeline(ctx, case, route),
        "actions": [t.key for t in steps],
        "steps": [{"key": t.key, "words": t.reporter_label or t.label,
                   "closes": route.is_final(t.target), "confirm": t.reporter_confirm}
                  for t in steps],
    }


def _stage(route: Route, case: Case, recipient: str | None) -> str:
    if recipient and case.is_open:
        return _("Your report has been passed to %(recipient)s, outside the organisation, "
                 "because the people who would normally deal with it are named in it. Your "
                 "name was not sent with it. Please contact %(recipient)s directly about it.",
                 recipient=recipient)
    state = route.state(case.state)
    return state.witness_label if case.witness else state.reporter_label


def reporter_timeline(ctx: Context, case: Case, route: Route) -> list[dict]:
    """What has happened, as the reporter reads it: their own steps, the stages the case
    reached, and messages; nothing staff-only, no names."""
    items = []
    for event in ctx.session.execute(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind.in_((
                "lodged", "transition", "message", "external_referral", "meeting_requested",
                NOTICE, RELEASED, SUPPORT_EVENT, REFERRAL)))
            .order_by(CaseEvent.seq)).scalars():
        if event.kind == REFERRAL:  # only those the handler chose to tell them
            label = told_to_reporter(event.facts or {})
            if label:
                items.append({"at": event.at, "label": label})
            continue
        items.append({"at": event.at, "label": _label(route, event, bool(case.witness))})
    return items


def _label(route: Route, event: CaseEvent, witness: bool) -> str:
    if event.kind == "lodged":
        return _("Your report was received.")
    if event.kind == "meeting_requested":
        return _("You asked to meet in person.")
    if event.kind == SUPPORT_EVENT:
        return _("You named a support person.")
    if event.kind == NOTICE:
        return _("We told you that we intend to share who you are, and why.")
    if event.kind == RELEASED:
        return _("Who you are was shared, as we told you it would be.")
    if event.kind == "external_referral":
        return _("Your report was passed to %(recipient)s.",
                 recipient=(event.facts or {}).get("recipient"))
    if event.kind == "message":
        sender = (event.facts or {}).get("sender")
        return _("You sent a message.") if sender == "reporter" else \
            _("A message from the person handling your report.")
    variants = route.transitions_named(event.transition or "")
    step = variants[0] if variants else None
    if event.actor_kind == "reporter":
        words = step.reporter_label or step.label if step else event.transition
        return _("You chose: %(step)s.", step=words)
    if step is not None and step.requires_of:  # a handler recorded what the reporter asked
        outcome = route.outcome(step.outcome)
        what = outcome.reporter_label if outcome else step.label
        return _("%(what)s: recorded by the person handling your report, as you asked.",
                 what=str(what).capitalize())
    if not event.to_state:
        return event.transition or ""
    state = route.state(event.to_state)
    return state.witness_label if witness else state.reporter_label
