"""The access filter in parts, for counting (services.access.visible_parts): the parts are
disjoint and together are exactly the cases visible_filter lets an actor list, and the case
list's count, made part by part, is the number of cases it lists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from casework.models import Assignment, Case, Recusal
from casework.services import worklists
from casework.services.access import visible_filter, visible_parts
from casework.services.worklists import CaseQuery, find_cases


@pytest.fixture
def world(ctx, make, session):
    """Cases in three queues; the handler of "intake" is assigned to one case in "hr" and one
    in "intake", recused from one in "intake", implicated in one in "intake" and one in "hr"
    (assigned to the latter too), and one of the intake cases was purged."""
    person = make.person()
    user = make.user(roles=("intake", "investigator", "decision_maker"), queues=("intake",),
                     person_id=person)
    cases = {}
    for name, queue, implicated in [
            ("mine", "intake", ()), ("mine too", "intake", ()),
            ("recused", "intake", ()), ("implicated", "intake", (person,)),
            ("purged", "intake", ()), ("assigned hr", "hr", ()),
            ("assigned and implicated", "hr", (person,)), ("someone else's", "hr", ()),
            ("audit", "internal_audit", ()), ("assigned in intake", "intake", ())]:
        case = make.case("disclosure", implicated=implicated)
        case.queue = queue
        cases[name] = case
    cases["purged"].purged_at = datetime(2026, 1, 1, tzinfo=UTC)
    for name in ("assigned hr", "assigned and implicated", "assigned in intake"):
        session.add(Assignment(case_id=cases[name].id, user_id=user.id, capacity="handler"))
    session.add(Recusal(case_id=cases["recused"].id, user_id=user.id))
    session.flush()
    return make.actor(user), cases


def ids(session, clause) -> set[int]:
    return set(session.execute(select(Case.id).where(clause)).scalars())


def test_the_parts_are_disjoint_and_make_up_the_filter(world, session, make):
    actor, cases = world
    parts = [ids(session, part) for part in visible_parts(actor)]
    assert len(parts) == 2 and not parts[0] & parts[1]
    visible = ids(session, visible_filter(actor))
    assert set().union(*parts) == visible
    assert visible == {cases[n].id for n in ("mine", "mine too", "assigned hr",
                                             "assigned in intake")}
    for actor in (make.staff(roles=("investigator",), queues=()),  # assignments only
                  make.staff(roles=("hr_analyst",), queues=("intake",))):  # no case role
        parts = [ids(session, part) for part in visible_parts(actor)]
        assert set().union(*parts) == ids(session, visible_filter(actor))


@pytest.mark.parametrize("cap", [1, 2, 3, 4, 10])
def test_the_list_counts_part_by_part_what_it_lists(world, ctx, monkeypatch, cap):
    actor, _cases = world
    monkeypatch.setattr(worklists, "TOTAL_CAP", cap)
    listing = find_cases(ctx, actor, CaseQuery(per_page=50), api=True)
    assert (listing.total, listing.more) == ((4, False) if cap >= 4 else (cap, True))
    assert len(listing.items) == 4
    filtered = find_cases(ctx, actor, CaseQuery(per_page=50, queue="hr"), api=True)
    assert (filtered.total, [i["queue"] for i in filtered.items]) == (1, ["hr"])
