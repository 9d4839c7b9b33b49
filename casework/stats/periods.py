"""Fixed statistical periods (years, halves, quarters, financial years), never free date ranges.

A release names one of these periods so that two releases can only overlap in whole calendar
quarters; the disclosure audit (casework.stats.audit) reasons about quarters as the finest time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

ACCEPTED = (
    "a calendar year (2026), a half-year (2026-H1 or 2026-H2), a quarter (2026-Q1 to 2026-Q4) "
    "or a financial year (FY2026, the financial year that ends in 2026)"
)
#: Financial years must be made of whole calendar quarters: January, April, July or October.
FISCAL_START_MONTHS = (1, 4, 7, 10)
FIRST_YEAR, LAST_YEAR = 1900, 9998
_FORM = re.compile(r"(?:FY(?P<fy>\d{4})|(?P<year>\d{4})(?:-(?P<part>[HQ])(?P<n>\d))?)")


class PeriodError(ValueError):
    """A statistics period that is not one of the fixed forms."""


@dataclass(frozen=True, order=True)
class Period:
    """A fixed period from start (inclusive) to end (exclusive), named by its key."""

    key: str
    start: date
    end: date

    def __hash__(self) -> int:
        # The key's (cached by Python); the audit hashes quarters hundreds of thousands of
        # times. Periods with one key and different dates (two fiscal years) stay unequal.
        return hash(self.key)

    def covers(self, other: Period) -> bool:
        """Say whether other lies wholly inside this period."""
        return self.start <= other.start and other.end <= self.end

    def __str__(self) -> str:
        return self.key


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _span(key: str, year: int, month: int, months: int) -> Period:
    start = date(year, month, 1)
    return Period(key, start, _add_months(start, months))


def parse_period(text: str, fiscal_year_start_month: int = 1) -> Period:
    """Read `2026`, `2026-H1`, `2026-Q3` or `FY2026`; refuse anything else with the accepted forms.

    `FY2026` is the financial year that ends in 2026: with an April start, 2025-04-01 to
    2026-04-01; with a January start it is the calendar year 2026."""
    if fiscal_year_start_month not in FISCAL_START_MONTHS:
        raise ValueError(
            f"a financial year must start in month 1, 4, 7 or 10, not {fiscal_year_start_month!r}"
        )
    cleaned = text.strip().upper() if isinstance(text, str) else ""
    match = _FORM.fullmatch(cleaned)
    if match is None:
        raise PeriodError(f"{text!r} is not a statistics period: use {ACCEPTED}; "
                          "free date ranges, single dates and months are not accepted")
    year = int(match["fy"] or match["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(f"{text!r}: the year must lie between {FIRST_YEAR} and {LAST_YEAR}")
    if match["fy"]:
        if fiscal_year_start_month == 1:
            return _span(cleaned, year, 1, 12)
        return _span(cleaned, year - 1, fiscal_year_start_month, 12)
    part, n = match["part"], int(match["n"] or 0)
    if part is None:
        return _span(cleaned, year, 1, 12)
    if part == "H" and n in (1, 2):
        return _span(cleaned, year, 6 * n - 5, 6)
    if part == "Q" and 1 <= n <= 4:
        return _span(cleaned, year, 3 * n - 2, 3)
    raise PeriodError(f"{text!r} is not a statistics period: use {ACCEPTED}")


def quarter_of(day: date) -> Period:
    """The calendar quarter that contains a day."""
    n = (day.month - 1) // 3 + 1
    return _span(f"{day.year}-Q{n}", day.year, 3 * n - 2, 3)


def quarters_within(period: Period) -> list[Period]:
    """The calendar quarters that make up a period, in order (fixed periods are whole quarters)."""
    found, day = [], period.start
    while day < period.end:
        quarter = quarter_of(day)
        found.append(quarter)
        day = quarter.end
    return found
