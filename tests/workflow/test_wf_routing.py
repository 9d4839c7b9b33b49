"""The escalation and conflict rules of DESIGN.md, row by row, on the shipped policy packs."""

from __future__ import annotations

import copy
import tomllib

import pytest

from casework.workflow.definitions import DefinitionError, load_routes
from casework.workflow.policy import CLOCK_SETS_DIR, PACKS_DIR, PolicyPack, load_pack, parse_pack
from casework.workflow.routing import PersonFacts, RoutingDecision, RoutingInput, route_case

ROUTES = load_routes()
UK = load_pack("uk-council", ROUTES)
NZ = load_pack("nz-public-service", ROUTES)
PACKS = pytest.mark.parametrize("pack", [UK, NZ], ids=["uk", "nz"])

# A small organisation: the Chief Executive at the top, a Director, a line manager, a reporter.
CE, MO, HIA, HRM, DIRECTOR, MANAGER, REPORTER, COLLEAGUE = range(1, 9)
DIRECTORY = {
    CE: PersonFacts(CE, frozenset({"chief_executive"})),
    MO: PersonFacts(MO, frozenset({"monitoring_officer"}), CE),
    HIA: PersonFacts(HIA, frozenset({"head_of_internal_audit"}), CE),
    HRM: PersonFacts(HRM, frozenset({"hr_manager"}), CE),
    DIRECTOR: PersonFacts(DIRECTOR, frozenset({"director"}), CE),
    MANAGER: PersonFacts(MANAGER, frozenset(), DIRECTOR),
    REPORTER: PersonFacts(REPORTER, frozenset(), MANAGER),
    COLLEAGUE: PersonFacts(COLLEAGUE, frozenset(), MANAGER),
}

#: Per pack: a category with no flags, one with "fraud", one with "illegal".
PLAIN = {UK.key: "health_and_safety", NZ.key: "maladministration"}
FRAUD = {UK.key: "fraud", NZ.key: "public_funds"}
ILLEGAL = {UK.key: "criminal_offence", NZ.key: "offence"}


def decide(pack: PolicyPack, category: str, implicated=(), reporter: int | None = None,
           route: str = "disclosure", directory=None) -> RoutingDecision:
    """Route one report on a pack against the directory above."""
    facts = RoutingInput(route, category, frozenset(implicated), reporter)
    return route_case(pack, facts, DIRECTORY if directory is None else directory)


def label(pack: PolicyPack, queue: str) -> str:
    return pack.queues[queue].label


@PACKS
def test_chief_executive_implicated_goes_to_the_monitoring_officer(pack):
    decision = decide(pack, PLAIN[pack.key], implicated=[CE])
    assert decision.queue == "monitoring_officer"
    assert decision.reasons[0].startswith(
        f"routed to {label(pack, 'monitoring_officer')} because: "
        "the Chief Executive is implicated")
    assert decision.escalate_to is None and decision.actions == frozenset()


def test_reasons_are_plain_words_naming_the_queue_the_rule_and_its_source():
    decision = decide(UK, "health_and_safety", implicated=[CE])
    assert decision.reasons == (
        "routed to Monitoring Officer because: the Chief Executive is implicated "
        "(code of conduct 5.4)",)


@PACKS
def test_illegal_activity_goes_to_the_monitoring_officer(pack):
    decision = decide(pack, ILLEGAL[pack.key])
    assert decision.queue == "monitoring_officer"
    assert "illegal activity is alleged" in decision.reasons[0]


@PACKS
def test_fraud_goes_to_internal_audit(pack):
    decision = decide(pack, FRAUD[pack.key])
    assert decision.queue == "internal_audit"
    assert decision.reasons[0].startswith(
        f"routed to {label(pack, 'internal_audit')} because: fraud is suspected")


@PACKS
def test_line_manager_implicated_goes_to_hr_and_escalates_one_up(pack):
    decision = decide(pack, PLAIN[pack.key], implicated=[MANAGER], reporter=REPORTER)
    assert decision.queue == "hr"
    assert decision.escalate_to == DIRECTOR
    assert "manager is implicated" in decision.reasons[0]


