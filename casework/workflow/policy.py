"""Policy packs: an organisation's categories, departments, queues, routing rules and clocks."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from casework.workflow.definitions import DefinitionError, Route
from casework.workflow.engine import ClockRule

PACKS_DIR = Path(__file__).with_name("packs")
CONDITIONS = frozenset({"implicated_role", "category_flag", "line_manager_implicated"})
PERSON_ROLES = frozenset(
    {"chief_executive", "monitoring_officer", "head_of_internal_audit", "hr_manager", "director"}
)
COUNTING = frozenset({"calendar", "working"})


@dataclass(frozen=True)
class Category:
    """A kind of concern a reporter may choose, with the flags routing rules look at."""

    key: str
    label: str
    routes: frozenset[str]
    flags: frozenset[str] = frozenset()
    description: str = ""


@dataclass(frozen=True)
class Queue:
    """Where cases wait: owned by whoever holds a directory role, with a fallback if conflicted."""

    key: str
    label: str
    owner_role: str | None = None
    fallback: str | None = None


@dataclass(frozen=True)
class Rule:
    """One escalation rule: a named condition, the queue it sends a case to, and why."""

    when: str
    queue: str
    reason: str
    source: str
    priority: int
    param: str | None = None
    actions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Clock:
    """A statutory or policy deadline, started and stopped by transitions."""

    name: str
    label: str
    route: str
    rule: ClockRule
    days: int = 0
    months: int = 0
    counting: str = "calendar"


@dataclass(frozen=True)
class PolicyPack:
    """Everything an organisation chooses, loaded from one data file."""

    key: str
    label: str
    organisation: str
    jurisdiction: str
    subdivision: str | None
    retention_days: int
    default_queues: Mapping[str, str]
    categories: Mapping[str, Category]
    departments: Mapping[str, str]
    queues: Mapping[str, Queue]
    rules: tuple[Rule, ...]
    clocks: tuple[Clock, ...]
    external_bodies: tuple[str, ...]
    identity_reveal_roles: frozenset[str]

    def clock_rules(self, route: str) -> tuple[ClockRule, ...]:
        """The clock rules that apply to cases on a route."""
        return tuple(c.rule for c in self.clocks if c.route == route)

    def clock(self, route: str, name: str) -> Clock:
        """The clock called name on a route."""
        return next(c for c in self.clocks if c.route == route and c.name == name)

    def categories_for(self, route: str) -> list[Category]:
        """Categories a reporter may choose on a route."""
        return [c for c in self.categories.values() if route in c.routes]


def load_pack(name: str, routes: Mapping[str, Route], directory: Path = PACKS_DIR) -> PolicyPack:
    """Load and validate the pack called name against the loaded routes."""
    path = directory / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.toml")))
        raise DefinitionError(str(path), "(file)", f"no policy pack {name!r}; known: {known}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(str(path), "(file)", f"not valid TOML: {exc}") from exc
    return parse_pack(data, routes, str(path))


def parse_pack(data: Mapping, routes: Mapping[str, Route], source: str) -> PolicyPack:
    """Build a PolicyPack from parsed data, refusing references to anything unknown."""
    queues = {k: Queue(k, v.get("label", k), v.get("owner_role"), v.get("fallback"))
              for k, v in data.get("queues", {}).items()}
    for q in queues.values():
        if q.fallback and q.fallback not in queues:
            raise DefinitionError(source, f"queues.{q.key}.fallback",
                                  f"unknown queue {q.fallback!r}")
        if q.owner_role and q.owner_role not in PERSON_ROLES:
            raise DefinitionError(source, f"queues.{q.key}.owner_role",
                                  f"unknown role {q.owner_role!r}")
    defaults = dict(data.get("default_queues", {}))
    for route in routes:
        if defaults.get(route) not in queues:
            raise DefinitionError(source, f"default_queues.{route}", "missing or unknown queue")
    categories = _categories(data.get("categories", []), routes, source)
    return PolicyPack(
        key=data.get("key", Path(source).stem),
        label=data.get("label", ""),
        organisation=data.get("organisation", ""),
        jurisdiction=data.get("jurisdiction", ""),
        subdivision=data.get("subdivision"),
        retention_days=int(data.get("retention_days", 7 * 365)),
        default_queues=defaults,
        categories=categories,
        departments={d["key"]: d["label"] for d in data.get("departments", [])},
        queues=queues,
        rules=tuple(_rules(data.get("rules", []), queues, categories, source)),
        clocks=tuple(_clocks(data.get("clocks", []), routes, source)),
        external_bodies=tuple(data.get("external_bodies", [])),
        identity_reveal_roles=frozenset(data.get("identity_reveal_roles", ["intake"])),
    )


def _categories(raw, routes, source) -> dict[str, Category]:
    result = {}
    for spec in raw:
        key = spec["key"]
        if key in result:
            raise DefinitionError(source, f"categories.{key}", "duplicate key")
        cat_routes = frozenset(spec.get("routes", routes))
        if not cat_routes <= set(routes):
            raise DefinitionError(source, f"categories.{key}.routes", "unknown route")
        result[key] = Category(key, spec.get("label", key), cat_routes,
                               frozenset(spec.get("flags", ())), spec.get("description", ""))
    if not result:
        raise DefinitionError(source, "categories", "at least one category is required")
    return result


def _rules(raw, queues, categories, source):
    flags = frozenset().union(*(c.flags for c in categories.values()))
    for i, spec in enumerate(raw):
        where = f"rules[{i}]"
        if spec.get("when") not in CONDITIONS:
            raise DefinitionError(source, f"{where}.when",
                                  f"unknown condition {spec.get('when')!r}")
        if spec.get("queue") not in queues:
            raise DefinitionError(source, f"{where}.queue", f"unknown queue {spec.get('queue')!r}")
        param = spec.get("role") or spec.get("flag")
        if spec["when"] == "implicated_role" and param not in PERSON_ROLES:
            raise DefinitionError(source, f"{where}.role", f"unknown role {param!r}")
        if spec["when"] == "category_flag" and param not in flags:
            # A misspelt or missing flag would make the rule silently never match.
            raise DefinitionError(source, f"{where}.flag",
                                  f"no category has the flag {param!r}; known: {sorted(flags)}")
        yield Rule(spec["when"], spec["queue"], spec.get("reason", spec["when"]),
                   spec.get("source", ""), int(spec.get("priority", 0)), param,
                   frozenset(spec.get("actions", ())))


def _clocks(raw, routes, source):
    seen: set[tuple[str, str]] = set()
    for spec in raw:
        where = f"clocks.{spec.get('name')}"
        route = routes.get(spec.get("route"))
        if route is None:
            raise DefinitionError(source, f"{where}.route", f"unknown route {spec.get('route')!r}")
        if not spec.get("name") or (route.key, spec["name"]) in seen:
            # A case holds one clock per name: a duplicate would fail at the first lodge.
            raise DefinitionError(source, where, f"missing or duplicate name on {route.key!r}")
        seen.add((route.key, spec["name"]))
        keys = set(route.transition_keys) | {"lodge"}
        effects = {k: frozenset(spec.get(k, ())) for k in
                   ("start_on", "stop_on", "pause_on", "resume_on")}
        for name, given in effects.items():
            if not given <= keys:
                raise DefinitionError(source, f"{where}.{name}",
                                      f"unknown transitions {sorted(given - keys)}")
        if spec.get("counting", "calendar") not in COUNTING:
            raise DefinitionError(source, f"{where}.counting", "must be calendar or working")
        yield Clock(spec["name"], spec.get("label", spec["name"]), route.key,
                    ClockRule(spec["name"], **effects), int(spec.get("days", 0)),
                    int(spec.get("months", 0)), spec.get("counting", "calendar"))
