"""GET /cases/{ref}/access: everyone who can see the case now, with capacities; 404 exactly as
for a missing case to anyone who cannot see it (auditors included), 401 to a reporter."""

from __future__ import annotations

import pytest

from casework.services.access import Reporter
from casework.services.assignments import assign, recuse
from casework.services.tokens import issue

NO_SUCH_CASE = "CW-ZZZZZZZZ"


@pytest.fixture
def world(make, ctx):
    """A case implicating the Chief Executive, its handler, an assignee, and people who must
    not appear: the Chief Executive's own account, a recused one, a closed one, an auditor."""
    chief = make.person("Chief Executive", roles=("chief_executive",))
    case = make.case("disclosure", category="policy_breach", implicated=[chief])
    queue = (case.queue,)
    people = {
        "handler": make.user(roles=("intake",), queues=queue),
        "assignee": make.user(roles=("investigator",), queues=()),
        "implicated": make.user(roles=("intake",), queues=queue, person_id=chief),
        "recused": make.user(roles=("investigator",), queues=queue),
        "closed": make.user(roles=("intake",), queues=queue),
        "auditor": make.user(roles=("auditor",), queues=queue),
        "outsider": make.user(roles=("intake",), queues=("hr",)),
    }
    handler = make.actor(people["handler"])
    assign(ctx, handler, case.reference, people["assignee"].id, "investigator")
    recuse(ctx, make.actor(people["recused"]), case.reference, "my neighbour")
    people["closed"].active = False
    ctx.session.flush()
    return case, people


def test_the_handler_sees_who_can_see_the_case(api, ctx, world):
    case, people = world
    token = issue(ctx, user=people["handler"]).token
    response = api.get(f"/cases/{case.reference}/access", token=token)
    assert response.status_code == 200
    got = {row["user_id"]: (row["name"], row["capacities"]) for row in response.get_json()}
    assert got == {people["handler"].id: (people["handler"].name, ["handler"]),
                   people["assignee"].id: (people["assignee"].name, ["investigator"])}


@pytest.mark.parametrize("who", ["implicated", "recused", "auditor", "outsider"])
def test_anyone_who_cannot_see_the_case_gets_the_missing_cases_answer(api, ctx, world, who):
    case, people = world
    token = issue(ctx, user=people[who]).token
    hidden = api.get(f"/cases/{case.reference}/access", token=token)
    missing = api.get(f"/cases/{NO_SUCH_CASE}/access", token=token)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


def test_a_closed_account_and_a_reporter_are_not_signed_in(api, ctx, world):
    case, people = world
    for token in (issue(ctx, user=people["closed"]).token,
                  issue(ctx, reporter=Reporter(case.id)).token):
        assert api.get(f"/cases/{case.reference}/access", token=token).status_code == 401
