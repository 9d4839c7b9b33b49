"""Clocks: their definitions (from packs and shipped clock sets) and due-date arithmetic in
calendar or working days, with a jurisdiction's public holidays, a statute's closed periods
(New Zealand's 25 December to 2 January) and the organisation's time zone."""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays

from casework.workflow.definitions import DefinitionError, Route
from casework.workflow.engine import SERVICE_EVENTS, ClockRule

if TYPE_CHECKING:
    from casework.workflow.policy import PolicyPack

COUNTING = frozenset({"calendar", "working"})
EFFECTS = ("start_on", "stop_on", "pause_on", "resume_on")
CLOCK_FIELDS = frozenset({"name", "label", "route", "days", "months", "counting", "after",
                          "extendable", "pausable", "closed", "holidays", "source", "due",
                          *EFFECTS})
MILESTONE_FIELDS = frozenset({"key", "label", "route", "source", "counted_as", "note",
                              "date"})
#: A clock's `due`: "given", the date recorded with the milestone that starts it (New Zealand:
#: the timeframe the receiver told the discloser, Protected Disclosures Act 2022 s 13(2)).
DUE_GIVEN = "given"
#: What a milestone may be counted as in statistics (the `notified` dimension).
COUNTED_AS = frozenset({"notified"})

#: (file it came from, parsed TOML): a pack's clock sets in order, then the pack itself.
Tables = Iterable[tuple[str, Mapping]]
#: A closed period in a clock set: first and last day (month-day), both included.
PERIOD = re.compile(r"([0-9]{2})-([0-9]{2})\.\.([0-9]{2})-([0-9]{2})")


@dataclass(frozen=True)
class ClosedPeriod:
    """Days of every year that are not working days for a clock, first to last inclusive, as
    (month, day); a period whose last day comes before its first runs over the new year."""

    first: tuple[int, int]
    last: tuple[int, int]

    def __contains__(self, day: date) -> bool:
        key = (day.month, day.day)
        if self.first <= self.last:
            return self.first <= key <= self.last
        return key >= self.first or key <= self.last

    def __str__(self) -> str:
        return "{:02}-{:02}..{:02}-{:02}".format(*self.first, *self.last)


@dataclass(frozen=True)
class Clock:
    """A statutory or policy deadline, started and stopped by transitions and milestones.

    An `after` clock starts with the clock it names but counts from that clock's end: the day
    it stopped, or its due date if it stopped later or still runs (see anchor_end)."""

    name: str
    label: str
    route: str
    rule: ClockRule
    days: int = 0
    months: int = 0
    counting: str = "calendar"
    after: str | None = None
    extendable: bool = False
    pausable: bool = False
    source: str = ""
    #: Days of every year that are not working days for this clock, whatever the holidays are.
    closed: tuple[ClosedPeriod, ...] = ()
    #: The public holidays, by name, that are not working days for this clock (a statute's own
    #: list; each also when observed on another day). None: every holiday of the jurisdiction.
    holidays: tuple[str, ...] | None = None
    #: Due on the date recorded with the milestone that starts it, not counted (see DUE_GIVEN).
    due_given: bool = False


@dataclass(frozen=True)
class Milestone:
    """Something a handler records that is not a state change (e.g. "notified IBAC")."""

    key: str
    label: str
    route: str
    source: str = ""
    #: "notified": statistics count the case as notified to an outside body (the Victorian
    #: annual report's disclosures notified to IBAC), recorded with the milestone's event.
    counted_as: str | None = None
    #: The question a written note answers when the milestone is recorded (then required and
    #: sealed with the case), e.g. the response of the person an allegation is about.
    note: str | None = None
    #: The question a date answers when the milestone is recorded (then required): a clock
    #: it starts with `due = "given"` falls due on that date.
    date: str | None = None


# Arithmetic

@lru_cache(maxsize=32)
def holiday_calendar(country: str, subdivision: str | None) -> holidays.HolidayBase:
    """The public holidays of a jurisdiction (cached: building one is not free)."""
    if not country:
        return holidays.HolidayBase()
    return holidays.country_holidays(country, subdiv=subdivision)


