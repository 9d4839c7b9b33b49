"""EU directive art 9(2): a reporter asks to meet in person from their page; in a pack that
follows the directive it becomes a task with a clock, met when a handler records the meeting."""

from __future__ import annotations

from dataclasses import replace

import pytest

from casework.models import Case
from casework.services.access import Reporter
from casework.services.clocks import record_milestone
from casework.services.context import Context
from casework.services.errors import Conflict
from casework.services.meetings import request_meeting
from casework.services.reporter_page import reporter_view
from casework.services.transitions import fire_transition
from casework.services.views import case_view
from casework.workflow.policy import load_pack
from tests.factories import Factories


def handler_of(make, case: Case):
    return make.staff(roles=("intake", "investigator", "decision_maker"), queues=(case.queue,))


def test_asking_for_a_meeting_starts_the_packs_clock_and_a_milestone_meets_it(ctx, make):
    case = make.lodge().case
    me = Reporter(case.id)
    assert reporter_view(ctx, me)["meeting"].offered
    offer = request_meeting(ctx, me)
    assert (offer.offered, offer.requested_on) == (False, ctx.today)
    clock = next(c for c in case.clocks if c.name == "meeting")
    assert (clock.status, (clock.due_on - clock.started_on).days) == ("running", 14)
    handler = handler_of(make, case)
    view = case_view(ctx, handler, case.reference)
    assert any(e["label"] == "The reporter asked to meet in person" for e in view.timeline)
    assert "You asked to meet in person." in [
        i["label"] for i in reporter_view(ctx, me)["timeline"]]
    record_milestone(ctx, handler, case.reference, "met_reporter", case.version)
    assert clock.status == "met"
    with pytest.raises(Conflict, match="already asked"):
        request_meeting(ctx, me)


def test_a_closed_report_cannot_ask_for_a_meeting(ctx, make):
    case = make.lodge().case
    fire_transition(ctx, Reporter(case.id), None, "withdraw", None, {})
    assert not reporter_view(ctx, Reporter(case.id))["meeting"].offered
    with pytest.raises(Conflict):
        request_meeting(ctx, Reporter(case.id))


@pytest.mark.parametrize("pack, route", [("nz-public-service", "disclosure"),
                                         ("uk-council", "harassment")])
def test_no_meeting_clock_where_the_directive_does_not_apply(session, runtime, pack, route):
    ctx = Context(session, replace(runtime, pack=load_pack(pack, runtime.routes)))
    case = Factories(ctx).lodge(route=route).case
    assert not reporter_view(ctx, Reporter(case.id))["meeting"].offered
    with pytest.raises(Conflict, match="cannot be asked for"):
        request_meeting(ctx, Reporter(case.id))
