"""Every (route, state, transition, actor kind) against a hand-written copy of docs/API.md §2.

The table below is written from the contract, not read from the TOML files, so a drift in either
shows up here as a failing case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from casework.workflow.definitions import load_routes
from casework.workflow.engine import (
    Decision,
    Reason,
    Refusal,
    Snapshot,
    allowed_transitions,
    decide,
)

ACTORS = ("reporter", "handler", "investigator", "decision_maker")
BOTH = frozenset({"reporter", "handler"})
HANDLER = frozenset({"handler"})
INVESTIGATOR = frozenset({"investigator"})
DECISION_MAKER = frozenset({"decision_maker"})
FROM_FINDING = "<the finding>"


@dataclass(frozen=True)
class Row:
    """One variant of a contract transition."""

    key: str
    sources: frozenset[str]
    target: str
    who: frozenset[str]
    outcome: str | None = None
    fields: dict = field(default_factory=dict)


DISCLOSURE_STATES = ("received", "assessment", "investigation", "findings", "feedback", "closed")
DISCLOSURE_OPEN = frozenset(DISCLOSURE_STATES) - {"closed"}
HARASSMENT_STATES = (
    "reported", "options", "self_help", "informal", "formal_complaint",
    "investigation", "findings", "closed",
)
HARASSMENT_OPEN = frozenset(HARASSMENT_STATES) - {"closed"}

CONTRACT: dict[str, tuple[Row, ...]] = {
    "disclosure": (
        Row("acknowledge", frozenset({"received"}), "assessment", HANDLER),
        Row("accept_for_investigation", frozenset({"assessment"}), "investigation", HANDLER,
            fields={"protected": True, "reason": "Concerns misuse of public funds."}),
        Row("refer", frozenset({"assessment"}), "closed", HANDLER, "referred",
            fields={"destination": "ombudsman", "reason": "Belongs with the ombudsman."}),
        Row("no_further_action", frozenset({"assessment"}), "closed", HANDLER,
            "no_further_action", fields={"reason": "Already dealt with."}),
        Row("record_findings", frozenset({"investigation"}), "findings", INVESTIGATOR,
            fields={"finding": "substantiated", "reason": "Two witnesses agree."}),
        Row("record_action", frozenset({"findings"}), "feedback", DECISION_MAKER,
            fields={"action": "Procedure changed."}),
        Row("give_feedback", frozenset({"feedback"}), "closed", HANDLER, FROM_FINDING,
            fields={"message": "Thank you; the procedure has changed."}),
        Row("withdraw", DISCLOSURE_OPEN, "closed", BOTH, "withdrawn"),
    ),
    "harassment": (
        Row("acknowledge", frozenset({"reported"}), "options", HANDLER),
        Row("choose_self_help", frozenset({"options"}), "self_help", BOTH),
        Row("choose_informal", frozenset({"options"}), "informal", BOTH),
        Row("choose_formal", frozenset({"options"}), "formal_complaint", BOTH),
        Row("resolved", frozenset({"self_help"}), "closed", BOTH, "resolved_self_help"),
        Row("resolved", frozenset({"informal"}), "closed", BOTH, "resolved_informally"),
        Row("not_resolved", frozenset({"self_help", "informal"}), "options", BOTH),
        Row("decide_to_investigate", frozenset({"formal_complaint"}), "investigation",
            DECISION_MAKER, fields={"reason": "Serious allegation."}),
        Row("decline_investigation", frozenset({"formal_complaint"}), "closed", DECISION_MAKER,
            "not_investigated", fields={"reason": "Complaint withdrawn in substance."}),
        Row("record_findings", frozenset({"investigation"}), "findings", INVESTIGATOR,
            fields={"finding": "not_substantiated", "reason": "No corroboration."}),
        Row("record_action", frozenset({"findings"}), "closed", DECISION_MAKER, FROM_FINDING,
            fields={"action": "Guidance issued to the team."}),
        Row("external_route", HARASSMENT_OPEN, "closed", BOTH, "external"),
        Row("withdraw", HARASSMENT_OPEN, "closed", BOTH, "withdrawn"),
    ),
}
STATES = {"disclosure": DISCLOSURE_STATES, "harassment": HARASSMENT_STATES}
#: The finding already on record when a case sits in these states (distinct per route on purpose).
RECORDED_FINDING = {"disclosure": "partly_substantiated", "harassment": "substantiated"}
FINDING_STATES = frozenset({"findings", "feedback"})

ROUTES = load_routes()


def _keys(route: str) -> list[str]:
    return list(dict.fromkeys(row.key for row in CONTRACT[route]))


def _snapshot(route: str, state: str) -> Snapshot:
    facts = {"finding": RECORDED_FINDING[route]} if state in FINDING_STATES else {}
    return Snapshot(state, facts)


def _expected(route: str, state: str, key: str, actor: str) -> Row | tuple[Reason, int]:
    """The contract's answer, in the engine's documented order of checks."""
    rows = [row for row in CONTRACT[route] if row.key == key]
    if not any(actor in row.who for row in rows):
        return Reason.NOT_PERMITTED, 403
    here = [row for row in rows if state in row.sources]
    if not here:
        return Reason.NOT_FROM_STATE, 409
    if actor not in here[0].who:
        return Reason.NOT_PERMITTED, 403
    return here[0]


#: docs/API.md, section 3: a handler records a withdrawal (or the external route) the reporter asked
#: for elsewhere, with the reason and the channel; the reporter gives neither.
RECORDED_FOR_REPORTER = {"withdraw", "external_route"}
RECORDING = {"reason": "asked by phone", "channel": "phone"}
SATISFIED = {"reporter_satisfied": True, "confirmed_how": "in_person", "admitted": False}


def _fields_for(route: str, state: str, key: str, actor: str = "") -> dict:
    rows = [row for row in CONTRACT[route] if row.key == key and state in row.sources]
    fields = dict(rows[0].fields) if rows else {}
    if actor == "handler" and key in RECORDED_FOR_REPORTER:
        fields |= RECORDING
    if actor == "handler" and (route, state, key) == ("harassment", "informal", "resolved"):
        fields |= SATISFIED  # NZ step 3: how the complainant confirmed they are satisfied
    return fields


MATRIX = [
    pytest.param(route, state, key, actor, id=f"{route}-{state}-{key}-{actor}")
    for route in CONTRACT
    for state in STATES[route]
    for key in _keys(route)
    for actor in ACTORS
]


@pytest.mark.parametrize(("route_key", "state", "key", "actor"), MATRIX)
def test_decide_matches_contract(route_key, state, key, actor):
    """decide() gives the contract's target and outcome, or refuses with the contract's reason."""
    route = ROUTES[route_key]
    snapshot = _snapshot(route_key, state)
    fields = _fields_for(route_key, state, key, actor)
    result = decide(route, snapshot, frozenset({actor}), key, fields)
    expected = _expected(route_key, state, key, actor)
    if isinstance(expected, Row):
        assert isinstance(result, Decision), result
        outcome = expected.outcome
        if outcome == FROM_FINDING:
            outcome = RECORDED_FINDING[route_key]
        if expected.target != "closed":
            outcome = None
        assert (result.transition.key, result.source, result.state, result.outcome) == (
            key, state, expected.target, outcome
        )
    else:
        reason, status = expected
        assert isinstance(result, Refusal), result
        assert (result.reason, result.status) == (reason, status)
        assert not result.fields


@pytest.mark.parametrize(
    ("route_key", "state", "actor"),
    [(r, s, a) for r in CONTRACT for s in STATES[r] for a in ACTORS],
)
def test_allowed_transitions_match_contract(route_key, state, actor):
    """The buttons offered are exactly the contract's transitions for this state and actor."""
    route = ROUTES[route_key]
    offered = allowed_transitions(route, _snapshot(route_key, state), frozenset({actor}))
    expected = {
        (row.key, row.target)
        for row in CONTRACT[route_key]
        if state in row.sources and actor in row.who
    }
    assert sorted((t.key, t.target) for t in offered) == sorted(expected)


