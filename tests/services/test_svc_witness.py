"""Witnesses and the informal solution through the services: a witness reads their own words
and is not offered the affected person's choices; the complainant closes the informal solution
from their page or a handler records how they confirmed it; Canada contacts a named witness
within 7 days (SOR/2020-130 s 21)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from casework.services.access import Reporter
from casework.services.clocks import record_milestone
from casework.services.context import Context
from casework.services.errors import Forbidden, Invalid
from casework.services.reporter_page import reporter_view
from casework.services.transitions import fire_transition
from casework.workflow.policy import load_pack
from tests.factories import Factories


def handler_of(make, case):
    return make.staff(roles=("intake", "investigator", "decision_maker"), queues=(case.queue,))


def at_options(ctx, make, **lodged):
    case = make.lodge(route="harassment", category="sexual_harassment", **lodged).case
    fire_transition(ctx, handler_of(make, case), case.reference, "acknowledge", case.version)
    return case


@pytest.mark.parametrize("relation", ["saw", "told"])
def test_a_witness_reads_their_own_words_and_cannot_choose_for_the_affected_person(
        ctx, make, relation):
    case = at_options(ctx, make, relation=relation)
    me = Reporter(case.id)
    view = reporter_view(ctx, me)
    assert view["witness"] is True
    assert view["stage"].startswith("The person it happened to is being offered their options")
    assert [s["key"] for s in view["steps"]] == ["withdraw"]
    assert view["timeline"][-1]["label"].startswith("The person it happened to")
    with pytest.raises(Forbidden, match="the person it happened to"):
        fire_transition(ctx, me, None, "choose_informal", None, {})
    fire_transition(ctx, handler_of(make, case), case.reference, "choose_informal", case.version)
    assert case.state == "informal"


def test_the_affected_person_is_offered_their_choices(ctx, make):
    case = at_options(ctx, make, relation="affected")
    view = reporter_view(ctx, Reporter(case.id))
    assert view["stage"].startswith("You are considering your options")
    assert {"choose_self_help", "choose_informal", "choose_formal"} <= {
        s["key"] for s in view["steps"]}


def test_the_complainant_closes_the_informal_solution_from_their_page(ctx, make):
    case = at_options(ctx, make, relation="affected")
    me = Reporter(case.id)
    fire_transition(ctx, me, None, "choose_informal", None, {})
    step = next(s for s in reporter_view(ctx, me)["steps"] if s["key"] == "resolved")
    assert step["words"] == "Resolved to my satisfaction" and step["confirm"]
    fire_transition(ctx, me, None, "resolved", None, {})
    assert (case.state, case.outcome) == ("closed", "resolved_informally")


def test_a_handler_records_how_the_complainant_confirmed_it_and_admission_is_no_gate(ctx, make):
    case = at_options(ctx, make)
    handler = handler_of(make, case)
    fire_transition(ctx, handler, case.reference, "choose_informal", case.version)
    with pytest.raises(Invalid) as refused:
        fire_transition(ctx, handler, case.reference, "resolved", case.version,
                        {"reporter_satisfied": True})
    assert set(refused.value.fields) == {"confirmed_how"}
    record_milestone(ctx, handler, case.reference, "admitted_behaviour", case.version)
    fire_transition(ctx, handler, case.reference, "resolved", case.version,
                    {"reporter_satisfied": True, "confirmed_how": "in_person"})
    assert case.outcome == "resolved_informally"


@pytest.fixture
def canada(session, runtime):
    ctx = Context(session, replace(runtime, pack=load_pack("canada-federal", runtime.routes)))
    return ctx, Factories(ctx)


def test_canada_contacts_a_named_witness_within_7_days(canada):
    ctx, make = canada
    case = make.lodge(route="harassment", category=ctx.runtime.pack.categories_for(
        "harassment")[0].key, relation="saw", anonymous=False).case
    witness_clock = next(c for c in case.clocks if c.name == "contact_witness")
    assert witness_clock.status == "running"
    assert (witness_clock.due_on - witness_clock.started_on).days == 7
    record_milestone(ctx, handler_of(make, case), case.reference, "contacted_witness",
                     case.version)
    assert witness_clock.status == "met"


@pytest.mark.parametrize("lodged", [{"relation": "saw", "anonymous": True},
                                    {"relation": "affected", "anonymous": False}])
def test_no_witness_clock_for_an_anonymous_witness_or_the_affected_person(canada, lodged):
    ctx, make = canada
    case = make.lodge(route="harassment", category=ctx.runtime.pack.categories_for(
        "harassment")[0].key, **lodged).case
    assert "contact_witness" not in {c.name for c in case.clocks}
