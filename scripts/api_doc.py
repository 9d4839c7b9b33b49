"""The generated parts of docs/API.md: the route tables from the route files, and the queues
from the default policy pack.

    .venv/bin/python scripts/api_doc.py            print the generated parts
    .venv/bin/python scripts/api_doc.py --write    rewrite them in docs/API.md
    .venv/bin/python scripts/api_doc.py --check    exit 1 if docs/API.md differs

Each part sits between `<!-- generated: NAME -->` and `<!-- end generated -->`;
tests/test_docs_api.py fails when one differs from what this prints.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from casework.config import Settings
from casework.workflow.definitions import FieldSpec, Route, Transition, load_routes
from casework.workflow.policy import PolicyPack, load_pack

DOC = Path(__file__).resolve().parent.parent / "docs" / "API.md"
BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def _field(spec: FieldSpec) -> str:
    notes = []
    if spec.optional:
        notes.append("optional")
    if spec.type == "bool":
        notes.append("true/false")
    if spec.must_be_true:
        notes.append("must be true")
    if spec.shown_to_reporter:
        notes.append("the reporter reads it")
    text = f"`{spec.name}`" + (f" ({', '.join(notes)})" if notes else "")
    return text + (": " + ", ".join(spec.choices) if spec.choices else "")


def _fields(specs: tuple[FieldSpec, ...]) -> str:
    return "; ".join(_field(f) for f in specs)


def _requires(t: Transition) -> str:
    """What the caller sends in `fields`; extra fields only some actors give, by actor."""
    extras = dict(t.requires_of)
    if not extras:
        return _fields(t.requires)
    given = [f"{kind.capitalize()}: {_fields(t.requires + extras.get(kind, ())) or 'nothing'}."
             for kind in sorted(t.who)]
    return " ".join(given)


def _ends(route: Route, t: Transition) -> str:
    if t.outcome:
        return f"{t.target} (outcome `{t.outcome}`)"
    if t.outcome_from:
        return f"{t.target} (outcome = the `{t.outcome_from}` recorded)"
    return t.target


def _sources(route: Route, t: Transition) -> str:
    open_states = {k for k, s in route.states.items() if not s.final}
    if t.sources == open_states and len(open_states) > 1:
        return "any open state"
    return ", ".join(k for k in route.states if k in t.sources)


#: How a step that only a service fires is taken (a transition's `through`).
THROUGH = {"links": "`POST /cases/{ref}/links` with kind `duplicate`"}


def route_table(route: Route) -> str:
    """The route's states, transitions and outcomes as Markdown."""
    lines = [f"#### Route `{route.key}`: {route.label}", "",
             "| state | label | |", "|---|---|---|"]
    for state in route.states.values():
        mark = "start" if state.key == route.initial else ("closed" if state.final else "")
        lines.append(f"| `{state.key}` | {state.label} | {mark} |")
    lines += ["", "| transition | from → to | requires (`fields`) | who |", "|---|---|---|---|"]
    for t in route.transitions:
        who = " or ".join(sorted(t.who)) + (f", only by {THROUGH[t.through]}" if t.through
                                             else "")
        lines.append(f"| `{t.key}` | {_sources(route, t)} → {_ends(route, t)} | "
                     f"{_requires(t)} | {who} |")
    reached = _outcomes_reached(route)
    lines += ["", "| outcome | label | the reporter reads |", "|---|---|---|"]
    lines += [f"| `{o.key}` | {o.label}{'' if o.key in reached else ' (no step ends with it yet)'}"
              f" | {o.reporter_label} |" for o in route.outcomes.values()]
    return "\n".join(lines)


def _outcomes_reached(route: Route) -> set[str]:
    """Outcomes some transition closes a case with (named, or a choice it takes them from)."""
    named = {t.outcome for t in route.transitions if t.outcome}
    chosen = {c for t in route.transitions if t.outcome_from for u in route.transitions
              for f in u.requires if f.name == t.outcome_from for c in f.choices}
    return named | chosen


def queue_table(pack: PolicyPack) -> str:
    """The pack's queues: owner, fallback and the routes whose cases start there."""
    lines = ["| queue | owner (directory role) | falls back to | default for |",
             "|---|---|---|---|"]
    for key, queue in pack.queues.items():
        owner = f"`{queue.owner_role}`" if queue.owner_role else "none (a second administrator)"
        if queue.recipient:
            owner = "outside the organisation (a case here is handed over)"
        fallback = f"`{queue.fallback}`" if queue.fallback else "(end of the chain)"
        default = ", ".join(f"`{r}`" for r, q in pack.default_queues.items() if q == key)
        lines.append(f"| `{key}` | {owner} | {fallback} | {default} |")
    return "\n".join(lines)


#: The pack a new installation runs (CASEWORK_POLICY unset).
DEFAULT_PACK = Settings.from_env({}).policy


def generated(pack_name: str = DEFAULT_PACK) -> dict[str, str]:
    """Every generated part by name (the queues from the default pack unless one is named)."""
    routes = load_routes()
    pack = load_pack(pack_name, routes)
    parts = {f"route_{key}": route_table(route) for key, route in routes.items()}
    parts["queues"] = queue_table(pack)
    return parts


def blocks(text: str) -> dict[str, str]:
    """The generated parts as docs/API.md holds them now."""
    return {m.group(2): m.group(3).rstrip("\n") for m in BLOCK.finditer(text)}


def rewrite(text: str, parts: dict[str, str]) -> str:
    """The document with each generated part replaced by its new text."""
    return BLOCK.sub(lambda m: f"{m.group(1)}{parts[m.group(2)]}\n{m.group(4)}", text)


def main(argv: list[str]) -> int:
    parts = generated()
    if "--write" in argv:
        DOC.write_text(rewrite(DOC.read_text(), parts))
        return 0
    if "--check" in argv:
        stale = sorted(k for k, v in parts.items() if blocks(DOC.read_text()).get(k) != v)
        if stale:
            print(f"docs/API.md is out of date ({', '.join(stale)}): run "
                  f"scripts/api_doc.py --write")
        return 1 if stale else 0
    for name, text in parts.items():
        print(f"<!-- generated: {name} -->\n{text}\n<!-- end generated -->\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
