"""A case's clocks: started, stopped, paused and resumed as the engine's decisions say; paused,
resumed and extended by a handler with a reason; stopped by milestones a handler records.

Every change is a case event, so the timeline shows when a deadline moved and why; reasons
are sealed like any other content. A missed clock stays missed: it is a fact for statistics,
which is also why a deadline cannot be extended once it has passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from casework.crypto.envelope import DamagedRecord
from casework.i18n import _, format_day
from casework.models import Case, CaseClock, CaseEvent
from casework.services.access import Action, Actor, open_case
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Conflict, Invalid, NotFound
from casework.services.events import add_event
from casework.services.reasons import UNREADABLE, events_with_actors
from casework.services.vault import KeyDestroyed
from casework.workflow.clocks import anchor_end, clock_calendar, due_date, resume_due
from casework.workflow.engine import Event, clock_events
from casework.workflow.policy import Clock, Milestone

MAX_REASON = 2000


def apply_clock_events(ctx: Context, case: Case, events: Iterable[Event],
                       on: date | None = None, given: date | None = None) -> None:
    """Start, stop, pause or resume the clocks named in a decision's events, today or `on` a
    given day (triage starts a new route's clocks on the day the report was received), and
    keep the case's next due date (the earliest running clock's) in step for the lists. A
    clock due on a given date (`due = "given"`) falls due on `given`, the date recorded with
    the milestone that starts it."""
    today = on or ctx.today
    by_name = {c.name: c for c in case.clocks}
    for event in events:
        if not event.kind.startswith("clock_"):
            continue
        clock = by_name.get(event.name)
        if event.kind == "clock_start" and clock is None:
            clock = CaseClock(name=event.name, status="running", started_on=today,
                              due_on=_due_from(ctx, case, _spec(ctx, case, event.name), today,
                                               by_name, given))
            case.clocks.append(clock)
            by_name[event.name] = clock
        elif clock is None:
            continue
        elif event.kind == "clock_stop" and clock.status in ("running", "paused"):
            clock.status = _ended(ctx, case, clock, today)
            clock.stopped_on, clock.paused_on = today, None
            _recount_followers(ctx, case, clock, by_name)
        elif event.kind == "clock_pause" and clock.status == "running":
            clock.status, clock.paused_on = "paused", today
        elif event.kind == "clock_resume" and clock.status == "paused":
            _resume(ctx, case, clock, today)
    keep_facts(case)


def stop_all(ctx: Context, case: Case, *, met: bool = True) -> None:
    """A case that closes (or leaves the organisation: `met=False`) ends its deadlines, so
    none shows as overdue: each still running or paused is missed if its day has passed,
    otherwise met, or only stopped when nothing met it (a withdrawal, a hand-over)."""
    today = ctx.today
    for clock in case.clocks:
        if clock.status in ("running", "paused"):
            clock.status = _ended(ctx, case, clock, today) if met or today > clock.due_on \
                else "stopped"
            clock.stopped_on, clock.paused_on = today, None
    keep_facts(case)


def _ended(ctx: Context, case: Case, clock: CaseClock, today: date) -> str:
    """How a deadline that ends today ends: missed if its day has passed; otherwise met, or
    only stopped when the case closes with an outcome that meets nothing (a withdrawal)."""
    if today > clock.due_on:
        return "missed"
    outcome = ctx.route(case.route).outcome(case.outcome)
    return "stopped" if outcome is not None and not outcome.meets_clocks else "met"


def keep_facts(case: Case) -> None:
    """The facts the lists and statistics read from the case row instead of its clocks: the
    next due date, and how its deadlines ended (0 none ended, 1 all met, 2 one missed)."""
    case.next_due_on = next_due_on(case)
    statuses = {c.status for c in case.clocks}
    case.deadlines_ended = 2 if "missed" in statuses else 1 if "met" in statuses else 0


def next_due_on(case: Case) -> date | None:
    """The earliest due date among the case's running clocks (a paused clock is not due)."""
    return min((c.due_on for c in case.clocks if c.status == "running"), default=None)


def _spec(ctx: Context, case: Case, name: str) -> Clock:
    return ctx.runtime.pack.clock(case.route, name)


def _due_from(ctx: Context, case: Case, spec: Clock, today: date,
              by_name: dict[str, CaseClock], given: date | None = None) -> date:
    """A clock counts from today, or, if it runs after another clock, from that clock's end:
    the day it stopped, or its due date if it has not stopped by then."""
    if spec.due_given:
        if given is None:
            raise ValueError(f"clock {spec.name!r} falls due on a date given when it starts")
        return given
    start = today
    if spec.after is not None:
        anchor = by_name.get(spec.after)
        if anchor is not None:
            start = anchor_end(anchor.due_on, anchor.stopped_on)
    return due_date(start, days=spec.days, months=spec.months, counting=spec.counting,
                    calendar=clock_calendar(spec, ctx.runtime.pack))


