"""The case list's counts stop at a cap (so they cost the same at a million cases), reach as far
as the page asked for, and for the API stop at the cap it promises (10,000)."""

from __future__ import annotations

import pytest

from casework.services import worklists
from casework.services.views import list_cases
from casework.services.worklists import CaseQuery, find_cases


@pytest.fixture
def five(make):
    """Five cases in the intake queue, and a handler of that queue."""
    cases = [make.case() for _ in range(5)]
    return cases, make.staff(roles=("intake",), queues=("intake",))


@pytest.mark.parametrize("cap, total, more", [(2, 2, True), (4, 4, True), (5, 5, False),
                                              (100, 5, False)])
def test_the_count_stops_at_the_cap(ctx, five, monkeypatch, cap, total, more):
    monkeypatch.setattr(worklists, "TOTAL_CAP", cap)
    listing = find_cases(ctx, five[1], CaseQuery(per_page=1))
    assert (listing.total, listing.more, len(listing.items)) == (total, more, 1)


def test_the_count_reaches_as_far_as_the_page(ctx, five, monkeypatch):
    monkeypatch.setattr(worklists, "TOTAL_CAP", 1)
    listing = find_cases(ctx, five[1], CaseQuery(per_page=1, page=3))
    assert (listing.total, listing.more) == (3, True)
    assert listing.items[0]["reference"] == five[0][2].reference  # newest first


def test_the_api_list_counts_up_to_its_cap_not_to_the_page(ctx, five, monkeypatch):
    monkeypatch.setattr(worklists, "TOTAL_CAP", 10)
    listing = list_cases(ctx, five[1], per_page=2)
    assert (listing.total, listing.more, len(listing.items)) == (5, False, 2)
    monkeypatch.setattr(worklists, "TOTAL_CAP", 2)
    listing = list_cases(ctx, five[1], per_page=2, page=3)
    assert (listing.total, listing.more, len(listing.items)) == (2, True, 1)


def test_the_dashboard_says_there_are_more(ctx, five, monkeypatch):
    monkeypatch.setattr(worklists, "DASHBOARD_CAP", 3)
    board = worklists.dashboard(ctx, five[1], limit=2)
    assert (board.queues.total, board.queues.more, len(board.queues.rows)) == (3, True, 2)
    assert (board.arrived.total, board.arrived.more) == (3, True)
    assert (board.due_soon.total, board.due_soon.more) == (3, True)
