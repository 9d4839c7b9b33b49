"""Deadlines: due dates in calendar or working days, with a jurisdiction's public holidays."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def holiday_calendar(country: str, subdivision: str | None) -> holidays.HolidayBase:
    """The public holidays of a jurisdiction (cached: building one is not free)."""
    if not country:
        return holidays.HolidayBase()
    return holidays.country_holidays(country, subdiv=subdivision)


def is_working_day(day: date, country: str, subdivision: str | None = None) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and day not in holiday_calendar(country, subdivision)


def add_months(start: date, months: int) -> date:
    """Calendar months: 31 January plus one month is the last day of February."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_date(start: date, *, days: int = 0, months: int = 0, counting: str = "calendar",
             country: str = "", subdivision: str | None = None) -> date:
    """When a clock started on start falls due; a non-working due day moves to the next one."""
    if counting == "working":
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if is_working_day(day, country, subdivision):
                left -= 1
    else:
        day = add_months(start, months) + timedelta(days=days)
    while not is_working_day(day, country, subdivision):
        day += timedelta(days=1)
    return day
