"""Starting and stopping a case's clocks as the engine's decisions say."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from casework.models import Case, CaseClock
from casework.services.context import Context
from casework.workflow.clocks import due_date
from casework.workflow.engine import Event


def apply_clock_events(ctx: Context, case: Case, events: Iterable[Event]) -> None:
    """Start or stop the clocks named in a decision's events, and keep the case's next due
    date (the earliest running clock's) in step for the lists that sort and filter by it."""
    pack, today = ctx.runtime.pack, ctx.now.date()
    by_name = {c.name: c for c in case.clocks}
    for event in events:
        if not event.kind.startswith("clock_"):
            continue
        clock = by_name.get(event.name)
        if event.kind == "clock_start" and clock is None:
            spec = pack.clock(case.route, event.name)
            due = due_date(today, days=spec.days, months=spec.months, counting=spec.counting,
                           country=pack.jurisdiction, subdivision=pack.subdivision)
            clock = CaseClock(name=event.name, status="running", started_on=today, due_on=due)
            case.clocks.append(clock)
            by_name[event.name] = clock
        elif event.kind == "clock_stop" and clock is not None and clock.status == "running":
            clock.status = "met" if today <= clock.due_on else "missed"
            clock.stopped_on = today
    case.next_due_on = next_due_on(case)


def next_due_on(case: Case) -> date | None:
    """The earliest due date among the case's running clocks."""
    return min((c.due_on for c in case.clocks if c.status == "running"), default=None)
