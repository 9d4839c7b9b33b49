"""A report recorded by staff on the reporter's behalf (a call or a meeting) is checked by the
reporter, who confirms it or corrects it (EU Whistleblowing Directive, article 18)."""

from __future__ import annotations

from sqlalchemy import select

from casework.i18n import _
from casework.models import Case, CaseEvent
from casework.services.access import Action, Reporter, open_case
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Conflict, Invalid
from casework.services.events import add_event
from casework.services.search import reindex_case

MAX_CORRECTION = 20_000


def awaiting_confirmation(ctx: Context, case: Case) -> bool:
    """Whether a staff-recorded report still waits for the reporter to check it."""
    if not case.recorded_by_staff:
        return False
    done = ctx.session.execute(select(CaseEvent.id).where(
        CaseEvent.case_id == case.id,
        CaseEvent.kind.in_(("record_confirmed", "record_corrected")))).first()
    return done is None


def record_for_reporter(ctx: Context, actor: Reporter) -> dict | None:
    """The record as staff wrote it, for the reporter to check; None if nothing to check."""
    case = open_case(ctx, actor, None, Action.CONFIRM_RECORD)
    if not awaiting_confirmation(ctx, case):
        return None
    content = ctx.vault(case).open_json("case", case.id, case.content_ct)
    ctx.audit(Kind.CASE_VIEW, actor.label, case_id=case.id, purpose="record_check")
    return {"summary": content.get("summary"), "details": content.get("details")}


def confirm_record(ctx: Context, actor: Reporter, correction: str | None = None) -> None:
    """The reporter confirms the record, or corrects it (the correction is sealed and kept
    beside the original: the record is never silently rewritten)."""
    case = open_case(ctx, actor, None, Action.CONFIRM_RECORD)
    if not awaiting_confirmation(ctx, case):
        raise Conflict(_("This record has already been checked."))
    text = (correction or "").strip()
    if len(text) > MAX_CORRECTION:
        raise Invalid(_("Too long."), {"correction": _("at most %(limit)s characters",
                                                       limit=MAX_CORRECTION)})
    event = add_event(ctx, case, "record_corrected" if text else "record_confirmed",
                      actor_kind="reporter")
    ctx.session.flush()
    if text:
        event.fields_ct = ctx.vault(case).seal_json("event", event.id, {"correction": text})
        reindex_case(ctx, case)  # the corrected record is searchable too
    ctx.audit(Kind.MESSAGE_ADD, actor.label, case_id=case.id, event=event.id,
              record="corrected" if text else "confirmed")