@PACKS
def test_no_one_up_manager_when_they_are_implicated_too(pack):
    decision = decide(pack, PLAIN[pack.key], implicated=[MANAGER, DIRECTOR], reporter=REPORTER)
    assert decision.queue == "hr"
    assert decision.escalate_to is None


def test_no_one_up_manager_when_the_line_manager_has_no_manager():
    directory = {**DIRECTORY, MANAGER: PersonFacts(MANAGER, frozenset(), None)}
    decision = decide(UK, "health_and_safety", implicated=[MANAGER], reporter=REPORTER,
                      directory=directory)
    assert (decision.queue, decision.escalate_to) == ("hr", None)


@pytest.mark.parametrize("reporter, implicated", [
    (None, [MANAGER]),  # anonymous: nobody knows whose manager it is
    (REPORTER, [COLLEAGUE]),  # a peer, not the manager
    (MANAGER, [REPORTER]),  # the manager reports their own report
    (999, [MANAGER]),  # a reporter missing from the directory
])
def test_line_manager_rule_needs_the_reporters_own_manager(reporter, implicated):
    decision = decide(UK, "health_and_safety", implicated=implicated, reporter=reporter)
    assert (decision.queue, decision.escalate_to) == ("intake", None)


@PACKS
def test_monitoring_officer_implicated_goes_to_the_chief_executive(pack):
    decision = decide(pack, PLAIN[pack.key], implicated=[MO])
    assert decision.queue == "chief_executive"
    assert decision.reasons[0].startswith(f"routed to {label(pack, 'chief_executive')} because:")


@PACKS
def test_chief_executive_and_monitoring_officer_both_implicated_go_external(pack):
    decision = decide(pack, PLAIN[pack.key], implicated=[CE, MO])
    assert decision.queue == "external"
    assert decision.reasons[-1].startswith(f"routed to {label(pack, 'external')} because:")
    assert any("may not handle a case in which they are implicated" in r
               for r in decision.reasons)


@pytest.mark.parametrize("category", ["child_abuse", "theft", "information_disclosure"])
def test_zero_tolerance_goes_to_the_chief_executive_with_a_police_referral(category):
    decision = decide(NZ, category)
    assert decision.queue == "chief_executive"
    assert decision.actions == frozenset({"police_referral", "immediate_escalation"})
    assert "zero-tolerance" in decision.reasons[0]


@pytest.mark.parametrize("category", ["child_abuse", "theft", "information_disclosure"])
def test_zero_tolerance_never_goes_to_an_implicated_chief_executive(category):
    decision = decide(NZ, category, implicated=[CE])
    assert decision.queue == "monitoring_officer"
    assert "police_referral" in decision.actions  # the crime is still referred


def test_zero_tolerance_with_both_officers_implicated_goes_external():
    decision = decide(NZ, "child_abuse", implicated=[CE, MO])
    assert decision.queue == "external"
    assert "police_referral" in decision.actions


def test_uk_pack_has_no_zero_tolerance_actions():
    assert all(not decide(UK, c.key).actions for c in UK.categories_for("disclosure"))


@PACKS
def test_fraud_alleged_against_the_chief_executive_goes_to_the_monitoring_officer(pack):
    decision = decide(pack, FRAUD[pack.key], implicated=[CE])
    assert decision.queue == "monitoring_officer"
    assert "the Chief Executive is implicated" in decision.reasons[0]
    assert any(r.startswith("also: fraud is suspected") for r in decision.reasons[1:])


@PACKS
def test_head_of_internal_audit_implicated_in_fraud_falls_back(pack):
    decision = decide(pack, FRAUD[pack.key], implicated=[HIA])
    assert decision.queue == "monitoring_officer"
    assert decision.reasons[-1] == (
        f"routed to {label(pack, 'monitoring_officer')} because: "
        f"{label(pack, 'internal_audit')} may not handle a case in which they are implicated")


@PACKS
def test_fallbacks_chain_until_an_unconflicted_queue(pack):
    decision = decide(pack, FRAUD[pack.key], implicated=[HIA, MO])
    assert decision.queue == "chief_executive"


