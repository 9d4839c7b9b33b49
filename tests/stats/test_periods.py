"""Statistics periods: the fixed forms are read to exact dates; everything else is refused."""

from datetime import date

import pytest

from casework.stats.periods import (
    ACCEPTED,
    PeriodError,
    parse_period,
    quarter_of,
    quarters_within,
)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026", date(2026, 1, 1), date(2027, 1, 1)),
    ("2026-H1", date(2026, 1, 1), date(2026, 7, 1)),
    ("2026-H2", date(2026, 7, 1), date(2027, 1, 1)),
    ("2026-Q1", date(2026, 1, 1), date(2026, 4, 1)),
    ("2026-Q2", date(2026, 4, 1), date(2026, 7, 1)),
    ("2026-Q3", date(2026, 7, 1), date(2026, 10, 1)),
    ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1)),
    (" 2026-q3 ", date(2026, 7, 1), date(2026, 10, 1)),
])
def test_calendar_forms_read_to_dates_with_exclusive_end(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)
    assert period.key == text.strip().upper()


@pytest.mark.parametrize(("month", "start", "end"), [
    (1, date(2026, 1, 1), date(2027, 1, 1)),
    (4, date(2025, 4, 1), date(2026, 4, 1)),  # United Kingdom, New Zealand, Japan, India
    (7, date(2025, 7, 1), date(2026, 7, 1)),  # Australia
    (10, date(2025, 10, 1), date(2026, 10, 1)),  # United States federal
])
def test_a_financial_year_is_the_one_that_ends_in_its_year(month, start, end):
    period = parse_period("FY2026", fiscal_year_start_month=month)
    assert (period.key, period.start, period.end) == ("FY2026", start, end)


def test_the_fiscal_start_month_does_not_change_calendar_forms():
    assert parse_period("2026-Q1", fiscal_year_start_month=7) == parse_period("2026-Q1")


@pytest.mark.parametrize("month", [0, 2, 3, 13])
def test_a_financial_year_must_be_made_of_whole_quarters(month):
    with pytest.raises(ValueError, match="month 1, 4, 7 or 10"):
        parse_period("FY2026", fiscal_year_start_month=month)


@pytest.mark.parametrize("text", [
    "2026-01-01..2026-03-31",  # a free date range could be differenced against others
    "2026-01-01/2026-03-31",
    "2026-01-01",
    "2026-03",
    "March 2026",
    "2026-Q5",
    "2026-Q0",
    "2026-H3",
    "2026-H0",
    "Q1-2026",
    "2026Q1",
    "FY26",
    "26",
    "",
    "1899",
    "9999",
])
def test_anything_else_is_refused_with_the_accepted_forms(text):
    with pytest.raises(PeriodError) as raised:
        parse_period(text)
    assert isinstance(raised.value, ValueError)
    assert "2026-H1" in str(raised.value) or "year must lie" in str(raised.value)


def test_the_refusal_names_every_accepted_form():
    with pytest.raises(PeriodError, match="free date ranges") as raised:
        parse_period("2026-01-01..2026-03-31")
    assert ACCEPTED in str(raised.value)
    for form in ("2026", "2026-H1", "2026-Q1", "FY2026"):
        assert form in ACCEPTED


@pytest.mark.parametrize(("day", "key"), [
    (date(2026, 1, 1), "2026-Q1"),
    (date(2026, 3, 31), "2026-Q1"),
    (date(2026, 4, 1), "2026-Q2"),
    (date(2026, 12, 31), "2026-Q4"),
])
def test_quarter_boundaries(day, key):
    assert quarter_of(day) == parse_period(key)


@pytest.mark.parametrize(("text", "month", "quarters"), [
    ("2026", 1, ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]),
    ("2026-H2", 1, ["2026-Q3", "2026-Q4"]),
    ("2026-Q3", 1, ["2026-Q3"]),
    ("FY2026", 4, ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]),
    ("FY2026", 7, ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]),
])
def test_every_period_is_made_of_whole_calendar_quarters(text, month, quarters):
    period = parse_period(text, fiscal_year_start_month=month)
    found = quarters_within(period)
    assert [q.key for q in found] == quarters
    assert found[0].start == period.start and found[-1].end == period.end
    assert all(period.covers(q) for q in found)


def test_covers_is_containment_with_exclusive_ends():
    year, h1, q2, q3 = (parse_period(t) for t in ("2026", "2026-H1", "2026-Q2", "2026-Q3"))
    assert year.covers(h1) and h1.covers(q2) and q2.covers(q2)
    assert not h1.covers(q3) and not q2.covers(h1)
