"""Fields a policy pack requires where the route leaves them optional.

A route serves every pack, so a field some statutes demand and others do not is optional on
the route; the pack that follows such a statute requires it (New Zealand: a discloser told
that no further action will be taken is told why, Protected Disclosures Act 2022 s 13(1)(e)).
The pack's route is the shared route with those fields made required: the engine, the forms,
the API's workflow document and the reporter's page all read that one route.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from casework.workflow.definitions import DefinitionError, Route

KEYS = frozenset({"route", "transition", "fields", "source"})


@dataclass(frozen=True)
class Requirement:
    """Fields of one transition this pack requires, and the clause that says so."""

    route: str
    transition: str
    fields: frozenset[str]
    source: str = ""


def parse_requirements(raw, routes: Mapping[str, Route], source: str
                       ) -> tuple[Requirement, ...]:
    """The pack's `[[requires]]` tables, each naming optional fields of a known transition."""
    result = []
    for n, spec in enumerate(raw):
        where = f"requires[{n}]"
        unknown = sorted(set(spec) - KEYS)
        if unknown:
            raise DefinitionError(source, where, f"unknown fields {unknown}")
        route = routes.get(spec.get("route", ""))
        if route is None:
            raise DefinitionError(source, f"{where}.route", f"must be one of {sorted(routes)}")
        variants = route.transitions_named(spec.get("transition", ""))
        if not variants:
            raise DefinitionError(source, f"{where}.transition",
                                  f"{route.key} has no such transition")
        fields = frozenset(spec.get("fields", ()))
        for variant in variants:
            optional = {f.name for f in variant.requires if f.optional}
            if not fields or not fields <= optional:
                raise DefinitionError(source, f"{where}.fields", (
                    f"must name optional fields of {variant.key}: {sorted(optional)}"))
        result.append(Requirement(route.key, variants[0].key, fields, spec.get("source", "")))
    return tuple(result)


def tightened(route: Route, requirements: tuple[Requirement, ...]) -> Route:
    """The route with the fields these requirements name made required."""
    mine = {(r.transition, f) for r in requirements if r.route == route.key for f in r.fields}
    if not mine:
        return route
    transitions = tuple(replace(t, requires=tuple(
        replace(f, optional=False) if (t.key, f.name) in mine else f for f in t.requires))
        for t in route.transitions)
    return replace(route, transitions=transitions)