@pytest.mark.parametrize("route_key", CONTRACT)
def test_allowed_transitions_for_several_kinds_is_the_union(route_key):
    """An actor who is several kinds at once may do what each kind may do."""
    route = ROUTES[route_key]
    for state in STATES[route_key]:
        snapshot = _snapshot(route_key, state)
        union = {
            t.key for a in ACTORS for t in allowed_transitions(route, snapshot, frozenset({a}))
        }
        both = {t.key for t in allowed_transitions(route, snapshot, frozenset(ACTORS))}
        assert both == union


@pytest.mark.parametrize("route_key", CONTRACT)
def test_unknown_transition_is_refused_with_422(route_key):
    """A key the route does not define is refused before any permission check."""
    route = ROUTES[route_key]
    result = decide(route, Snapshot(route.initial), HANDLER, "launch_rocket")
    assert isinstance(result, Refusal)
    assert (result.reason, result.status) == (Reason.UNKNOWN_TRANSITION, 422)
    assert "transition" in result.fields


@pytest.mark.parametrize("route_key", CONTRACT)
def test_actor_with_no_kind_may_do_nothing(route_key):
    """Someone who is no actor kind at all is refused every transition with 403."""
    route = ROUTES[route_key]
    for state in STATES[route_key]:
        assert allowed_transitions(route, _snapshot(route_key, state), frozenset()) == []
        for key in _keys(route_key):
            result = decide(route, _snapshot(route_key, state), frozenset(), key)
            assert isinstance(result, Refusal) and result.status == 403