@PACKS
def test_hr_manager_implicated_in_harassment_goes_to_the_monitoring_officer(pack):
    decision = decide(pack, "sexual_harassment", implicated=[HRM], route="harassment")
    assert decision.queue == "monitoring_officer"


@PACKS
def test_defaults_harassment_to_hr_and_disclosure_to_intake(pack):
    harassment = decide(pack, "sexual_harassment", route="harassment")
    disclosure = decide(pack, PLAIN[pack.key])
    assert (harassment.queue, disclosure.queue) == ("hr", "intake")
    assert harassment.reasons == (
        f"{label(pack, 'hr')}: the usual place for this kind of report",)
    assert harassment.actions == frozenset() and harassment.escalate_to is None


@PACKS
def test_a_queue_chosen_at_triage_stands_in_for_the_default(pack):
    """With no rule matching, the handler's choice decides, and says so."""
    facts = RoutingInput("disclosure", PLAIN[pack.key], frozenset(), chosen_queue="hr")
    decision = route_case(pack, facts, DIRECTORY)
    assert (decision.queue, decision.forced, decision.conflicted) == ("hr", False, ())
    assert decision.reasons == (f"{label(pack, 'hr')}: chosen at triage by a handler",)


@PACKS
def test_a_rule_overrides_the_queue_chosen_at_triage(pack):
    """The Chief Executive implicated keeps the case with the Monitoring Officer, whatever a
    handler chose."""
    facts = RoutingInput("disclosure", PLAIN[pack.key], frozenset({CE}), chosen_queue="hr")
    decision = route_case(pack, facts, DIRECTORY)
    assert (decision.queue, decision.forced) == ("monitoring_officer", True)


@PACKS
def test_a_chosen_queue_whose_owner_is_implicated_falls_back_and_says_so(pack):
    """The owner of the chosen queue is implicated: routing walks on, and names the queue."""
    facts = RoutingInput("disclosure", PLAIN[pack.key], frozenset({HRM}), chosen_queue="hr")
    decision = route_case(pack, facts, DIRECTORY)
    assert (decision.queue, decision.forced) == ("monitoring_officer", False)
    assert decision.conflicted == ("hr",)
    fraud = decide(pack, FRAUD[pack.key], implicated=[HIA])
    assert (fraud.queue, fraud.conflicted, fraud.forced) == (
        "monitoring_officer", ("internal_audit",), True)


@PACKS
def test_people_without_routing_roles_change_nothing(pack):
    assert decide(pack, PLAIN[pack.key], implicated=[COLLEAGUE, 12345]).queue == "intake"


@PACKS
def test_every_category_routes_to_a_queue_the_pack_defines(pack):
    for route in ROUTES:
        for category in pack.categories_for(route):
            for implicated in ([], [CE], [MO], [CE, MO], [HIA], [HRM], [MANAGER]):
                decision = decide(pack, category.key, implicated, REPORTER, route)
                assert decision.queue in pack.queues
                assert decision.reasons


# Pack validation: a mistake in a pack stops start-up with the file and the key named.

