"""Rendering: the JSON is the public definition; Mermaid and Graphviz show every edge."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from casework.workflow.definitions import load_route, load_routes
from casework.workflow.render import to_dict, to_dot, to_json, to_mermaid

ROUTES = load_routes()

# (key, sources, target, who) per docs/API.md section 2, written out by hand.
D_OPEN = ["assessment", "feedback", "findings", "investigation", "received"]
H_OPEN = ["findings", "formal_complaint", "informal", "investigation", "options", "reported",
          "self_help"]
BOTH, HANDLER = ["handler", "reporter"], ["handler"]
CONTRACT_EDGES = {
    "disclosure": [
        ("acknowledge", ["received"], "assessment", HANDLER),
        ("accept_for_investigation", ["assessment"], "investigation", HANDLER),
        ("refer", ["assessment"], "closed", HANDLER),
        ("no_further_action", ["assessment"], "closed", HANDLER),
        ("record_findings", ["investigation"], "findings", ["investigator"]),
        ("record_action", ["findings"], "feedback", ["decision_maker"]),
        ("give_feedback", ["feedback"], "closed", HANDLER),
        ("withdraw", D_OPEN, "closed", BOTH),
    ],
    "harassment": [
        ("acknowledge", ["reported"], "options", HANDLER),
        ("choose_self_help", ["options"], "self_help", BOTH),
        ("choose_informal", ["options"], "informal", BOTH),
        ("choose_formal", ["options"], "formal_complaint", BOTH),
        ("resolved", ["self_help"], "closed", BOTH),
        # The contract's handler, and (issue 14, NZ step 3) the complainant from their page.
        ("resolved", ["informal"], "closed", BOTH),
        ("not_resolved", ["informal", "self_help"], "options", BOTH),
        ("decide_to_investigate", ["formal_complaint"], "investigation", ["decision_maker"]),
        ("decline_investigation", ["formal_complaint"], "closed", ["decision_maker"]),
        ("record_findings", ["investigation"], "findings", ["investigator"]),
        ("record_action", ["findings"], "closed", ["decision_maker"]),
        ("external_route", H_OPEN, "closed", BOTH),
        ("withdraw", H_OPEN, "closed", BOTH),
    ],
}

#: Transitions beyond the contract (it allows adding them): a duplicate merged by linking.
ADDED_EDGES = {"disclosure": [("merge", D_OPEN, "closed", HANDLER)],
               "harassment": [("merge", H_OPEN, "closed", HANDLER)]}


def _edges(route_key: str):
    for key, sources, target, who in CONTRACT_EDGES[route_key] + ADDED_EDGES[route_key]:
        for source in sources:
            yield source, target, key, ", ".join(who)


@pytest.mark.parametrize("route_key", sorted(ROUTES))
def test_json_has_every_contract_transition(route_key):
    """The public shape: route, states, and transitions with key, from, to, requires, who."""
    data = json.loads(to_json(ROUTES[route_key]))
    assert data["route"] == route_key
    assert {"key", "label", "final"} <= set(data["states"][0])
    got = sorted((t["key"], t["from"], t["to"], t["who"]) for t in data["transitions"])
    assert got == sorted(CONTRACT_EDGES[route_key] + ADDED_EDGES[route_key])
    assert {t["key"]: t.get("through") for t in data["transitions"]}["merge"] == "links"
    for t in data["transitions"]:
        assert {"key", "from", "to", "requires", "who"} <= set(t)
        for field in t["requires"]:
            assert {"name", "type"} <= set(field)


def test_json_describes_fields_and_outcomes():
    """Choices, must-be-true, optional, fixed outcomes and outcomes taken from a field are all
    shown."""
    data = to_dict(ROUTES["harassment"])
    by_source = {(t["key"], t["from"][0]): t for t in data["transitions"]}
    informal = by_source[("resolved", "informal")]
    assert informal["outcome"] == "resolved_informally"
    satisfied = next(f for f in informal["requires_of"]["handler"]
                     if f["name"] == "reporter_satisfied")
    assert informal["affected_person"] is True and informal["requires"] == []
    assert (satisfied["type"], satisfied["must_be_true"]) == ("bool", True)
    findings = by_source[("record_findings", "investigation")]
    finding = next(f for f in findings["requires"] if f["name"] == "finding")
    assert finding["choices"] == ["substantiated", "not_substantiated"]
    assert "must_be_true" not in finding
    assert "optional" not in finding and "optional" not in satisfied
    decline = by_source[("decline_investigation", "formal_complaint")]
    assert [(f["name"], f.get("optional")) for f in decline["requires"]] == [
        ("reason", None), ("reason_class", True)]
    assert by_source[("record_action", "findings")]["outcome_from"] == "finding"
    assert "outcome" not in by_source[("acknowledge", "reported")]
    assert data["initial"] == "reported"
    assert [s["key"] for s in data["states"] if s["final"]] == ["closed"]


@pytest.mark.parametrize("route_key", sorted(ROUTES))
def test_mermaid_has_every_edge(route_key):
    """Each (source, target, key, who) is one Mermaid transition; start and end are marked."""
    text = to_mermaid(ROUTES[route_key])
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert f"    [*] --> {ROUTES[route_key].initial}" in lines
    assert "    closed --> [*]" in lines
    drawn = {line.strip() for line in lines if " : " in line}
    expected = {f"{s} --> {t} : {k} ({w})" for s, t, k, w in _edges(route_key)}
    assert drawn == expected


@pytest.mark.parametrize("route_key", sorted(ROUTES))
def test_dot_has_every_edge(route_key):
    """Each edge is a labelled Graphviz edge; the final state is a double circle."""
    text = to_dot(ROUTES[route_key])
    assert text.startswith(f'digraph "{route_key}" {{') and text.rstrip().endswith("}")
    drawn = set(re.findall(r'^\s+"(\w+)" -> "(\w+)" \[label="([^"]+)"\];$', text, re.M))
    expected = {(s, t, f"{k} ({w})") for s, t, k, w in _edges(route_key)}
    assert drawn == expected
    assert re.search(r'^\s+"closed" \[label="Closed", shape=doublecircle\];$', text, re.M)
    assert text.count("doublecircle") == 1


@pytest.mark.parametrize("render", [to_json, to_mermaid, to_dot])
def test_output_is_deterministic(render):
    """Rendering twice, or from a fresh load, gives byte-identical output."""
    for key, route in ROUTES.items():
        again = load_route(Path(route.source))
        assert render(route) == render(route) == render(again) == render(load_routes()[key])


def test_labels_are_escaped(tmp_path):
    """Quotes, backslashes and line breaks in labels cannot break out of the diagram syntax."""
    path = tmp_path / "odd.toml"
    path.write_text(
        'route = "odd"\nlabel = "Say \\"hi\\"\\\\"\ninitial = "a"\n'
        '[states.a]\nlabel = "A \\"quoted\\"; <b>#1</b>\\nsecond line"\n'
        '[states.z]\nfinal = true\n'
        '[[transitions]]\nkey = "go"\nfrom = "a"\nto = "z"\nwho = ["handler"]\n',
        encoding="utf-8",
    )
    route = load_route(path)
    dot = to_dot(route)
    assert 'label="Say \\"hi\\"\\\\";' in dot
    assert '"a" [label="A \\"quoted\\"; <b>#1</b>\\nsecond line"];' in dot
    mermaid = to_mermaid(route)
    expected = "A #quot;quoted#quot;#59; #lt;b#gt;#35;1#lt;/b#gt; second line"
    assert f'state "{expected}" as a' in mermaid
    assert json.loads(to_json(route))["states"][0]["label"] == 'A "quoted"; <b>#1</b>\nsecond line'


def test_to_dict_is_json_ready_and_does_not_share_state():
    """The dict holds only lists, dicts and scalars, and changing it leaves the route alone."""
    route = ROUTES["disclosure"]
    data = to_dict(route)
    assert json.loads(json.dumps(data)) == data
    data["transitions"][0]["from"].append("closed")
    assert to_dict(route)["transitions"][0]["from"] == ["received"]
