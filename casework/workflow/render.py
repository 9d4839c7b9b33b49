"""Render a route definition as plain data, JSON, a Mermaid diagram or a Graphviz graph.

The dict shape is also the public API answer for `GET /api/v1/workflows/{route}`. Output is
deterministic: states and transitions keep definition order, every set (sources, who) is sorted.
"""

from __future__ import annotations

import json
import re

from casework.workflow.definitions import FieldSpec, Route, Transition


def to_dict(route: Route) -> dict:
    """The definition as JSON-ready data: route, label, initial, states and transitions."""
    return {
        "route": route.key,
        "label": route.label,
        "initial": route.initial,
        "states": [
            {"key": s.key, "label": s.label, "final": s.final} for s in route.states.values()
        ],
        "transitions": [_transition(t) for t in route.transitions],
    }


def _transition(t: Transition) -> dict:
    data: dict = {
        "key": t.key,
        "label": t.label,
        "from": sorted(t.sources),
        "to": t.target,
        "requires": field_dicts(t.requires),
        "who": sorted(t.who),
    }
    if t.outcome:
        data["outcome"] = t.outcome
    if t.outcome_from:
        data["outcome_from"] = t.outcome_from
    if t.through:
        data["through"] = t.through
    if t.requires_of:
        data["requires_of"] = {kind: field_dicts(fields) for kind, fields in t.requires_of}
    if t.affected_person:
        data["affected_person"] = True
    return data


def field_dicts(fields: tuple[FieldSpec, ...]) -> list[dict]:
    """A transition's fields as JSON-ready data (also used for a case's allowed transitions)."""
    return [_field(f) for f in fields]


def _field(f: FieldSpec) -> dict:
    data: dict = {"name": f.name, "type": f.type, "label": f.label}
    if f.choices:
        data["choices"] = list(f.choices)
    if f.must_be_true:
        data["must_be_true"] = True
    if f.shown_to_reporter:
        data["shown_to_reporter"] = True
    if f.optional:
        data["optional"] = True
    return data


def to_json(route: Route) -> str:
    """The definition as indented JSON."""
    return json.dumps(to_dict(route), indent=2)


def _edges(route: Route) -> list[tuple[str, str, str, str]]:
    """(source, target, key, who) for every edge, sources expanded, in a stable order."""
    order = {key: i for i, key in enumerate(route.states)}
    edges = [
        (source, t.target, t.key, ", ".join(sorted(t.who)))
        for t in route.transitions
        for source in t.sources
    ]
    return sorted(edges, key=lambda e: (order[e[0]], order[e[1]], e[2]))


_MERMAID_ENTITIES = str.maketrans(
    {"#": "#35;", '"': "#quot;", ";": "#59;", "<": "#lt;", ">": "#gt;"}
)


def _mermaid_text(text: str) -> str:
    """Text safe inside a Mermaid label: line breaks folded, quotes and separators as entities."""
    return " ".join(text.split()).translate(_MERMAID_ENTITIES)


def _mermaid_id(key: str) -> str:
    """A state key as a bare Mermaid identifier (route keys are snake_case already)."""
    return re.sub(r"\W", "_", key)


def to_mermaid(route: Route) -> str:
    """A Mermaid stateDiagram-v2 of the route."""
    node = _mermaid_id
    lines = ["stateDiagram-v2"]
    for s in route.states.values():
        lines.append(f'    state "{_mermaid_text(s.label)}" as {node(s.key)}')
    lines.append(f"    [*] --> {node(route.initial)}")
    for source, target, key, who in _edges(route):
        lines.append(f"    {node(source)} --> {node(target)} : {_mermaid_text(f'{key} ({who})')}")
    lines += [f"    {node(s.key)} --> [*]" for s in route.states.values() if s.final]
    return "\n".join(lines)


def _dot_id(text: str) -> str:
    """A double-quoted Graphviz ID with backslashes, quotes and line breaks escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


def to_dot(route: Route) -> str:
    """A Graphviz digraph of the route; final states are double circles."""
    lines = [
        f"digraph {_dot_id(route.key)} {{",
        f"    label={_dot_id(route.label)};",
        "    rankdir=LR;",
        "    node [shape=box, style=rounded];",
        '    "__start__" [shape=point, label=""];',
    ]
    for s in route.states.values():
        shape = ", shape=doublecircle" if s.final else ""
        lines.append(f"    {_dot_id(s.key)} [label={_dot_id(s.label)}{shape}];")
    lines.append(f'    "__start__" -> {_dot_id(route.initial)};')
    for source, target, key, who in _edges(route):
        label = _dot_id(f"{key} ({who})")
        lines.append(f"    {_dot_id(source)} -> {_dot_id(target)} [label={label}];")
    lines.append("}")
    return "\n".join(lines)
