"""Legal hold: while a case is under one, retention does not destroy it (litigation, an
inquiry, a regulator's request). Placed and lifted by the case's handlers, each with a reason
sealed in the case's events; the audit trail has both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.i18n import _, format_day
from casework.models import Case
from casework.services.access import Action, Staff, open_case
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Conflict
from casework.services.events import add_event
from casework.services.reasons import (
    events_with_actors,
    required_reason,
    seal_reason,
    sealed_reason,
)

HOLD_KINDS = ("hold_placed", "hold_lifted")


def place_hold(ctx: Context, actor: Staff, reference: str, reason: str | None) -> Case:
    """Put the case under a legal hold (409 if it is under one already)."""
    case = open_case(ctx, actor, reference, Action.HOLD)
    why = required_reason(reason, _("Say why the case must be kept."))
    if case.legal_hold_since is not None:
        raise Conflict(_("This case is under a legal hold already, since %(day)s.",
                         day=format_day(case.legal_hold_since)))
    case.legal_hold_since = ctx.now
    _record(ctx, actor, case, "hold_placed", why, Kind.HOLD_PLACE)
    return case


def lift_hold(ctx: Context, actor: Staff, reference: str, reason: str | None) -> Case:
    """End the case's legal hold (409 if there is none); retention applies again."""
    case = open_case(ctx, actor, reference, Action.HOLD)
    why = required_reason(reason, _("Say why the hold can end."))
    if case.legal_hold_since is None:
        raise Conflict(_("This case is not under a legal hold."))
    case.legal_hold_since = None
    _record(ctx, actor, case, "hold_lifted", why, Kind.HOLD_LIFT)
    return case


def _record(ctx: Context, actor: Staff, case: Case, kind: str, reason: str,
            audit: Kind) -> None:
    event = add_event(ctx, case, kind, actor_kind="staff", actor_user_id=actor.user_id)
    ctx.session.flush()
    seal_reason(ctx, case, event, reason)
    ctx.audit(audit, actor.label, case_id=case.id)


@dataclass(frozen=True)
class HoldRecord:
    """A hold placed or lifted, as the case page shows it."""

    at: datetime
    placed: bool
    reason: str
    by: str | None = None


def hold_history(ctx: Context, case: Case) -> list[HoldRecord]:
    """The case's holds placed and lifted, with their sealed reasons (for a handler who has
    opened the case; the case-view read covers them)."""
    return [HoldRecord(event.at, event.kind == "hold_placed", sealed_reason(ctx, case, event),
                       by) for event, by in events_with_actors(ctx, case, HOLD_KINDS)]