def raw_pack(name: str = "uk-council") -> dict:
    """The pack's data with its clock sets copied in as its own [[clocks]] and [[milestones]],
    for editing."""
    data = tomllib.loads((PACKS_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    for clock_set in data.pop("clock_sets", []):
        text = tomllib.loads((CLOCK_SETS_DIR / f"{clock_set}.toml").read_text(encoding="utf-8"))
        for kind in ("clocks", "milestones"):
            data.setdefault(kind, []).extend(text.get(kind, []))
    return data


def refused(data: dict) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        parse_pack(data, ROUTES, "packs/broken.toml")
    assert str(info.value).startswith(f"packs/broken.toml: {info.value.key}: ")
    return info.value


def test_the_raw_data_parses_as_shipped():
    assert parse_pack(raw_pack(), ROUTES, "packs/uk-council.toml").rules == UK.rules


def test_unknown_queue_in_a_rule_is_refused():
    data = raw_pack()
    data["rules"][3]["queue"] = "internal_audt"
    error = refused(data)
    assert error.key == "rules[3].queue" and "internal_audt" in error.problem


def test_unknown_role_in_a_rule_is_refused():
    data = raw_pack()
    data["rules"][0]["role"] = "chief_exec"
    error = refused(data)
    assert error.key == "rules[0].role" and "chief_exec" in error.problem


def test_unknown_condition_is_refused():
    data = raw_pack()
    data["rules"][1]["when"] = "implicated_person"
    assert refused(data).key == "rules[1].when"


def test_unknown_clock_transition_is_refused():
    data = raw_pack()
    data["clocks"][0]["stop_on"] = ["acknowledge", "acknowlege"]
    error = refused(data)
    assert error.key == "clocks.acknowledge.stop_on" and "acknowlege" in error.problem


@pytest.mark.parametrize("change, key", [
    (lambda d: d["queues"]["hr"].update(fallback="legal"), "queues.hr.fallback"),
    (lambda d: d["queues"]["hr"].update(owner_role="hr_boss"), "queues.hr.owner_role"),
    (lambda d: d["default_queues"].pop("harassment"), "default_queues.harassment"),
    (lambda d: d["clocks"][0].update(route="grievance"), "clocks.acknowledge.route"),
    (lambda d: d["clocks"][-1].update(counting="lunar"), "clocks.acknowledge.counting"),
    (lambda d: d["categories"][0].update(routes=["grievance"]), "categories.fraud.routes"),
    (lambda d: d["categories"].append(dict(d["categories"][0])), "categories.fraud"),
    (lambda d: d.update(categories=[]), "categories"),
])
def test_other_unknown_references_are_refused(change, key):
    data = copy.deepcopy(raw_pack())
    change(data)
    assert refused(data).key == key


@pytest.mark.parametrize("change, key", [
    (lambda d: d["rules"][3].update(flag="fruad"), "rules[3].flag"),
    (lambda d: d["rules"][3].pop("flag"), "rules[3].flag"),
    (lambda d: d["clocks"].append(dict(d["clocks"][0])), "clocks.acknowledge"),
])
def test_rules_and_clocks_that_could_never_work_are_refused(change, key):
    data = copy.deepcopy(raw_pack())
    change(data)
    assert refused(data).key == key


def test_a_broken_pack_file_is_named_in_the_error(tmp_path):
    text = (PACKS_DIR / "nz-public-service.toml").read_text(encoding="utf-8")
    broken = text.replace('queue = "internal_audit"', 'queue = "assurance"')
    assert broken != text
    (tmp_path / "broken.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_pack("broken", ROUTES, tmp_path)
    assert info.value.source == str(tmp_path / "broken.toml")
    assert info.value.key.endswith(".queue") and "assurance" in str(info.value)


# The other shipped packs: each rule sends its case where the pack says, and cites its source
# (docs/POLICIES.md names these tests for the rules of those packs).

OTHER_PACKS = {name: load_pack(name, ROUTES)
               for name in ("au-commonwealth-agency", "canada-federal", "vic-public-sector")}
#: Per pack: (category, people implicated, reporter) -> queue, and the source of the rule that
#: decided it. A removed rule, or one sending its cases elsewhere, fails here.
OTHER_RULES = {
    "au-commonwealth-agency": [
        ("maladministration", [CE], None, "monitoring_officer",
         "Public interest disclosure procedures"),
        ("maladministration", [MO], None, "chief_executive",
         "Public interest disclosure procedures"),
        ("corruption", [], None, "monitoring_officer",
         "National Anti-Corruption Commission Act 2022 (Cth), s 33"),
        ("contravention_of_law", [], None, "monitoring_officer",
         "Public Interest Disclosure Act 2013 (Cth), s 29"),
        ("wastage", [], None, "internal_audit",
         "Commonwealth Fraud and Corruption Control Framework"),
        ("maladministration", [MANAGER], REPORTER, "hr", "Bullying and harassment policy"),
    ],
    "canada-federal": [
        ("gross_mismanagement", [CE], None, "monitoring_officer",
         "Public Servants Disclosure Protection Act, ss 12 and 13"),
        ("gross_mismanagement", [MO], None, "chief_executive", "Internal disclosure procedures"),
        ("contravention_of_law", [], None, "monitoring_officer",
         "Public Servants Disclosure Protection Act, s 8(a)"),
        ("misuse_of_funds", [], None, "internal_audit",
         "Public Servants Disclosure Protection Act, s 8(b)"),
        ("gross_mismanagement", [MANAGER], REPORTER, "hr",
         "Policy on the prevention and resolution of harassment"),
    ],
    "vic-public-sector": [
        ("mismanagement", [CE], None, "monitoring_officer",
         "Public interest disclosure procedures"),
        ("mismanagement", [MO], None, "chief_executive", "Public interest disclosure procedures"),
        ("corrupt_conduct", [], None, "monitoring_officer",
         "Public Interest Disclosures Act 2012 (Vic); IBAC Act 2011 (Vic) s 4"),
        ("criminal_offence", [], None, "monitoring_officer",
         "Code of Conduct for Victorian Public Sector Employees"),
        ("fraud", [], None, "internal_audit",
         "Code of Conduct for Victorian Public Sector Employees (financial probity)"),
        ("mismanagement", [MANAGER], REPORTER, "hr", "Bullying and harassment policy"),
    ],
}


@pytest.mark.parametrize("name, category, implicated, reporter, queue, source", [
    (name, *row) for name, rows in OTHER_RULES.items() for row in rows])
def test_the_other_packs_route_by_their_rules(name, category, implicated, reporter, queue,
                                              source):
    pack = OTHER_PACKS[name]
    decision = decide(pack, category, implicated=implicated, reporter=reporter)
    assert decision.queue == queue
    assert decision.reasons[0].startswith(f"routed to {label(pack, queue)} because: ")
    assert decision.reasons[0].endswith(f" ({source})")


@pytest.mark.parametrize("name", sorted(OTHER_RULES))
def test_the_other_packs_have_no_rule_this_file_does_not_test(name):
    assert {r.source for r in OTHER_PACKS[name].rules} == {row[-1] for row in OTHER_RULES[name]}
    assert len(OTHER_PACKS[name].rules) == len(OTHER_RULES[name])


@pytest.mark.parametrize("name", sorted(OTHER_RULES))
def test_the_other_packs_never_send_a_case_to_an_implicated_chief_executive(name):
    pack = OTHER_PACKS[name]
    for category in pack.categories_for("disclosure"):
        assert decide(pack, category.key, implicated=[CE]).queue != "chief_executive"


#: What each UK and NZ rule cites: a clause of seed 002 (the officers' code) or of seed 003 (the
#: Ministry's code of conduct and harassment guidelines), or the statute (docs/POLICIES.md).
CITED = {
    "uk-council": {
        ("implicated_role", "chief_executive"): "code of conduct 5.4",
        ("implicated_role", "monitoring_officer"): "follows code of conduct 5.4",
        ("category_flag", "illegal"): "code of conduct 5.4",
        ("category_flag", "fraud"): "code of conduct 5.2",
        ("line_manager_implicated", None): "code of conduct 5.3",
        ("reporter_says", "condoned"): "code of conduct 5.4",
        ("reporter_says", "local_channels_tried"): "code of conduct 5.4",
    },
    "nz-public-service": {
        ("implicated_role", "chief_executive"): "the organisation's internal procedures, "
        "Protected Disclosures (Protection of Whistleblowers) Act 2022 (NZ), s 29",
        ("implicated_role", "monitoring_officer"): "the organisation's internal procedures, "
        "Protected Disclosures (Protection of Whistleblowers) Act 2022 (NZ), s 29",
        ("category_flag", "zero_tolerance"): "Code of Conduct, Zero Tolerance",
        ("category_flag", "illegal"):
            "Code of Conduct, Protected Disclosures (an offence is serious wrongdoing)",
        ("category_flag", "fraud"):
            "Code of Conduct, Zero Tolerance and Protected Disclosures (public funds)",
        ("line_manager_implicated", None):
            "Sexual Harassment Guidelines; Code of Conduct, Reporting breaches of the code",
    },
}


@PACKS
def test_each_rule_cites_the_clause_it_comes_from(pack):
    assert {(r.when, r.param): r.source for r in pack.rules} == CITED[pack.key]
    assert not any("Protected Disclosures policy" in r.source for r in pack.rules)
