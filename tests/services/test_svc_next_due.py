"""A case's next due date follows its clocks: set when one starts, moved to the next earliest
running clock when one stops, cleared when none runs; and the lists sort and filter by it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework.models import Case
from casework.services.clocks import apply_clock_events
from casework.services.worklists import CaseQuery, find_cases
from casework.workflow.engine import Event

DISCLOSURE = ["acknowledge", "accept_for_investigation", "record_findings", "record_action",
              "give_feedback"]


def stored(ctx, case: Case) -> date | None:
    """The column as the database holds it, not as the session remembers it."""
    ctx.session.flush()
    return ctx.session.execute(select(Case.next_due_on).where(Case.id == case.id)).scalar_one()


def running(case: Case) -> dict[str, date]:
    return {c.name: c.due_on for c in case.clocks if c.status == "running"}


def test_lodging_starts_the_clocks_and_sets_the_earliest_date(ctx, make):
    case = make.case("disclosure")
    # Feedback runs from the end of the seven days for acknowledgement (EU directive art. 9).
    assert running(case) == {"acknowledge": date(2026, 3, 9), "feedback": date(2026, 6, 9)}
    assert stored(ctx, case) == date(2026, 3, 9)


def test_stopping_one_clock_moves_to_the_next_earliest_then_to_none(ctx, make):
    case = make.case("disclosure")  # acknowledge and feedback run at once
    feedback = running(case)["feedback"]
    assert feedback > date(2026, 3, 9)
    assert stored(ctx, case) == date(2026, 3, 9)  # the earlier of the two
    apply_clock_events(ctx, case, [Event("clock_stop", "acknowledge")])
    # Acknowledged on the day of receipt: feedback now counts from today, sooner.
    assert stored(ctx, case) == running(case)["feedback"] == date(2026, 6, 2) < feedback
    apply_clock_events(ctx, case, [Event("clock_stop", "feedback")])
    assert stored(ctx, case) is None


def test_acknowledging_swaps_the_acknowledge_date_for_the_feedback_date(ctx, make):
    case = make.case("disclosure", path=["acknowledge"])
    assert set(running(case)) == {"feedback"}
    # Acknowledged on the day of receipt: three months from then, not from the seventh day.
    assert stored(ctx, case) == running(case)["feedback"] == date(2026, 6, 2)


@pytest.mark.parametrize("route, path", [
    ("disclosure", DISCLOSURE[:n]) for n in range(len(DISCLOSURE) + 1)] + [
    ("disclosure", ["withdraw"]), ("disclosure", ["acknowledge", "withdraw"]),
    ("harassment", []), ("harassment", ["acknowledge"]), ("harassment", ["withdraw"])])
def test_the_date_is_the_earliest_running_clock_at_every_step(ctx, make, route, path):
    case = make.case(route, path=path)
    assert stored(ctx, case) == min(running(case).values(), default=None)


def test_the_list_sorts_by_it_and_finds_the_overdue_by_it(ctx, make, clock):
    start = clock.now
    clock.now = start - timedelta(days=10)
    overdue = make.case()  # acknowledgement was due three days ago
    clock.now = start
    soon = make.case()
    none = make.case(path=["withdraw"])
    officer = make.staff(roles=("intake",), queues=("intake",))
    by_due = find_cases(ctx, officer, CaseQuery(sort="due"))
    assert [i["reference"] for i in by_due.items] == [overdue.reference, soon.reference,
                                                      none.reference]
    assert [i["next_due"] for i in by_due.items] == [date(2026, 2, 27), date(2026, 3, 9), None]
    late = find_cases(ctx, officer, CaseQuery(overdue=True))
    assert [i["reference"] for i in late.items] == [overdue.reference]
