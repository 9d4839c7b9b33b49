"""Who can see a case now (access.who_can_see): queue members and those assigned, each with
their capacities; nobody implicated, recused, deactivated, or reaching only the audit trail;
and exactly the people whose own request would open the case."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from casework.models import Assignment, User
from casework.services.access import Reporter, who_can_see
from casework.services.assignments import assign, recuse
from casework.services.errors import Forbidden, NotFound
from casework.services.views import case_view


@dataclass
class Crowd:
    """A case in the Monitoring Officer's queue and everyone around it, by part."""

    reference: str
    case_id: int
    users: dict[str, User]


def crowd(make, ctx) -> Crowd:
    """One account in each position a person can have towards the case."""
    chief = make.person("Chief Executive", roles=("chief_executive",))
    case = make.case("disclosure", category="policy_breach", implicated=[chief])
    queue = (case.queue,)
    boss = make.user(roles=("intake",), queues=queue)
    users = {
        "handler": boss,
        "investigator_in_queue": make.user(roles=("investigator",), queues=queue),
        "two_roles_in_queue": make.user(roles=("intake", "decision_maker"), queues=queue),
        "assigned_investigator": make.user(roles=("investigator",), queues=("hr",)),
        "queue_and_assigned": make.user(roles=("intake", "investigator"), queues=queue),
        "implicated": make.user(roles=("intake",), queues=queue, person_id=chief),
        "recused": make.user(roles=("investigator",), queues=queue),
        "deactivated": make.user(roles=("intake",), queues=queue),
        "auditor_in_queue": make.user(roles=("auditor",), queues=queue),
        "admin_in_queue": make.user(roles=("admin",), queues=queue),
        "assignment_ended": make.user(roles=("investigator",), queues=("hr",)),
        "other_queue": make.user(roles=("intake",), queues=("hr",)),
    }
    actor = make.actor(boss)
    for part, capacity in (("assigned_investigator", "investigator"),
                           ("queue_and_assigned", "investigator"),
                           ("assignment_ended", "investigator")):
        assign(ctx, actor, case.reference, users[part].id, capacity)
    ctx.session.add(Assignment(case_id=case.id, user_id=users["implicated"].id,
                               capacity="handler", assigned_at=ctx.now))
    recuse(ctx, make.actor(users["recused"]), case.reference, "a friend of the reporter")
    users["deactivated"].active = False
    ended = ctx.session.query(Assignment).filter_by(user_id=users["assignment_ended"].id).one()
    ended.ended_at = ctx.now
    ctx.session.flush()
    return Crowd(case.reference, case.id, users)


def test_queue_members_and_assignees_are_listed_with_their_capacities(make, ctx):
    world = crowd(make, ctx)
    seers = who_can_see(ctx, make.actor(world.users["handler"]), world.reference)
    by_id = {s.user_id: s.capacities for s in seers}
    part_of = {u.id: part for part, u in world.users.items()}
    assert {part_of[i]: caps for i, caps in by_id.items()} == {
        "handler": ("handler",),
        "investigator_in_queue": ("investigator",),
        "two_roles_in_queue": ("decision_maker", "handler"),
        "assigned_investigator": ("investigator",),
        "queue_and_assigned": ("handler", "investigator"),
    }
    assert [s.name for s in seers] == sorted(s.name for s in seers)


def test_the_list_is_exactly_those_whose_own_request_opens_the_case(make, ctx):
    world = crowd(make, ctx)
    listed = {s.user_id for s in who_can_see(ctx, make.actor(world.users["handler"]),
                                             world.reference)}
    for part, user in world.users.items():
        try:
            case_view(ctx, make.actor(user), world.reference)
            opens = user.active  # a closed account's tokens and sessions are refused first
        except NotFound:
            opens = False
        assert (user.id in listed) == opens, part


@pytest.mark.parametrize("part", ["implicated", "recused", "auditor_in_queue",
                                  "admin_in_queue", "assignment_ended", "other_queue"])
def test_someone_who_cannot_see_the_case_is_told_it_does_not_exist(make, ctx, part):
    world = crowd(make, ctx)
    actor = make.actor(world.users[part])
    with pytest.raises(NotFound) as hidden:
        who_can_see(ctx, actor, world.reference)
    with pytest.raises(NotFound) as missing:
        who_can_see(ctx, actor, "CW-ZZZZZZZZ")
    assert (str(hidden.value), hidden.value.fields) == (str(missing.value), missing.value.fields)


def test_the_reporter_may_not_ask_who_handles_their_case(make, ctx):
    world = crowd(make, ctx)
    with pytest.raises(Forbidden):
        who_can_see(ctx, Reporter(world.case_id), world.reference)


def test_an_investigator_in_the_queue_may_ask(make, ctx):
    world = crowd(make, ctx)
    seers = who_can_see(ctx, make.actor(world.users["investigator_in_queue"]), world.reference)
    assert world.users["handler"].id in {s.user_id for s in seers}
