"""The UK ladder and the reporter's relation through the services: what the reporter says at
lodging routes the case, handlers see it and the people the rules worked out, and bad answers
are refused by field."""

from __future__ import annotations

import pytest

from casework.services.errors import Invalid, NotFound
from casework.services.reports import NewReport, ReporterInput, lodge_report
from casework.services.routing import CLAIM_KEPT
from casework.services.views import case_view


@pytest.fixture
def org(make):
    ce = make.person("Chief", roles=["chief_executive"], position="Chief Executive")
    director = make.person("Dana Director", roles=["director"], manager_id=ce,
                           position="Director of Environment")
    manager = make.person("Morgan Manager", manager_id=director, position="Team Leader")
    reporter = make.person("Riley Reporter", manager_id=manager)
    return {"ce": ce, "director": director, "manager": manager, "reporter": reporter}


def handler_of(make, queue):
    return make.staff(roles=("intake", "investigator", "decision_maker"), queues=(queue,))


@pytest.mark.parametrize("said", ["condoned", "local_channels_tried"])
def test_condoned_or_local_channels_tried_goes_to_the_chief_executive_with_the_reason(
        ctx, make, org, said):
    case = make.lodge(category="health_and_safety", statements=(said,)).case
    assert case.queue == "chief_executive" and case.reporter_says == [said]
    view = case_view(ctx, handler_of(make, "chief_executive"), case.reference)
    assert view.routing_reasons[0].startswith("routed to Chief Executive because: the reporter")
    assert view.reporter_says == [ctx.runtime.pack.statements[said].label]


def test_condoned_about_the_chief_executive_goes_to_the_monitoring_officer(ctx, make, org):
    case = make.lodge(category="health_and_safety", statements=("condoned",),
                      implicated=[org["ce"]]).case
    assert case.queue == "monitoring_officer"
    reasons = case_view(ctx, handler_of(make, "monitoring_officer"),
                        case.reference).routing_reasons
    assert "the Chief Executive is implicated" in reasons[0]
    assert any("condoned in their Directorate" in r for r in reasons)


def test_an_anonymous_reporter_can_say_their_line_manager_is_involved(ctx, make, org):
    case = make.lodge(category="health_and_safety", statements=("line_manager_involved",)).case
    assert case.queue == "hr"
    view = case_view(ctx, handler_of(make, "hr"), case.reference)
    assert view.next_senior_manager is None
    assert any("did not say who they are" in r for r in view.routing_reasons)


def test_a_reporter_who_says_who_they_are_keeps_it_from_their_manager_and_handlers_see_the_next(
        ctx, make, org):
    case = make.lodge(category="health_and_safety", statements=("line_manager_involved",),
                      reporter_person=org["reporter"], anonymous=False).case
    assert case.queue == "hr"
    view = case_view(ctx, handler_of(make, "hr"), case.reference)
    assert [p["person_id"] for p in view.implicated] == [org["manager"]]
    assert view.next_senior_manager["name"] == "Dana Director"
    assert view.next_senior_manager["position"] == "Director of Environment"
    manager = make.staff(roles=("intake",), queues=("hr",),
                         person_id=org["manager"])
    with pytest.raises(NotFound):
        case_view(ctx, manager, case.reference)


def test_the_level_the_reporter_chose_is_shown_and_names_the_person(ctx, make, org):
    case = make.lodge(category="health_and_safety", raise_with="next_senior_manager",
                      reporter_person=org["reporter"], anonymous=False).case
    assert case.queue == "intake"
    view = case_view(ctx, handler_of(make, "intake"), case.reference)
    assert view.raise_with == "the next senior manager or their Director"
    assert view.asked_for["name"] == "Dana Director"
    hr = make.lodge(category="health_and_safety", raise_with="hr").case
    assert hr.queue == "hr"


@pytest.mark.parametrize("relation, witness", [("affected", False), ("saw", True),
                                               ("told", True)])
def test_the_reporters_relation_is_recorded_and_shown(ctx, make, relation, witness):
    case = make.lodge(route="harassment", category="sexual_harassment", relation=relation).case
    assert (case.relation, case.witness) == (relation, witness)
    view = case_view(ctx, handler_of(make, "hr"), case.reference)
    assert (view.relation, view.witness) == (relation, witness)


@pytest.mark.parametrize("change, field", [
    ({"raise_with": "the_mayor"}, "raise_with"),
    ({"statements": ("it_is_bad",)}, "statements"),
    ({"relation": "heard_a_rumour"}, "relation"),
    ({"relation": "affected", "witness": True}, "relation"),
])
def test_answers_the_pack_does_not_offer_are_refused_by_field(make, change, field):
    with pytest.raises(Invalid) as refused:
        make.lodge(category="health_and_safety", **change)
    assert field in refused.value.fields


def lodge_claiming(ctx, person, recorded_by=None):
    """A named report whose reporter picks `person` from the directory and says their line
    manager is involved."""
    return lodge_report(ctx, NewReport(
        route="disclosure", category="health_and_safety", summary="s", details="d",
        anonymous=False, reporter=ReporterInput(name="D", person_id=person),
        statements=("line_manager_involved",), recorded_by=recorded_by)).case


def test_the_line_manager_a_claim_names_is_kept_from_the_case_which_stays_in_its_queue(
        ctx, make, org):
    # The Director's line manager is the Chief Executive: believed, the claim would send the
    # case to the Monitoring Officer; a reporter's claim may hide the case from more people
    # but never moves it away from the queue the statement alone reaches (hr).
    case = lodge_claiming(ctx, org["director"])
    assert case.queue == "hr"
    view = case_view(ctx, handler_of(make, "hr"), case.reference)
    assert [p["person_id"] for p in view.implicated] == [org["ce"]]
    assert any(CLAIM_KEPT in r for r in view.routing_reasons)
    assert not any("did not say who they are" in r for r in view.routing_reasons)
    ce = make.staff(roles=("intake",), queues=("hr",), person_id=org["ce"])
    with pytest.raises(NotFound):
        case_view(ctx, ce, case.reference)


def test_the_line_manager_staff_recorded_routes_by_the_policy(ctx, make, org):
    clerk = make.user(roles=("intake",), queues=("intake",))
    case = lodge_claiming(ctx, org["director"], recorded_by=clerk.id)
    assert case.queue == "monitoring_officer"  # the Chief Executive is implicated (5.4)