@dataclass(frozen=True)
class WorkingCalendar:
    """What a working day is for one clock: a weekday that is neither a public holiday of the
    jurisdiction nor in one of the clock's closed periods (see clock_calendar)."""

    country: str = ""
    subdivision: str | None = None
    closed: tuple[ClosedPeriod, ...] = ()
    holidays: tuple[str, ...] | None = None

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, not a public holiday that counts, and not in a closed period."""
        return (day.weekday() < 5 and not self.is_holiday(day)
                and not any(day in period for period in self.closed))

    def is_holiday(self, day: date) -> bool:
        """A public holiday of the jurisdiction that counts for this calendar: any, or only
        those named (on the day, or observed on another)."""
        names = holiday_calendar(self.country, self.subdivision).get(day)
        if names is None:
            return False
        return self.holidays is None or any(n in self.holidays for n in _plain_names(names))


#: How the holidays library names a holiday moved to another day.
OBSERVED = " (observed)"


def _plain_names(names: str) -> list[str]:
    """The holidays on a day, as the holidays library lists them ("A; B"), each by its own
    name whether on the day or observed on another."""
    return [name.removesuffix(OBSERVED) for name in names.split("; ")]
#: Monday to Friday, with no holidays.
WEEKDAYS = WorkingCalendar()


def add_months(start: date, months: int) -> date:
    """Calendar months: 31 January plus one month is the last day of February."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def due_date(start: date, *, days: int = 0, months: int = 0, counting: str = "calendar",
             calendar: WorkingCalendar = WEEKDAYS) -> date:
    """When a clock started on start falls due; a non-working due day moves to the next one."""
    if counting == "working":
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if calendar.is_working_day(day):
                left -= 1
    else:
        day = add_months(start, months) + timedelta(days=days)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def working_days_between(start: date, end: date, *,
                         calendar: WorkingCalendar = WEEKDAYS) -> int:
    """How many working days fall in (start, end]: after start, up to and including end."""
    return sum(calendar.is_working_day(start + timedelta(days=n))
               for n in range(1, (end - start).days + 1))


def resume_due(due_on: date, paused_on: date, resumed_on: date, *, counting: str = "calendar",
               calendar: WorkingCalendar = WEEKDAYS) -> date:
    """A resumed clock's new due date: the old one plus the time it was paused (calendar days,
    or the working days in (paused_on, resumed_on]), moved off a non-working day."""
    if resumed_on < paused_on:
        raise ValueError(f"resumed on {resumed_on} before it was paused on {paused_on}")
    if counting == "working":
        lost = working_days_between(paused_on, resumed_on, calendar=calendar)
    else:
        lost = (resumed_on - paused_on).days
    return due_date(due_on, days=lost, counting=counting, calendar=calendar)


def clock_calendar(clock: Clock, pack: PolicyPack) -> WorkingCalendar:
    """A clock's working days: those of the pack's jurisdiction (or only the holidays the clock
    names), less the clock's closed periods."""
    return WorkingCalendar(pack.jurisdiction, pack.subdivision, clock.closed, clock.holidays)


def anchor_end(due_on: date, stopped_on: date | None) -> date:
    """Where an `after` clock counts from: the day the clock it follows stopped, or that
    clock's due date if it still runs or stopped late (EU directive art. 9(1)(f))."""
    return due_on if stopped_on is None else min(stopped_on, due_on)


def clock_due(clock: Clock, started_on: date, pack: PolicyPack,
              anchor: date | None = None) -> date:
    """When a clock started on started_on falls due under the pack's jurisdiction; an `after`
    clock counts from anchor, the anchor_end() of the clock it follows."""
    if clock.after and anchor is None:
        raise ValueError(f"clock {clock.name!r} counts from the end of {clock.after!r}")
    return due_date(anchor if clock.after else started_on, days=clock.days, months=clock.months,
                    counting=clock.counting, calendar=clock_calendar(clock, pack))