def _recount_followers(ctx: Context, case: Case, stopped: CaseClock,
                       by_name: dict[str, CaseClock]) -> None:
    """A clock counted from the end of one that has just stopped counts from that day now."""
    for clock in by_name.values():
        spec = _spec(ctx, case, clock.name)
        if spec.after == stopped.name and clock.status == "running":
            clock.due_on = _due_from(ctx, case, spec, clock.started_on, by_name)


def _resume(ctx: Context, case: Case, clock: CaseClock, today: date) -> None:
    spec = _spec(ctx, case, clock.name)
    clock.due_on = resume_due(clock.due_on, clock.paused_on or today, today,
                              counting=spec.counting,
                              calendar=clock_calendar(spec, ctx.runtime.pack))
    clock.status, clock.paused_on = "running", None


# --- a handler's actions on clocks -----------------------------------------------------------


@dataclass(frozen=True)
class ClockAction:
    """What a handler may do to one clock now (for buttons and the API)."""

    name: str
    can_pause: bool
    can_resume: bool
    can_extend: bool


def clock_actions(ctx: Context, case: Case) -> list[ClockAction]:
    """The pause, resume and extend actions each of the case's clocks allows today."""
    today, actions = ctx.today, []
    for clock in case.clocks:
        spec = _spec(ctx, case, clock.name)
        actions.append(ClockAction(
            clock.name,
            can_pause=spec.pausable and clock.status == "running",
            can_resume=clock.status == "paused",
            can_extend=spec.extendable and clock.status in ("running", "paused")
            and today <= clock.due_on))
    return actions


def _handled_case(ctx: Context, actor: Actor, reference: str, version: int | None) -> Case:
    # Deadlines are the handler's to manage (as assignments are): an investigator or decision
    # maker who sees the case may not move them (the access table says so).
    case = open_case(ctx, actor, reference, Action.MANAGE_CLOCKS, version)
    if not case.is_open:
        raise Conflict(_("This case is closed; its deadlines can no longer change."))
    return case


def _clock(case: Case, name: str) -> CaseClock:
    clock = next((c for c in case.clocks if c.name == name), None)
    if clock is None:
        raise NotFound(_("This case has no such deadline."))
    return clock


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise Invalid(_("Please give a reason."), {"reason": _("required")})
    if len(text) > MAX_REASON:
        raise Invalid(_("The reason is too long."), {"reason": _(
            "must be at most %(limit)s characters", limit=MAX_REASON)})
    return text


def _record(ctx: Context, actor: Actor, case: Case, kind: str, facts: dict,
            reason: str | None = None, sealed: dict | None = None) -> None:
    """The event (with its sealed reason, or other sealed words) and the audit entry for a
    change to a clock."""
    keep_facts(case)
    event = add_event(ctx, case, kind, facts=facts, actor_kind="staff",
                      actor_user_id=actor.user_id)
    ctx.session.flush()
    if reason is not None:
        sealed = {"reason": reason}
    if sealed:
        event.fields_ct = ctx.vault(case).seal_json("event", event.id, sealed)
    ctx.audit(Kind.CLOCK_CHANGE, actor.label, case_id=case.id, change=kind, **facts)


def extend_clock(ctx: Context, actor: Actor, reference: str, name: str, due_on: date | None,
                 reason: str | None, version: int | None = None) -> CaseClock:
    """Move a deadline later, where the pack allows it, before it has passed, with a reason."""
    case = _handled_case(ctx, actor, reference, version)
    clock, why = _clock(case, name), _reason(reason)
    if not _spec(ctx, case, name).extendable:
        raise Conflict(_("This deadline is set by law or policy and cannot be extended."))
    if clock.status not in ("running", "paused"):
        raise Conflict(_("This deadline has already been met or missed."))
    if ctx.today > clock.due_on:
        raise Conflict(_(
            "This deadline has passed; it stays missed and cannot be extended now."))
    if due_on is None or due_on <= clock.due_on:
        raise Invalid(_("Choose a later date."), {"due_on": _(
            "Choose a date after the current due date, %(day)s",
            day=format_day(clock.due_on))})
    before = clock.due_on
    clock.due_on = due_on
    _record(ctx, actor, case, "clock_extended",
            {"clock": name, "from": before.isoformat(), "to": due_on.isoformat()}, why)
    return clock


