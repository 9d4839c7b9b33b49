"""The UK ladder as the reporter sees it (officers' code 5.3 and 5.4): whom they ask to raise it
with, what they say about their Directorate and their line manager, and where the rules send it."""

from __future__ import annotations

import copy
import tomllib

import pytest

from casework.workflow.definitions import DefinitionError, load_routes
from casework.workflow.policy import PACKS_DIR, load_pack, parse_pack
from casework.workflow.routing import PersonFacts, RoutingInput, route_case

ROUTES = load_routes()
UK = load_pack("uk-council", ROUTES)
NZ = load_pack("nz-public-service", ROUTES)

CE, MO, HRM, DIRECTOR, MANAGER, REPORTER = range(1, 7)
DIRECTORY = {
    CE: PersonFacts(CE, frozenset({"chief_executive"})),
    MO: PersonFacts(MO, frozenset({"monitoring_officer"}), CE),
    HRM: PersonFacts(HRM, frozenset({"hr_manager"}), CE),
    DIRECTOR: PersonFacts(DIRECTOR, frozenset({"director"}), CE),
    MANAGER: PersonFacts(MANAGER, frozenset(), DIRECTOR),
    REPORTER: PersonFacts(REPORTER, frozenset(), MANAGER),
}


def route(pack=UK, *, says=(), level=None, implicated=(), reporter=None, chosen=None,
          category="health_and_safety"):
    facts = RoutingInput("disclosure", category, frozenset(implicated), reporter, chosen,
                         frozenset(says), level)
    return route_case(pack, facts, DIRECTORY)


def test_the_uk_pack_offers_the_levels_of_the_code_and_what_the_reporter_may_say():
    assert list(UK.levels) == ["line_manager", "next_senior_manager", "hr", "chief_executive"]
    assert {k: (lv.queue, lv.person) for k, lv in UK.levels.items()} == {
        "line_manager": (None, "line_manager"),
        "next_senior_manager": (None, "next_senior_manager"),
        "hr": ("hr", None), "chief_executive": ("chief_executive", None)}
    assert set(UK.statements) == {"line_manager_involved", "condoned", "local_channels_tried"}


@pytest.mark.parametrize("said", ["condoned", "local_channels_tried"])
def test_condoned_or_local_channels_tried_goes_to_the_chief_executive(said):
    decision = route(says=[said])
    assert decision.queue == "chief_executive"
    assert decision.reasons[0].startswith("routed to Chief Executive because: the reporter")
    assert decision.reasons[0].endswith("(code of conduct 5.4)")


def test_condoned_with_the_chief_executive_implicated_goes_to_the_monitoring_officer():
    decision = route(says=["condoned"], implicated=[CE])
    assert decision.queue == "monitoring_officer"
    assert "the Chief Executive is implicated" in decision.reasons[0]
    assert any("condoned in their Directorate" in r for r in decision.reasons[1:])


def test_the_reporters_level_sends_it_to_that_queue_unless_a_rule_decides():
    assert route(level="hr").queue == "hr"
    assert "the reporter asked to raise it with Human Resources" in route(level="hr").reasons[0]
    assert route(level="chief_executive").queue == "chief_executive"
    assert route(level="hr", category="fraud").queue == "internal_audit"  # the rule wins
    assert route(level="hr", chosen="monitoring_officer").queue == "monitoring_officer"


def test_my_line_manager_is_involved_fires_the_rule_for_an_anonymous_reporter():
    decision = route(says=["line_manager_involved"])
    assert decision.queue == "hr"
    assert decision.escalate_to is None
    assert any("did not say who they are" in r for r in decision.reasons)


def test_a_reporter_who_says_who_they_are_gets_the_next_senior_manager_worked_out():
    decision = route(says=["line_manager_involved"], reporter=REPORTER, implicated=[MANAGER])
    assert (decision.queue, decision.escalate_to) == ("hr", DIRECTOR)


def test_the_line_manager_level_names_them_unless_they_are_implicated():
    assert route(level="line_manager", reporter=REPORTER).asked_for == MANAGER
    assert route(level="next_senior_manager", reporter=REPORTER).asked_for == DIRECTOR
    implicated = route(level="line_manager", reporter=REPORTER, implicated=[MANAGER])
    assert implicated.asked_for is None and implicated.queue == "hr"
    anonymous = route(level="line_manager")
    assert anonymous.asked_for is None and anonymous.queue == "intake"
    assert any("did not say who they are" in r for r in anonymous.reasons)


def test_the_nz_pack_lets_the_form_say_the_manager_is_involved_and_choose_whom_to_go_to():
    assert route(NZ, says=["line_manager_involved"], category="maladministration").queue == "hr"
    assert list(NZ.levels) == ["line_manager", "next_senior_manager", "hr"]
    assert route(NZ, level="hr", category="maladministration").queue == "hr"
    assert route(NZ, level="next_senior_manager", reporter=REPORTER,
                 category="maladministration").asked_for == DIRECTOR


def _uk_data() -> dict:
    return tomllib.loads((PACKS_DIR / "uk-council.toml").read_text(encoding="utf-8"))


def test_a_rule_on_a_statement_the_pack_does_not_offer_is_refused():
    data = _uk_data()
    data["statements"] = [s for s in data["statements"] if s["key"] != "condoned"]
    with pytest.raises(DefinitionError, match="no statement 'condoned'"):
        parse_pack(data, ROUTES, "uk.toml")


@pytest.mark.parametrize("change, message", [
    ({"queue": "nowhere"}, "unknown queue"),
    ({"person": "best_friend"}, "must be one of"),
    ({"queue": None, "person": None}, "a queue, a person, or both"),
])
def test_a_level_must_name_a_queue_or_a_person_the_engine_knows(change, message):
    data = copy.deepcopy(_uk_data())
    level = data["raise_with"][2]
    level.update({k: v for k, v in change.items() if v is not None})
    for key in [k for k, v in change.items() if v is None]:
        level.pop(key, None)
    with pytest.raises(DefinitionError, match=message):
        parse_pack(data, ROUTES, "uk.toml")
