"""A reporter asks to meet in person (EU directive art 9(2)): where the pack gives the request a
deadline (a clock started by `meeting_requested`), it becomes a task with that clock, met when
a handler records the meeting. Asking is a message to the handlers, so the same access rule
applies (Action.SEND_MESSAGE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casework.i18n import _
from casework.models import Case
from casework.services import handoff
from casework.services.access import Action, Reporter, open_case
from casework.services.audit import Kind
from casework.services.clocks import apply_clock_events
from casework.services.context import Context
from casework.services.errors import Conflict
from casework.services.events import add_event
from casework.workflow.engine import MEETING_REQUESTED, clock_events


@dataclass(frozen=True)
class MeetingOffer:
    """Whether this reporter may ask for a meeting now, and when they asked if they did."""

    offered: bool
    requested_on: date | None = None
    due_on: date | None = None


def _clock_name(ctx: Context, case: Case) -> str | None:
    """The clock the pack starts when a reporter asks to meet on this route (None: no offer)."""
    return next((c.name for c in ctx.runtime.pack.clocks if c.route == case.route
                 and MEETING_REQUESTED in c.rule.start_on), None)


def meeting_offer(ctx: Context, case: Case) -> MeetingOffer:
    """For the reporter's page: offered while the case is open and inside the organisation,
    where the pack has a meeting clock; once asked, the day they asked and the date it is due."""
    name = _clock_name(ctx, case)
    clock = next((c for c in case.clocks if c.name == name), None) if name else None
    if clock is not None:
        return MeetingOffer(False, clock.started_on, clock.due_on)
    return MeetingOffer(name is not None and case.is_open
                        and handoff.handed_to(ctx, case) is None)


def request_meeting(ctx: Context, actor: Reporter) -> MeetingOffer:
    """Ask for a meeting in person: a case event and the pack's meeting clock; 409 when the
    pack offers none, the case is closed or handed outside, or it was asked already."""
    case = open_case(ctx, actor, None, Action.SEND_MESSAGE)
    handoff.refuse_once_handed_over(ctx, case)
    offer = meeting_offer(ctx, case)
    if offer.requested_on is not None:
        raise Conflict(_("You have already asked for a meeting; the person handling your "
                         "report will arrange it with you."))
    if not offer.offered:
        raise Conflict(_("A meeting cannot be asked for on this report. You can send a "
                         "message instead."))
    apply_clock_events(ctx, case, clock_events(ctx.runtime.pack.clock_rules(case.route),
                                               MEETING_REQUESTED))
    add_event(ctx, case, "meeting_requested", actor_kind="reporter")
    ctx.audit(Kind.CLOCK_CHANGE, actor.label, case_id=case.id, change="meeting_requested")
    return meeting_offer(ctx, case)