def local_date(moment: datetime, timezone: str) -> date:
    """The organisation's calendar day at an instant; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).date()


def is_due_soon(due_on: date, today: date, within_days: int) -> bool:
    """A running clock not yet overdue whose due date is at most within_days days away."""
    return today <= due_on <= today + timedelta(days=within_days)


# Definitions

def whole_number(value, source: str, where: str, least: int = 0) -> int:
    """An integer of at least least, or a DefinitionError naming the file and key."""
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise DefinitionError(source, where, f"must be a whole number of at least {least}")
    return value


def _entries(tables: Tables, kind: str, allowed: frozenset[str]):
    """Each [[kind]] entry of every file, with the file it came from; unknown fields refused."""
    for origin, data in tables:
        for spec in data.get(kind, []):
            name = spec.get("name" if kind == "clocks" else "key")
            unknown = sorted(set(spec) - allowed)
            if unknown:
                raise DefinitionError(origin, f"{kind}.{name}", f"unknown fields {unknown}")
            yield origin, f"{kind}.{name}", spec


def parse_milestones(tables: Tables, routes: Mapping[str, Route]
                     ) -> dict[tuple[str, str], Milestone]:
    """Every [[milestones]] entry, keyed (route, key); a clash names both files."""
    result: dict[tuple[str, str], Milestone] = {}
    origins: dict[tuple[str, str], str] = {}
    for origin, where, spec in _entries(tables, "milestones", MILESTONE_FIELDS):
        route = routes.get(spec.get("route"))
        if route is None:
            raise DefinitionError(origin, f"{where}.route", f"unknown route {spec.get('route')!r}")
        key = (route.key, spec.get("key"))
        if not key[1] or key in result:
            raise DefinitionError(origin, where, f"missing or duplicate key on {route.key!r}"
                                  + (f" (also in {origins[key]})" if key in origins else ""))
        if key[1] in route.transition_keys or key[1] in SERVICE_EVENTS:
            # The engine could not tell the milestone from the transition of that name.
            raise DefinitionError(origin, where, f"{key[1]!r} is already a transition")
        counted = spec.get("counted_as")
        if counted is not None and counted not in COUNTED_AS:
            raise DefinitionError(origin, f"{where}.counted_as",
                                  f"must be one of {sorted(COUNTED_AS)}")
        result[key] = Milestone(key[1], spec.get("label", key[1]), route.key,
                                spec.get("source", ""), counted, spec.get("note"),
                                spec.get("date"))
        origins[key] = origin
    return result


def parse_clocks(tables: Tables, routes: Mapping[str, Route],
                 milestones: Mapping[tuple[str, str], Milestone], *, country: str = "",
                 subdivision: str | None = None) -> tuple[Clock, ...]:
    """Every [[clocks]] entry; a name clash on a route names the file and key. Holidays a
    clock names must be holidays of the jurisdiction (country, subdivision)."""
    clocks: dict[tuple[str, str], Clock] = {}
    origins: dict[tuple[str, str], str] = {}
    for origin, where, spec in _entries(tables, "clocks", CLOCK_FIELDS):
        clock = _clock(origin, where, spec, routes, milestones)
        _check_holidays(clock, country, subdivision, origin, f"{where}.holidays")
        key = (clock.route, clock.name)
        if key in clocks:
            # A case holds one clock per name: a clash would fail at the first lodge.
            raise DefinitionError(origin, where, f"duplicate name on {clock.route!r}"
                                  f" (also defined in {origins[key]})")
        clocks[key], origins[key] = clock, origin
    for key, clock in clocks.items():
        _check_after(clock, clocks, origins[key])
    return tuple(clocks.values())


def _clock(origin, where, spec, routes, milestones) -> Clock:
    route = routes.get(spec.get("route"))
    if route is None:
        raise DefinitionError(origin, f"{where}.route", f"unknown route {spec.get('route')!r}")
    if not spec.get("name"):
        raise DefinitionError(origin, where, f"missing name on {route.key!r}")
    keys = {*route.transition_keys, *SERVICE_EVENTS,
            *(k for r, k in milestones if r == route.key)}
    effects = {k: frozenset(spec.get(k, ())) for k in EFFECTS}
    for name, given in effects.items():
        if not given <= keys:
            raise DefinitionError(origin, f"{where}.{name}",
                                  f"unknown transitions or milestones {sorted(given - keys)}")
    if spec.get("counting", "calendar") not in COUNTING:
        raise DefinitionError(origin, f"{where}.counting", "must be calendar or working")
    for flag in ("extendable", "pausable"):
        if not isinstance(spec.get(flag, False), bool):
            raise DefinitionError(origin, f"{where}.{flag}", "must be true or false")
    if (effects["pause_on"] or effects["resume_on"]) and not spec.get("pausable"):
        raise DefinitionError(origin, f"{where}.pausable", "a clock that pauses needs "
                              "pausable = true")
    due_given = _due_given(origin, where, spec, route, milestones, effects["start_on"])
    return Clock(spec["name"], spec.get("label", spec["name"]), route.key,
                 ClockRule(spec["name"], **effects),
                 whole_number(spec.get("days", 0), origin, f"{where}.days"),
                 whole_number(spec.get("months", 0), origin, f"{where}.months"),
                 spec.get("counting", "calendar"), spec.get("after"),
                 spec.get("extendable", False), spec.get("pausable", False),
                 spec.get("source", ""), _closed(spec.get("closed", []), origin, f"{where}.closed"),
                 _holiday_names(spec.get("holidays"), origin, f"{where}.holidays"),
                 due_given)


def _due_given(origin, where, spec, route, milestones, start_on) -> bool:
    """A clock `due = "given"` counts no days: it starts only on milestones that ask a date,
    and falls due on the date recorded with the one that starts it."""
    if "due" not in spec:
        return False
    if spec["due"] != DUE_GIVEN:
        raise DefinitionError(origin, f"{where}.due", f'must be "{DUE_GIVEN}"')
    if any(k in spec for k in ("days", "months", "after", "counting")):
        raise DefinitionError(origin, f"{where}.due", "a clock due on a given date counts no "
                              "days or months and follows no other clock")
    dated = {k for (r, k), m in milestones.items() if r == route.key and m.date}
    if not start_on or not start_on <= dated:
        raise DefinitionError(origin, f"{where}.start_on", "a clock due on a given date "
                              "starts only on milestones that ask a date")
    return True


def _holiday_names(value, source: str, where: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DefinitionError(source, where, "must be a list of holiday names")
    return tuple(value)


#: The years a named holiday must occur in at least once (so a renamed holiday is caught).
KNOWN_YEARS = range(2000, 2041)


@lru_cache(maxsize=32)
def holiday_names(country: str, subdivision: str | None) -> frozenset[str]:
    """Every name the jurisdiction's holidays go by in KNOWN_YEARS (without "(observed)")."""
    found = holidays.country_holidays(country, subdiv=subdivision, years=KNOWN_YEARS)
    return frozenset(name for names in found.values() for name in _plain_names(names))


