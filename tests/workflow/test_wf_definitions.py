"""Definition files: the shipped routes match the contract; bad files fail naming file and key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from casework.workflow.definitions import (
    ROUTES_DIR,
    DefinitionError,
    load_route,
    load_routes,
)

GOOD = """\
route = "tiny"
initial = "open"

[states.open]
label = "Open"

[states.review]
label = "Under review"

[states.done]
final = true

[[transitions]]
key = "start"
from = ["open"]
to = "review"
who = ["handler"]

[[transitions]]
key = "finish"
from = ["review"]
to = "done"
who = ["handler"]
outcome = "finished"
[transitions.requires.reason]
type = "text"

[[transitions]]
key = "withdraw"
from = "*"
to = "done"
who = ["reporter", "handler"]
outcome = "withdrawn"
"""


def _write(tmp_path: Path, text: str, name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _fails(path: Path, key: str, problem: str) -> DefinitionError:
    """Loading path fails with a DefinitionError naming the file and the key."""
    with pytest.raises(DefinitionError) as caught:
        load_route(path)
    error = caught.value
    assert error.source == str(path) and str(path) in str(error)
    assert error.key == key and key in str(error)
    assert problem in error.problem
    return error


def test_the_base_file_is_valid(tmp_path):
    """The file the bad cases are made from loads, with '*' expanded to the open states."""
    route = load_route(_write(tmp_path, GOOD))
    assert route.key == "tiny" and route.initial == "open"
    assert route.transitions_named("withdraw")[0].sources == {"open", "review"}
    assert route.state("done").label == "Done"


BAD = [
    pytest.param(GOOD.replace('from = ["open"]', 'from = ["nowhere"]'),
                 "transitions.start.from", "nowhere", id="unknown-source-state"),
    pytest.param(GOOD.replace('to = "review"', 'to = "limbo"'),
                 "transitions.start", "limbo", id="unknown-target-state"),
    pytest.param(GOOD.replace('from = ["review"]', 'from = ["done"]'),
                 "transitions.finish.from", "final state", id="exit-from-final-state"),
    pytest.param(GOOD + '[states.orphan]\n', "states.orphan", "unreachable", id="unreachable"),
    pytest.param(GOOD.replace('[states.done]', '[states.stuck]\n[states.done]')
                 .replace('from = "*"', 'from = ["open", "review"]')
                 + '[[transitions]]\nkey = "park"\nfrom = ["open"]\nto = "stuck"\n'
                 'who = ["handler"]\n',
                 "states.stuck", "no way out", id="non-final-dead-end"),
    pytest.param(GOOD + '[[transitions]]\nkey = "start"\nfrom = ["open", "review"]\n'
                 'to = "done"\nwho = ["handler"]\n',
                 "transitions.start", "duplicate", id="duplicate-key-overlapping-sources"),
    pytest.param(GOOD.replace('outcome = "finished"', 'guards = ["moon_is_full"]'),
                 "transitions.finish.guards", "moon_is_full", id="unknown-guard"),
    pytest.param(GOOD.replace('type = "text"', 'type = "date"'),
                 "transitions.finish.requires.reason", "unknown type", id="unknown-field-type"),
    pytest.param(GOOD.replace('type = "text"', 'type = "choice"'),
                 "transitions.finish.requires.reason", "choices", id="choice-without-choices"),
    pytest.param(GOOD.replace('type = "text"', 'type = "text"\nchoices = ["a"]'),
                 "transitions.finish.requires.reason", "choices", id="choices-on-text"),
    pytest.param(GOOD.replace('who = ["handler"]', 'who = ["janitor"]', 1),
                 "transitions.start", "janitor", id="unknown-actor-kind"),
    pytest.param(GOOD.replace('who = ["handler"]', "who = []", 1),
                 "transitions.start", "actor kinds", id="no-actor-kind"),
    pytest.param(GOOD.replace('initial = "open"', 'initial = "ajar"'),
                 "initial", "ajar", id="unknown-initial-state"),
    pytest.param(GOOD.replace('route = "tiny"\n', ""), "route", "missing", id="no-route-key"),
    pytest.param(GOOD.replace("final = true", "final = false"),
                 "states", "no final state", id="no-final-state"),
    pytest.param(GOOD.replace('outcome = "finished"', 'outcome_from = "verdict"'),
                 "transitions.finish.outcome_from", "verdict", id="outcome-from-unknown-field"),
    pytest.param(GOOD.replace('outcome = "finished"', 'outcome_from = "reason"')
                 .replace('type = "text"', 'type = "text"\noptional = true'),
                 "transitions.finish.outcome_from", "optional", id="outcome-from-optional-field"),
    pytest.param(GOOD.replace('key = "start"\n', ""),
                 "transitions", "no key", id="transition-without-key"),
    pytest.param(GOOD.replace('from = ["open"]\n', ""),
                 "transitions.start.from", "no source", id="transition-without-source"),
    pytest.param(GOOD.replace('outcome = "withdrawn"', 'outcome = "withdrawn"\nthrough = "fax"'),
                 "transitions.withdraw.through", "unknown service", id="unknown-through"),
    pytest.param(GOOD.replace('route = "tiny"', 'route = "tiny'),
                 "(file)", "not valid TOML", id="invalid-toml"),
    pytest.param(GOOD.replace('[states.review]\nlabel = "Under review"', "[states]\nreview = 1"),
                 "states.review", "table", id="state-not-a-table"),
    pytest.param(GOOD.replace('[transitions.requires.reason]\ntype = "text"',
                              'requires = ["reason"]'),
                 "transitions.finish.requires", "table", id="requires-not-a-table"),
    pytest.param(GOOD.replace('from = ["open"]', "from = 3"),
                 "transitions.start.from", "list", id="source-not-a-list"),
    pytest.param(GOOD.replace('who = ["handler"]', 'who = "handler"', 1),
                 "transitions.start.who", "list", id="who-not-a-list"),
    pytest.param(GOOD.replace('type = "text"', 'type = "choice"\nchoices = "ab"'),
                 "transitions.finish.requires.reason.choices", "list", id="choices-not-a-list"),
    pytest.param(GOOD.replace('outcome = "finished"', 'guards = "finding_recorded"'),
                 "transitions.finish.guards", "list", id="guards-not-a-list"),
    pytest.param(GOOD.replace('to = "review"', 'to = ["review"]'),
                 "transitions.start", "review", id="target-not-a-string"),
    pytest.param(GOOD.replace('type = "text"', 'type = "text"\noptional = "yes"'),
                 "transitions.finish.requires.reason.optional", "true or false",
                 id="optional-not-a-bool"),
    pytest.param(GOOD.replace('type = "text"', 'type = "bool"\nmust_be_true = 1'),
                 "transitions.finish.requires.reason.must_be_true", "true or false",
                 id="must-be-true-not-a-bool"),
    pytest.param(GOOD.replace('type = "text"', 'type = "bool"\nmust_be_true = true\n'
                              'optional = true'),
                 "transitions.finish.requires.reason", "cannot be optional",
                 id="must-be-true-and-optional"),
]


@pytest.mark.parametrize(("text", "key", "problem"), BAD)
def test_bad_definition_is_refused(tmp_path, text, key, problem):
    """Each kind of mistake is a DefinitionError that says where it is."""
    _fails(_write(tmp_path, text), key, problem)


def test_same_key_from_disjoint_sources_is_allowed(tmp_path):
    """Variants of one key are fine as long as their sources do not overlap."""
    text = GOOD + (
        '[[transitions]]\nkey = "start"\nfrom = ["review"]\nto = "open"\nwho = ["handler"]\n'
    )
    route = load_route(_write(tmp_path, text))
    assert len(route.transitions_named("start")) == 2


def test_optional_is_read_and_defaults_to_off(tmp_path):
    """`optional = true` marks a field that may be left out; without it a field is required."""
    required = load_route(_write(tmp_path, GOOD)).transitions_named("finish")[0].requires
    optional = load_route(_write(tmp_path, GOOD.replace(
        'type = "text"', 'type = "text"\noptional = true'))).transitions_named("finish")[0]
    assert [f.optional for f in required] == [False]
    assert [(f.name, f.optional) for f in optional.requires] == [("reason", True)]


def test_load_routes_names_the_bad_file(tmp_path):
    """In a directory, the first bad file stops loading and is named."""
    _write(tmp_path, GOOD, "a.toml")
    bad = _write(tmp_path, GOOD.replace('who = ["handler"]', 'who = ["janitor"]', 1), "b.toml")
    with pytest.raises(DefinitionError) as caught:
        load_routes(tmp_path)
    assert caught.value.source == str(bad) and "transitions.start" in str(caught.value)


def test_load_routes_refuses_a_duplicate_route(tmp_path):
    """Two files may not define the same route key."""
    _write(tmp_path, GOOD, "a.toml")
    second = _write(tmp_path, GOOD, "b.toml")
    with pytest.raises(DefinitionError) as caught:
        load_routes(tmp_path)
    assert caught.value.source == str(second) and caught.value.key == "route"


def test_load_routes_refuses_an_empty_directory(tmp_path):
    """No definitions at all is a start-up error, not an empty app."""
    with pytest.raises(DefinitionError):
        load_routes(tmp_path)


def test_definitions_are_frozen(tmp_path):
    """Routes, states and transitions cannot be changed after loading."""
    route = load_route(_write(tmp_path, GOOD))
    for thing in (route, route.state("open"), route.transitions[0]):
        with pytest.raises(dataclasses.FrozenInstanceError):
            thing.key = "changed"


# The shipped routes, checked against docs/API.md section 2 (written out here, not read from TOML).

CONTRACT_STATES = {
    "disclosure": {"received", "assessment", "investigation", "findings", "feedback", "closed"},
    "harassment": {"reported", "options", "self_help", "informal", "formal_complaint",
                   "investigation", "findings", "closed"},
}
CONTRACT_INITIAL = {"disclosure": "received", "harassment": "reported"}
CONTRACT_REQUIRES = {
    "disclosure": {
        "acknowledge": set(), "accept_for_investigation": {"protected", "reason"},
        "refer": {"destination", "reason"}, "no_further_action": {"reason"},
        "record_findings": {"finding", "reason"}, "record_action": {"action"},
        "give_feedback": {"message"}, "withdraw": set(),
    },
    "harassment": {
        "acknowledge": set(), "choose_self_help": set(), "choose_informal": set(),
        # From informal, the complainant confirms it themselves, or a handler records
        # reporter_satisfied (must be true), how they confirmed it and, optionally, admitted
        # (requires_of.handler, as for withdraw and external_route).
        "choose_formal": set(), "resolved": set(),
        "not_resolved": set(), "decide_to_investigate": {"reason"},
        "decline_investigation": {"reason"}, "record_findings": {"finding", "reason"},
        "record_action": {"action"}, "external_route": set(), "withdraw": set(),
    },
}
#: Transitions beyond the contract (it allows adding them): each with its required fields.
#: `merge` closes a duplicate; only the links endpoint fires it (docs/API.md, section 3).
ADDED_REQUIRES = {"disclosure": {"merge": set()}, "harassment": {"merge": set()}}
#: Optional fields beyond the contract (allowed: a caller that leaves them out still succeeds).
OPTIONAL_EXTRAS = {
    "disclosure": {"no_further_action": {"reason_class", "reporter_reason"}},
    "harassment": {"decline_investigation": {"reason_class"}, "record_action": {"message"}},
}
REASON_CLASSES = {
    "disclosure": ("not_a_disclosure", "insufficient_information", "already_dealt_with",
                   "trivial_or_vexatious", "too_long_ago", "other"),
    "harassment": ("outside_policy", "insufficient_information", "already_dealt_with",
                   "trivial_or_vexatious", "resolved_another_way", "other"),
}
DECLINING = {"disclosure": "no_further_action", "harassment": "decline_investigation"}
CONTRACT_FINDINGS = {
    "disclosure": {"substantiated", "partly_substantiated", "not_substantiated", "malicious"},
    "harassment": {"substantiated", "not_substantiated"},
}


def test_shipped_routes_are_exactly_the_contract_routes():
    """The routes directory holds disclosure and harassment, nothing else."""
    assert set(load_routes(ROUTES_DIR)) == set(CONTRACT_STATES)


@pytest.mark.parametrize("route_key", sorted(CONTRACT_STATES))
def test_shipped_route_states_match_the_contract(route_key):
    """Same states, same initial state, and 'closed' is the one final state."""
    route = load_routes()[route_key]
    assert set(route.states) == CONTRACT_STATES[route_key]
    assert route.initial == CONTRACT_INITIAL[route_key]
    assert {k for k, s in route.states.items() if s.final} == {"closed"}


@pytest.mark.parametrize("route_key", sorted(CONTRACT_STATES))
def test_shipped_route_fields_match_the_contract(route_key):
    """Same transition keys, each requiring the contract's fields (union over its variants);
    anything more is optional and listed in OPTIONAL_EXTRAS."""
    route = load_routes()[route_key]
    asked = {key: set() for key in route.transition_keys}
    extras = {}
    for t in route.transitions:
        asked[t.key] |= {f.name for f in t.requires if not f.optional}
        if any(f.optional for f in t.requires):
            extras[t.key] = {f.name for f in t.requires if f.optional}
    assert asked == CONTRACT_REQUIRES[route_key] | ADDED_REQUIRES[route_key]
    assert not CONTRACT_REQUIRES[route_key].keys() & ADDED_REQUIRES[route_key].keys()
    assert extras == OPTIONAL_EXTRAS[route_key]
    finding = next(f for f in route.transitions_named("record_findings")[0].requires
                   if f.name == "finding")
    assert (finding.type, set(finding.choices)) == ("choice", CONTRACT_FINDINGS[route_key])


def test_shipped_field_types_match_the_contract():
    """Booleans are booleans; reporter_satisfied must be true; feedback is shown to the reporter."""
    routes = load_routes()
    informal = next(t for t in routes["harassment"].transitions_named("resolved")
                    if "informal" in t.sources)
    kinds = {f.name: (f.type, f.must_be_true, f.optional)
             for f in informal.as_seen_by(frozenset({"handler"})).requires}
    assert kinds == {"admitted": ("bool", False, True), "reporter_satisfied": ("bool", True, False),
                     "confirmed_how": ("choice", False, False)}
    assert informal.requires == ()
    accept = routes["disclosure"].transitions_named("accept_for_investigation")[0]
    assert {f.name: f.type for f in accept.requires} == {"protected": "bool", "reason": "text"}
    (message,) = routes["disclosure"].transitions_named("give_feedback")[0].requires
    assert message.shown_to_reporter


@pytest.mark.parametrize("route_key", sorted(DECLINING))
def test_declining_asks_for_an_optional_reason_class(route_key):
    """Declining a case offers an optional classified reason (a fact, for statistics)."""
    (declining,) = load_routes()[route_key].transitions_named(DECLINING[route_key])
    kind = next(f for f in declining.requires if f.name == "reason_class")
    assert (kind.type, kind.optional, kind.choices) == ("choice", True,
                                                        REASON_CLASSES[route_key])
    assert not kind.confidential and not kind.must_be_true and not kind.shown_to_reporter


@pytest.mark.parametrize("route_key", sorted(CONTRACT_STATES))
def test_merge_closes_any_open_case_as_merged_through_links_only(route_key):
    """A handler merges a duplicate from any open state; the outcome has words for the reporter
    and stops the deadlines without meeting them; only the links endpoint fires it."""
    route = load_routes()[route_key]
    (merge,) = route.transitions_named("merge")
    open_states = {k for k, s in route.states.items() if not s.final}
    assert (merge.sources, merge.target, merge.who) == (open_states, "closed",
                                                         frozenset({"handler"}))
    assert (merge.outcome, merge.through, merge.requires) == ("merged", "links", ())
    outcome = route.outcome("merged")
    assert "joined to another" in outcome.reporter_label and not outcome.meets_clocks


def test_through_is_read_and_defaults_to_none(tmp_path):
    """`through` names the service that fires a step; without it a step is a button."""
    plain = load_route(_write(tmp_path, GOOD))
    linked = load_route(_write(tmp_path, GOOD.replace(
        'outcome = "withdrawn"', 'outcome = "withdrawn"\nthrough = "links"')))
    assert {t.through for t in plain.transitions} == {""}
    assert linked.transitions_named("withdraw")[0].through == "links"
