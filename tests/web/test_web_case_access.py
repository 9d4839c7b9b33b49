"""The case page lists who can see the case now: its queue's members and those assigned, with
their capacities, and nobody implicated, recused or whose account is closed."""

from __future__ import annotations

import re

from casework.models import User
from casework.services.assignments import assign, recuse
from tests.web.conftest import page

HEADING = "Who can see this case now"


def seers_on(body: str) -> dict[str, str]:
    """Name → capacities as the page's "who can see" list shows them."""
    section = body.split(HEADING, 1)[1].split("<h2", 1)[0]
    return dict(re.findall(r"<li>([^<:]+): ([^<]*)</li>", section))


def test_the_case_page_lists_who_can_see_the_case(browser, account, make, ctx):
    chief = make.person("Chief Executive", roles=("chief_executive",))
    case = make.case("disclosure", category="policy_breach", implicated=[chief])
    queue = (case.queue,)
    signing_in = account(("intake",), queue)
    me = ctx.session.get(User, signing_in.id)
    colleague = make.user(roles=("investigator",), queues=queue)
    assignee = make.user(roles=("decision_maker",), queues=())
    implicated = make.user(roles=("intake",), queues=queue, person_id=chief)
    recused = make.user(roles=("investigator",), queues=queue)
    closed = make.user(roles=("intake",), queues=queue)
    auditor = make.user(roles=("auditor",), queues=queue)
    assign(ctx, make.actor(me), case.reference, assignee.id, "decision_maker")
    recuse(ctx, make.actor(recused), case.reference, "my sister")
    closed.active = False
    ctx.session.flush()

    assert browser.sign_in(signing_in).status_code == 303
    shown = seers_on(page(browser.get(f"/staff/cases/{case.reference}")))
    assert shown == {me.name: "Handler",
                     colleague.name: "Investigator", assignee.name: "Decision maker"}
    assert not {implicated.name, recused.name, closed.name, auditor.name} & set(shown)
