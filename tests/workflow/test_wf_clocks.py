"""Clock arithmetic: working days, public holidays and closed periods, month ends, the
organisation's local day across daylight-saving changes, paused clocks, and clocks that count
from another's end."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from casework.workflow.clocks import (
    ClosedPeriod,
    WorkingCalendar,
    add_months,
    anchor_end,
    clock_calendar,
    clock_due,
    due_date,
    is_due_soon,
    local_date,
    resume_due,
    working_days_between,
)
from casework.workflow.definitions import load_routes
from casework.workflow.policy import load_pack

ROUTES = load_routes()
UK = load_pack("uk-council", ROUTES)
CANADA = load_pack("canada-federal", ROUTES)
NZ_PACK = load_pack("nz-public-service", ROUTES)
NZ_WGN = WorkingCalendar("NZ", "WGN")
VIC = WorkingCalendar("AU", "VIC")
NSW = WorkingCalendar("AU", "NSW")
ENG = WorkingCalendar("GB", "ENG")
GB = WorkingCalendar("GB")


# Weekends and public holidays.

@pytest.mark.parametrize("start, due", [
    (date(2026, 3, 6), date(2026, 3, 13)),  # Friday: the weekend is not counted
    (date(2026, 3, 7), date(2026, 3, 13)),  # Saturday: counting starts on Monday
    (date(2026, 3, 9), date(2026, 3, 16)),  # Monday: over one weekend
])
def test_working_days_skip_weekends(start, due):
    assert due_date(start, days=5, counting="working", calendar=ENG) == due


def test_waitangi_day_is_not_a_working_day_in_new_zealand():
    # 20 working days from Monday 26 January 2026 span Friday 6 February, Waitangi Day.
    start = date(2026, 1, 26)
    assert due_date(start, days=20, counting="working", calendar=NZ_WGN) == date(2026, 2, 24)
    assert due_date(start, days=20, counting="working", calendar=GB) == date(2026, 2, 23)


def test_melbourne_cup_day_is_a_holiday_in_victoria_only():
    # Five working days from Friday 30 October 2026 span Tuesday 3 November, Cup day.
    start = date(2026, 10, 30)
    assert due_date(start, days=5, counting="working", calendar=VIC) == date(2026, 11, 9)
    assert due_date(start, days=5, counting="working", calendar=NSW) == date(2026, 11, 6)


def test_a_calendar_clock_due_on_a_holiday_moves_to_the_next_working_day():
    # IBAC notification: 28 days from Tuesday 6 October 2026 is Melbourne Cup day.
    assert due_date(date(2026, 10, 6), days=28, calendar=VIC) == date(2026, 11, 4)
    assert due_date(date(2026, 10, 6), days=28, calendar=NSW) == date(2026, 11, 3)


def test_a_calendar_clock_due_at_a_weekend_moves_to_monday():
    assert due_date(date(2026, 3, 7), days=7, calendar=ENG) == date(2026, 3, 16)  # Sat + 7 = Sat


# New Zealand's closed period: the Legislation Act 2019, s 13, leaves 25 December to 2 January
# out of working days. 2 January 2027 is a Saturday; the holiday calendar has Christmas (Fri 25),
# Boxing Day observed (Mon 28 December), New Year's Day (Fri 1) and the day after New Year's Day
# observed (Mon 4 January 2027), but not 29 to 31 December.

CHRISTMAS = ClosedPeriod((12, 25), (1, 2))
NZ = WorkingCalendar("NZ")
NZ_ACT = WorkingCalendar("NZ", closed=(CHRISTMAS,))


@pytest.mark.parametrize("period, day, inside", [
    (CHRISTMAS, date(2026, 12, 24), False),
    (CHRISTMAS, date(2026, 12, 25), True),  # the first day is in
    (CHRISTMAS, date(2026, 12, 31), True),
    (CHRISTMAS, date(2027, 1, 1), True),  # over the new year
    (CHRISTMAS, date(2027, 1, 2), True),  # the last day is in
    (CHRISTMAS, date(2027, 1, 3), False),
    (CHRISTMAS, date(2027, 6, 30), False),
    (ClosedPeriod((7, 1), (7, 14)), date(2027, 6, 30), False),  # one that does not wrap
    (ClosedPeriod((7, 1), (7, 14)), date(2027, 7, 1), True),
    (ClosedPeriod((7, 1), (7, 14)), date(2027, 7, 14), True),
    (ClosedPeriod((7, 1), (7, 14)), date(2027, 7, 15), False),
    (ClosedPeriod((7, 1), (7, 14)), date(2027, 12, 30), False),
])
def test_a_closed_period_includes_both_ends_and_may_wrap_over_the_new_year(period, day,
                                                                          inside):
    assert (day in period) is inside


def test_twenty_working_days_from_21_december_skip_25_december_to_2_january():
    # Lodged Monday 21 December 2026. Working days: 22, 23, 24 December (3); 25 December to
    # 2 January closed; Sunday 3 and Monday 4 January (a holiday) not; 5 to 8 January (7),
    # 11 to 15 (12), 18 to 22 (17), 25, 26, 27 January (20): due Wednesday 27 January 2027.
    # Counting 29, 30 and 31 December, as the holiday calendar alone would, gives Friday 22nd.
    start = date(2026, 12, 21)
    assert due_date(start, days=20, counting="working", calendar=NZ_ACT) == date(2027, 1, 27)
    assert due_date(start, days=20, counting="working", calendar=NZ) == date(2027, 1, 22)


def test_the_nz_pack_counts_its_20_working_days_past_the_closed_period():
    deal_with = NZ_PACK.clock("disclosure", "deal_with")
    # Only the holidays s 13 lists count: Monday 4 January 2027 (the day after New Year's Day,
    # observed) and Monday 25 January (Wellington Anniversary Day) are working days, so the
    # 20th is Tuesday 26 January, two days before Wellington's whole holiday calendar says.
    assert clock_due(deal_with, date(2026, 12, 21), NZ_PACK) == date(2027, 1, 26)
    assert due_date(date(2026, 12, 21), days=20, counting="working",
                    calendar=WorkingCalendar("NZ", "WGN", (CHRISTMAS,))) == date(2027, 1, 28)
    assert due_date(date(2026, 12, 21), days=20, counting="working",
                    calendar=NZ_WGN) == date(2027, 1, 22)  # without the closed period


def test_a_calendar_day_due_date_in_the_closed_period_moves_past_2_january():
    # 28 days from Thursday 30 November 2028 is Thursday 28 December, a working day on the
    # holiday calendar (Christmas and Boxing Day are Monday and Tuesday that year). In the
    # closed period it moves to Wednesday 3 January 2029, the first working day after it.
    start = date(2028, 11, 30)
    assert due_date(start, days=28, calendar=NZ) == date(2028, 12, 28)
    assert due_date(start, days=28, calendar=NZ_ACT) == date(2029, 1, 3)


# Month ends.

@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),  # a leap year
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 3, 31), 12, date(2027, 3, 31)),
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
])
def test_adding_months_stops_at_the_end_of_a_short_month(start, months, expected):
    assert add_months(start, months) == expected


def test_one_month_from_31_january_is_28_february_or_the_next_working_day():
    assert due_date(date(2026, 1, 31), months=1) == date(2026, 3, 2)  # 28 Feb 2026 is a Saturday
    assert due_date(date(2028, 1, 31), months=1) == date(2028, 2, 29)  # a Tuesday


def test_eu_feedback_three_months_from_an_acknowledgement_on_30_november():
    feedback = UK.clock("disclosure", "feedback")
    # 28 February 2027 is a Sunday; 29 February 2028 is a Tuesday.
    assert clock_due(feedback, date(2026, 11, 30), UK, anchor=date(2026, 11, 30)) == date(
        2027, 3, 1)
    assert clock_due(feedback, date(2027, 11, 30), UK, anchor=date(2027, 11, 30)) == date(
        2028, 2, 29)


# The organisation's calendar day.

@pytest.mark.parametrize("moment, timezone, day", [
    # London's clocks go forward at 01:00 UTC on Sunday 29 March 2026.
    (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "Europe/London", date(2026, 3, 28)),  # GMT
    (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Europe/London", date(2026, 3, 29)),  # 02:30 BST
    (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), "Europe/London", date(2026, 3, 30)),  # 00:30 BST
    # New Zealand's clocks go back at 14:00 UTC on Saturday 4 April 2026 (UTC+13 to UTC+12).
    (datetime(2026, 4, 4, 11, 30, tzinfo=UTC), "Pacific/Auckland", date(2026, 4, 5)),  # 00:30
    (datetime(2026, 4, 5, 11, 30, tzinfo=UTC), "Pacific/Auckland", date(2026, 4, 5)),  # 23:30
    (datetime(2026, 3, 1, 20, 0, tzinfo=UTC), "Pacific/Auckland", date(2026, 3, 2)),  # 09:00 Mon
])
def test_local_date_follows_daylight_saving(moment, timezone, day):
    assert local_date(moment, timezone) == day


def test_a_naive_datetime_is_utc():
    assert local_date(datetime(2026, 3, 29, 23, 30), "Europe/London") == date(2026, 3, 30)
    assert local_date(datetime(2026, 3, 29, 23, 30), "UTC") == date(2026, 3, 29)


def test_a_report_lodged_late_at_night_counts_from_the_local_day():
    # 23:30 on Friday 6 March 2026 in Ottawa is already Saturday in UTC.
    lodged = datetime(2026, 3, 7, 4, 30, tzinfo=UTC)
    day = local_date(lodged, CANADA.timezone)
    assert day == date(2026, 3, 6)
    contact = CANADA.clock("harassment", "contact_principal_party")
    assert clock_due(contact, day, CANADA) == date(2026, 3, 13)  # seven days: a Friday
    assert clock_due(contact, lodged.date(), CANADA) == date(2026, 3, 16)  # not UTC's Saturday


# Paused clocks.

def test_a_paused_calendar_clock_gets_the_days_back():
    assert resume_due(date(2026, 3, 20), date(2026, 3, 10), date(2026, 3, 17),
                      calendar=ENG) == date(2026, 3, 27)


def test_a_clock_resumed_on_the_day_it_paused_keeps_its_date():
    assert resume_due(date(2026, 3, 20), date(2026, 3, 10), date(2026, 3, 10),
                      calendar=ENG) == date(2026, 3, 20)


def test_a_paused_working_clock_gets_back_only_working_days():
    # Paused Friday, resumed Monday: one working day (the Monday) is given back.
    assert resume_due(date(2026, 3, 20), date(2026, 3, 13), date(2026, 3, 16),
                      counting="working", calendar=ENG) == date(2026, 3, 23)


def test_a_pause_over_a_holiday_does_not_give_the_holiday_back():
    # Paused Thursday 5 February, resumed Monday 9th: Waitangi Day and the weekend are skipped.
    assert working_days_between(date(2026, 2, 5), date(2026, 2, 9), calendar=NZ_WGN) == 1
    assert resume_due(date(2026, 2, 24), date(2026, 2, 5), date(2026, 2, 9),
                      counting="working", calendar=NZ_WGN) == date(2026, 2, 25)
    assert resume_due(date(2026, 2, 24), date(2026, 2, 5), date(2026, 2, 9),
                      counting="working", calendar=GB) == date(2026, 2, 26)


def test_a_pause_over_the_closed_period_gives_back_only_working_days():
    # Paused Wednesday 23 December 2026, resumed Wednesday 6 January 2027: 24 December and 5 and
    # 6 January are working days; 25 December to 2 January are closed, 3 January is a Sunday,
    # 4 January a holiday. The holiday calendar alone would count 29 to 31 December too.
    paused, resumed = date(2026, 12, 23), date(2027, 1, 6)
    assert working_days_between(paused, resumed, calendar=NZ_ACT) == 3
    assert working_days_between(paused, resumed, calendar=NZ) == 6
    # Due Wednesday 20 January: three working days more is Monday 25 January (six: Thursday 28).
    assert resume_due(date(2027, 1, 20), paused, resumed, counting="working",
                      calendar=NZ_ACT) == date(2027, 1, 25)
    assert resume_due(date(2027, 1, 20), paused, resumed, counting="working",
                      calendar=NZ) == date(2027, 1, 28)


def test_a_resumed_calendar_clock_due_in_the_closed_period_moves_past_it():
    # Due Sunday 20 December 2026, paused for 8 days: Monday 28 December, then Tuesday 5 January.
    assert resume_due(date(2026, 12, 20), date(2026, 12, 1), date(2026, 12, 9),
                      calendar=NZ_ACT) == date(2027, 1, 5)
    assert resume_due(date(2026, 12, 20), date(2026, 12, 1), date(2026, 12, 9),
                      calendar=NZ) == date(2026, 12, 29)


def test_a_resumed_calendar_clock_due_on_a_holiday_moves_on():
    # Seven days back on Tuesday 27 October 2026 lands on Melbourne Cup day.
    assert resume_due(date(2026, 10, 27), date(2026, 10, 1), date(2026, 10, 8),
                      calendar=VIC) == date(2026, 11, 4)


def test_resuming_before_pausing_is_refused():
    with pytest.raises(ValueError):
        resume_due(date(2026, 3, 20), date(2026, 3, 10), date(2026, 3, 9))


# Clocks that count from another clock's end (EU directive: feedback after acknowledgement).

@pytest.mark.parametrize("stopped_on, end", [
    (None, date(2026, 3, 9)),  # still running: its due date
    (date(2026, 3, 4), date(2026, 3, 4)),  # stopped early: that day
    (date(2026, 3, 9), date(2026, 3, 9)),  # stopped on the due date
    (date(2026, 3, 20), date(2026, 3, 9)),  # stopped late: the due date, not later
])
def test_anchor_end_is_the_earlier_of_stopping_and_the_due_date(stopped_on, end):
    assert anchor_end(date(2026, 3, 9), stopped_on) == end


@pytest.mark.parametrize("acknowledged_on, feedback_due", [
    (None, date(2026, 6, 9)),  # no acknowledgement: three months from the end of the 7 days
    (date(2026, 3, 4), date(2026, 6, 4)),  # three months from the acknowledgement
    (date(2026, 3, 20), date(2026, 6, 9)),  # a late acknowledgement does not buy more time
])
def test_eu_feedback_counts_from_the_end_of_the_acknowledge_clock(acknowledged_on,
                                                                   feedback_due):
    lodged = date(2026, 3, 2)
    acknowledge, feedback = UK.clock("disclosure", "acknowledge"), UK.clock("disclosure",
                                                                           "feedback")
    ack_due = clock_due(acknowledge, lodged, UK)
    assert ack_due == date(2026, 3, 9)
    anchor = anchor_end(ack_due, acknowledged_on)
    assert clock_due(feedback, lodged, UK, anchor=anchor) == feedback_due


def test_an_after_clock_needs_its_anchor():
    with pytest.raises(ValueError, match="acknowledge"):
        clock_due(UK.clock("disclosure", "feedback"), date(2026, 3, 2), UK)


def test_a_clock_without_after_ignores_an_anchor():
    acknowledge = UK.clock("disclosure", "acknowledge")
    assert clock_due(acknowledge, date(2026, 3, 2), UK, anchor=date(2026, 5, 1)) == date(
        2026, 3, 9)


# Due soon.

@pytest.mark.parametrize("days_away, soon", [(-1, False), (0, True), (7, True), (8, False)])
def test_due_soon_is_within_the_packs_days_and_not_overdue(days_away, soon):
    today = date(2026, 3, 2)
    due = date.fromordinal(today.toordinal() + days_away)
    assert is_due_soon(due, today, UK.due_soon_days) is soon


@pytest.mark.parametrize("day, working", [
    (date(2027, 1, 4), True),    # the day after New Year's Day, observed: not in s 13's list
    (date(2027, 1, 25), True),   # Wellington Anniversary Day: regional, not in the list
    (date(2027, 2, 8), False),   # Waitangi Day (Saturday 6th) observed on the Monday
    (date(2027, 4, 26), False),  # Anzac Day (Sunday 25th) observed on the Monday
    (date(2027, 6, 7), False),   # King's Birthday
    (date(2021, 6, 7), False),   # Queen's Birthday, as it was called then
    (date(2027, 6, 25), False),  # Matariki
    (date(2027, 12, 29), False),  # in the closed period
])
def test_the_nz_clock_counts_only_the_holidays_the_act_lists(day, working):
    calendar = clock_calendar(NZ_PACK.clock("disclosure", "deal_with"), NZ_PACK)
    assert calendar.is_working_day(day) is working
