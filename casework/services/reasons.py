"""The reasons handlers give for what they do to a case: required, bounded, sealed in the
case's event, and read back for those who may see the case."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from casework.crypto.envelope import DamagedRecord
from casework.i18n import _, _l
from casework.models import Case, CaseEvent, User
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.shown import ShownText
from casework.services.vault import KeyDestroyed

MAX_REASON = 2000
UNREADABLE = ShownText(_l("(this reason cannot be read)"))


def required_reason(reason: str | None, message: str) -> str:
    """The reason, stripped; 422 on the `reason` field if it is blank or too long."""
    text = (reason or "").strip()
    if not text:
        raise Invalid(message, {"reason": _("required")})
    if len(text) > MAX_REASON:
        raise Invalid(_("The reason is too long."),
                      {"reason": _("must be at most %(limit)s characters", limit=MAX_REASON)})
    return text


def seal_reason(ctx: Context, case: Case, event: CaseEvent, reason: str) -> None:
    """Seal the reason into its event (the event has been flushed, so it has an id)."""
    event.fields_ct = ctx.vault(case).seal_json("event", event.id, {"reason": reason})


def sealed_reason(ctx: Context, case: Case, event: CaseEvent) -> str:
    """The reason sealed in an event; a damaged or erased one says so, never a crash."""
    if event.fields_ct is None:
        return ""
    try:
        return ctx.vault(case).open_json("event", event.id, event.fields_ct).get("reason", "")
    except (DamagedRecord, KeyDestroyed):
        return UNREADABLE


def events_with_actors(ctx: Context, case: Case, kinds: Iterable[str]
                       ) -> list[tuple[CaseEvent, str | None]]:
    """A case's events of these kinds in order, each with the name of the staff member who
    caused it (None for the system)."""
    return [tuple(row) for row in ctx.session.execute(
        select(CaseEvent, User.name).outerjoin(User, User.id == CaseEvent.actor_user_id)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(tuple(kinds)))
        .order_by(CaseEvent.seq)).all()]