def pause_clock(ctx: Context, actor: Actor, reference: str, name: str, reason: str | None,
                version: int | None = None) -> CaseClock:
    """Stop a deadline counting for a while (the pack must allow it), with a reason."""
    case = _handled_case(ctx, actor, reference, version)
    clock, why = _clock(case, name), _reason(reason)
    if not _spec(ctx, case, name).pausable:
        raise Conflict(_("This deadline cannot be paused."))
    if clock.status != "running":
        raise Conflict(_("Only a running deadline can be paused."))
    clock.status, clock.paused_on = "paused", ctx.today
    _record(ctx, actor, case, "clock_paused", {"clock": name}, why)
    return clock


def resume_clock(ctx: Context, actor: Actor, reference: str, name: str,
                 version: int | None = None) -> CaseClock:
    """Start a paused deadline again; it gets back the days it was paused."""
    case = _handled_case(ctx, actor, reference, version)
    clock = _clock(case, name)
    if clock.status != "paused":
        raise Conflict(_("This deadline is not paused."))
    paused_on = clock.paused_on
    _resume(ctx, case, clock, ctx.today)
    _record(ctx, actor, case, "clock_resumed", {
        "clock": name, "paused_on": paused_on.isoformat() if paused_on else None,
        "due_on": clock.due_on.isoformat()})
    return clock


def milestones_for(ctx: Context, case: Case) -> list[Milestone]:
    """The milestones a handler may record on this case (once each)."""
    done = {facts.get("milestone") for facts in ctx.session.execute(select(CaseEvent.facts).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "milestone")).scalars()}
    return [m for m in ctx.runtime.pack.milestones_for(case.route) if m.key not in done]


def record_milestone(ctx: Context, actor: Actor, reference: str, key: str,
                     version: int | None = None, note: str | None = None,
                     on: date | None = None) -> Case:
    """Record a step the law asks for that is not a change of state (e.g. "told the
    anti-corruption commission"); it stops the clocks waiting for it. A milestone that asks
    for a note (the response of the person an allegation is about) needs one, sealed. One
    that asks a date (`on`: the timeframe told to a New Zealand discloser) needs one from
    today on, and starts the clocks due on it."""
    case = _handled_case(ctx, actor, reference, version)
    if key not in {m.key for m in ctx.runtime.pack.milestones_for(case.route)}:
        raise Invalid(_("Unknown milestone."), {
            "milestone": _("not a milestone of this case's route")})
    if key not in {m.key for m in milestones_for(ctx, case)}:
        raise Conflict(_("This milestone has been recorded already."))
    spec = ctx.runtime.pack.milestone(case.route, key)
    text = (note or "").strip()
    if spec.note and not text:
        raise Invalid(_("This milestone asks: %(question)s.", question=spec.note),
                      {"note": _("required")})
    if len(text) > MAX_REASON:
        raise Invalid(_("The note is too long."), {"note": _(
            "must be at most %(limit)s characters", limit=MAX_REASON)})
    given = _milestone_date(ctx, spec, on)
    apply_clock_events(ctx, case, clock_events(ctx.runtime.pack.clock_rules(case.route), key),
                       given=given)
    facts = {"milestone": key} | ({"counted_as": spec.counted_as} if spec.counted_as else {})
    if given is not None:
        facts["on"] = given.isoformat()
    _record(ctx, actor, case, "milestone", facts, sealed={"note": text} if text else None)
    return case


def _milestone_date(ctx: Context, spec: Milestone, on: date | None) -> date | None:
    """The date a milestone asks (required, today or later), or None when it asks none."""
    if not spec.date:
        if on is not None:
            raise Invalid(_("This milestone takes no date."), {
                "on": _("not expected for this milestone")})
        return None
    if on is None:
        raise Invalid(_("This milestone asks: %(question)s.", question=spec.date),
                      {"on": _("required")})
    if on < ctx.today:
        raise Invalid(_("Choose today or a later date."), {"on": _("must be today or later")})
    return on


@dataclass(frozen=True)
class MilestoneRecord:
    """A milestone recorded on a case: when, by whom, and its sealed note if it asked one."""

    key: str
    label: str
    at: datetime
    by: str | None
    note: str | None
    #: The date recorded with it, for milestones that ask one.
    on: date | None = None


def recorded_milestones(ctx: Context, case: Case) -> list[MilestoneRecord]:
    """The case's milestones as recorded, oldest first (for someone who has opened the case:
    the case-view read covers the notes)."""
    found = []
    for event, by in events_with_actors(ctx, case, ("milestone",)):
        key = (event.facts or {}).get("milestone") or ""
        spec = ctx.runtime.pack.milestones.get((case.route, key))
        note = None
        if event.fields_ct is not None:
            try:
                note = ctx.vault(case).open_json("event", event.id, event.fields_ct).get("note")
            except (DamagedRecord, KeyDestroyed):
                note = UNREADABLE
        on = (event.facts or {}).get("on")
        found.append(MilestoneRecord(key, spec.label if spec else key.replace("_", " "),
                                     event.at, by, note, date.fromisoformat(on) if on else None))
    return found
