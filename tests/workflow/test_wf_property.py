"""Property tests: random attempts never leave the route, and replay rebuilds the same case."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.workflow.definitions import ACTOR_KINDS, FieldSpec, Route, Transition, load_routes
from casework.workflow.engine import (
    Decision,
    Refusal,
    ReplayError,
    Snapshot,
    allowed_transitions,
    decide,
    replay,
)

ROUTES = load_routes()
ROUTE_KEYS = sorted(ROUTES)
BOGUS_KEYS = ("launch_rocket", "", "ACKNOWLEDGE")
JUNK = st.one_of(
    st.none(), st.integers(), st.just("yes"), st.just(""), st.just("  "), st.lists(st.booleans())
)
TEXTS = ("Reason given.", "  padded  ", "ü ∑ 🙂", "x" * 300)
QUARTER = st.integers(0, 3)
ACTOR_SETS = st.frozensets(st.sampled_from(sorted(ACTOR_KINDS)))
LENGTH = st.integers(0, 30)
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def _valid(spec: FieldSpec) -> st.SearchStrategy:
    """Values the field accepts (text may still come out blank, which is refused)."""
    if spec.type == "bool":
        return st.just(True) if spec.must_be_true else st.booleans()
    if spec.type == "choice":
        return st.sampled_from(spec.choices)
    return st.one_of(st.sampled_from(TEXTS), st.text(max_size=12))


@cache
def _valid_fields(transition: Transition) -> st.SearchStrategy:
    """Every required field, and each optional one sometimes."""
    return st.fixed_dictionaries(
        {s.name: _valid(s) for s in transition.requires if not s.optional},
        optional={s.name: _valid(s) for s in transition.requires if s.optional})


@cache
def _any_fields(route_key: str, key: str) -> st.SearchStrategy:
    """Valid fields for some variant of key, sometimes with junk or strangers mixed in."""
    route = ROUTES[route_key]
    valid = st.one_of([_valid_fields(t) for t in route.transitions_named(key)] or [st.just({})])
    names = sorted({f.name for t in route.transitions for f in t.requires} | {"stranger"})
    junk = st.dictionaries(st.sampled_from(names), JUNK, max_size=3)
    return st.one_of(valid, st.tuples(valid, junk).map(lambda pair: {**pair[0], **pair[1]}))


@cache
def _choices(items: tuple) -> st.SearchStrategy:
    return st.sampled_from(items)


def _attempt(draw, route: Route, snapshot: Snapshot) -> tuple[str, frozenset[str], dict]:
    """One attempt: mostly a step some actor may take now (moving on rather than closing),
    sometimes anything at all. Hypothesis favours 0, so 0 means the guided choice."""
    offered = tuple(allowed_transitions(route, snapshot, frozenset(ACTOR_KINDS)))
    onward = tuple(t for t in offered if not route.is_final(t.target))
    if offered and draw(QUARTER) != 3:
        pool = onward if onward and draw(QUARTER) != 3 else offered
        transition = draw(_choices(pool))
        actor = frozenset({draw(_choices(tuple(sorted(transition.who))))})
        return transition.key, actor, draw(_valid_fields(transition))
    key = draw(_choices(route.transition_keys + BOGUS_KEYS))
    return key, draw(ACTOR_SETS), draw(_any_fields(route.key, key))


def _run(route: Route, data: st.DataObject) -> tuple[Snapshot, list]:
    """Apply up to 30 drawn attempts; return the final snapshot and the steps a store would keep."""
    snapshot, steps = Snapshot(route.initial), []
    for _ in range(data.draw(LENGTH, label="length")):
        key, actor, fields = _attempt(data.draw, route, snapshot)
        result = decide(route, snapshot, actor, key, fields)
        _check_result(route, snapshot, actor, result)
        if isinstance(result, Decision):
            recorded = {
                f.name: result.fields[f.name] for f in result.transition.requires
                if not f.confidential and f.name in result.fields
            }
            assert result.facts == {**snapshot.facts, **recorded}
            steps.append((key, result.source, recorded))
            snapshot = Snapshot(result.state, result.facts, result.outcome)
        _check_snapshot(route, snapshot)
    return snapshot, steps


def _check_result(route: Route, snapshot: Snapshot, actor, result) -> None:
    if isinstance(result, Refusal):
        assert result.status in (403, 409, 422)
        return
    assert result.source == snapshot.state
    assert result.transition in allowed_transitions(route, snapshot, actor)


def _check_snapshot(route: Route, snapshot: Snapshot) -> None:
    assert snapshot.state in route.states
    final = route.is_final(snapshot.state)
    assert (snapshot.outcome is not None) == final
    assert snapshot.outcome != "None"
    if final:
        everyone = frozenset(ACTOR_KINDS)
        assert allowed_transitions(route, snapshot, everyone) == []
        for key in route.transition_keys:
            refused = decide(route, snapshot, everyone, key)
            assert isinstance(refused, Refusal) and refused.status == 409


@given(st.sampled_from(ROUTE_KEYS), st.data())
@settings(PROPERTY, max_examples=200)
def test_random_attempts_stay_on_the_route_and_replay_exactly(route_key, data):
    """Whatever is attempted, the case stays in a defined state and replay gives the same case."""
    route = ROUTES[route_key]
    snapshot, steps = _run(route, data)
    assert replay(route, steps) == snapshot


@given(st.sampled_from(ROUTE_KEYS), st.data())
@settings(PROPERTY, max_examples=60)
def test_replay_refuses_a_forged_step(route_key, data):
    """A step whose claimed source is not the current state fails to replay."""
    route = ROUTES[route_key]
    _, steps = _run(route, data)
    if not steps:
        return
    at = data.draw(st.integers(0, len(steps) - 1))
    key, source, facts = steps[at]
    wrong = data.draw(st.sampled_from(sorted(set(route.states) - {source})))
    with pytest.raises(ReplayError):
        replay(route, [*steps[:at], (key, wrong, facts), *steps[at + 1:]])


@pytest.mark.parametrize(
    ("route_key", "steps"),
    [
        ("disclosure", [("acknowledge", "assessment", {})]),
        ("disclosure", [("accept_for_investigation", "received", {})]),
        ("disclosure", [("acknowledge", "received", {}), ("launch_rocket", "assessment", {})]),
        ("disclosure", [("withdraw", "received", {}), ("withdraw", "closed", {})]),
        ("harassment", [("acknowledge", "reported", {}), ("resolved", "options", {})]),
        ("harassment", [  # the finding was never recorded, so there is no outcome to take
            ("acknowledge", "reported", {}), ("choose_formal", "options", {}),
            ("decide_to_investigate", "formal_complaint", {}),
            ("record_findings", "investigation", {}), ("record_action", "findings", {}),
        ]),
    ],
)
def test_replay_refuses_hand_forged_steps(route_key, steps):
    """Wrong source, a key not possible from the source, an unknown key, a step after closing,
    or an outcome taken from a fact that was never recorded."""
    with pytest.raises(ReplayError):
        replay(ROUTES[route_key], steps)


def test_replay_of_nothing_is_the_initial_state():
    """An empty history is a new case."""
    for route in ROUTES.values():
        assert replay(route, []) == Snapshot(route.initial)
