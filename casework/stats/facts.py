"""The facts a case keeps for statistics, fixed when they happen: the calendar quarter it was
received in (the organisation's days), and whole days to acknowledgement and to closure.

They are plain integers on the case, so a release groups and filters by an indexed number
instead of working out a quarter or a day count from timestamps for every row
(bench/bench_stats.py). They never change once set, and they survive retention purges.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from casework.stats.periods import Period, quarters_within
from casework.workflow.clocks import local_date

SECONDS_PER_DAY = 86_400


def quarter_number(day: date) -> int:
    """The calendar quarter containing a day, as one sortable number: 2026-Q3 is 20263."""
    return day.year * 10 + (day.month - 1) // 3 + 1


def received_quarter(opened_at: datetime, timezone: str) -> int:
    """The quarter number of the organisation's day on which a report was received."""
    return quarter_number(local_date(opened_at, timezone))


def period_quarters(period: Period) -> list[int]:
    """The quarter numbers that make up a fixed period, in order."""
    return [quarter_number(q.start) for q in quarters_within(period)]


def whole_days(start: datetime, end: datetime) -> int:
    """Whole days elapsed from one instant to another (24-hour days, rounded down)."""
    start, end = (m if m.tzinfo else m.replace(tzinfo=UTC) for m in (start, end))
    return int((end - start).total_seconds() // SECONDS_PER_DAY)