def _check_holidays(clock: Clock, country: str, subdivision: str | None, source: str,
                    where: str) -> None:
    """Each holiday a clock names is one the holidays library knows for the jurisdiction: a
    name it does not know (misspelt, or renamed in a new version) would silently count as a
    working day."""
    if clock.holidays is None:
        return
    if not country:
        raise DefinitionError(source, where, "names holidays, but the pack has no jurisdiction")
    known = holiday_names(country, subdivision)
    unknown = sorted(set(clock.holidays) - known)
    if unknown:
        raise DefinitionError(source, where, f"not holidays of {country}: {unknown}; "
                              f"known: {sorted(known)}")


def _closed(value, source: str, where: str) -> tuple[ClosedPeriod, ...]:
    """A clock's closed periods, refused if they leave no week of the year open (a due date
    could never come)."""
    if not isinstance(value, list):
        raise DefinitionError(source, where, 'must be a list of "MM-DD..MM-DD" periods')
    periods = tuple(_period(text, source, f"{where}[{n}]") for n, text in enumerate(value))
    year = (date(2000, 1, 1) + timedelta(days=n) for n in range(366))
    open_days = "".join("0" if any(day in p for p in periods) else "1" for day in year)
    if "1" * 7 not in open_days * 2:  # twice round: a week open over the new year counts
        raise DefinitionError(source, where, "the periods must leave a week of the year open")
    return periods


def _period(text, source: str, where: str) -> ClosedPeriod:
    """One "MM-DD..MM-DD" period, first and last day included; each must be a day of the year."""
    match = PERIOD.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise DefinitionError(source, where, f'{text!r} is not "MM-DD..MM-DD"')
    first_month, first_day, last_month, last_day = map(int, match.groups())
    first, last = (first_month, first_day), (last_month, last_day)
    for month, day in (first, last):
        try:
            date(2000, month, day)  # a leap year: 02-29 is a day of some years
        except ValueError:
            raise DefinitionError(source, where,
                                  f"{month:02}-{day:02} is not a day of the year") from None
    return ClosedPeriod(first, last)


def _check_after(clock: Clock, clocks: Mapping[tuple[str, str], Clock], origin: str) -> None:
    """An `after` clock names another clock on its route, starts with it, and forms no cycle."""
    where, seen, current = f"clocks.{clock.name}.after", [clock.name], clock
    while current.after is not None:
        anchor = clocks.get((clock.route, current.after))
        if anchor is None:
            if current is clock:
                raise DefinitionError(origin, where, f"no clock {clock.after!r} on "
                                      f"{clock.route!r}")
            return  # the clock with the bad reference reports it
        if anchor.name in seen:
            raise DefinitionError(origin, where, f"cycle: {' -> '.join([*seen, anchor.name])}")
        if current is clock and not clock.rule.start_on <= anchor.rule.start_on:
            raise DefinitionError(origin, f"clocks.{clock.name}.start_on",
                                  f"must start with the clock it follows ({anchor.name!r})")
        seen.append(anchor.name)
        current = anchor