@pytest.mark.parametrize(("route_key", "key"), [
    (r, k) for r in sorted(CONTRACT) for k in sorted(RECORDED_FOR_REPORTER)
    if ROUTES[r].transitions_named(k)])
def test_a_handler_records_the_reporters_exit_with_reason_and_channel(route_key, key):
    """The reporter leaves in one step; a handler must say what the reporter asked and how."""
    route = ROUTES[route_key]
    snapshot = _snapshot(route_key, route.initial)
    refused = decide(route, snapshot, frozenset({"handler"}), key, {})
    assert isinstance(refused, Refusal)
    assert refused.reason is Reason.INVALID_FIELDS
    assert set(refused.fields) == {"reason", "channel"}
    assert isinstance(decide(route, snapshot, frozenset({"reporter"}), key, {}), Decision)
    recorded = decide(route, snapshot, frozenset({"handler"}), key, RECORDING)
    assert isinstance(recorded, Decision) and recorded.outcome is not None


@pytest.mark.parametrize(("route_key", "state"), [
    (r, s) for r in sorted(CONTRACT) for s in STATES[r]])
def test_merge_is_fired_only_through_the_links_service(route_key, state):
    """A handler merges a duplicate by linking it (docs/API.md, section 3): never offered as a
    step, refused (403) when asked for on its own, closed as `merged` when the links service
    asks, and not from a closed case (409)."""
    route, snapshot = ROUTES[route_key], _snapshot(route_key, state)
    offered = allowed_transitions(route, snapshot, frozenset(ACTORS))
    assert "merge" not in {t.key for t in offered}
    alone = decide(route, snapshot, HANDLER, "merge", {})
    linked = decide(route, snapshot, HANDLER, "merge", {}, through="links")
    if state == "closed":
        assert isinstance(alone, Refusal) and alone.status == 409
        assert isinstance(linked, Refusal) and linked.status == 409
        return
    assert isinstance(alone, Refusal) and alone.status == 403
    assert "link the case" in alone.message
    assert isinstance(linked, Decision)
    assert (linked.state, linked.outcome) == ("closed", "merged")
    refused = decide(route, snapshot, frozenset({"reporter"}), "merge", {}, through="links")
    assert isinstance(refused, Refusal) and refused.status == 403


def test_the_links_service_fires_no_other_step():
    """Asking for an ordinary step through a service is refused: it is a step of its own."""
    route = ROUTES["disclosure"]
    refused = decide(route, Snapshot("received"), HANDLER, "acknowledge", {}, through="links")
    assert isinstance(refused, Refusal) and refused.status == 403
