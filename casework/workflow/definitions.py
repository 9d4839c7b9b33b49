"""Route definitions: frozen data loaded from TOML files and validated before the app starts."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from casework.i18n import _l
from casework.workflow.guards import GUARDS
from casework.workflow.texts import localise

ROUTES_DIR = Path(__file__).with_name("routes")
FIELD_TYPES = frozenset({"bool", "text", "choice"})
ACTOR_KINDS = frozenset({"reporter", "handler", "investigator", "decision_maker"})
ANY_OPEN = "*"
#: Services that fire a step of their own (a transition's `through`), and how a person takes
#: that step instead of firing it.
THROUGH = {"links": _l("link the case to the one it duplicates")}


class DefinitionError(Exception):
    """A route definition file is invalid; the message names the file and the key."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source, self.key, self.problem = source, key, problem


@dataclass(frozen=True)
class FieldSpec:
    """A field a transition asks for: its type, allowed choices, whether it must be true, and
    whether it may be left out (an optional field left blank is not recorded at all)."""

    name: str
    type: str
    label: str = ""
    choices: tuple[str, ...] = ()
    must_be_true: bool = False
    shown_to_reporter: bool = False
    optional: bool = False
    #: How a field shown to the reporter is headed on their page (the label is for staff).
    reporter_label: str = ""

    @property
    def confidential(self) -> bool:
        """Free text is confidential content; booleans and choices are facts."""
        return self.type == "text"


@dataclass(frozen=True)
class Transition:
    """One way out of one or more states."""

    key: str
    sources: frozenset[str]
    target: str
    who: frozenset[str]
    label: str = ""
    requires: tuple[FieldSpec, ...] = ()
    outcome: str | None = None
    outcome_from: str | None = None
    guards: tuple[str, ...] = ()
    #: Fields only some actors must give: (actor kind, fields) pairs. A handler who records a
    #: withdrawal for the reporter says why and how the reporter asked; the reporter does not.
    requires_of: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = ()
    #: The words on the reporter's own button for this step (their label when none is set).
    reporter_label: str = ""
    #: What the step means, asked before the reporter takes it (no confirmation when empty).
    reporter_confirm: str = ""
    #: The step once taken, as the record reads it ("Receipt acknowledged"); its label if unset.
    done_label: str = ""
    #: The one service that fires this step (e.g. "links": a merge happens by linking a case
    #: to another as its duplicate). Such a step is never offered as a button nor fired on its
    #: own: it needs what that service supplies (the case it merges into).
    through: str = ""
    #: The choice is the affected person's (how a harassment complaint is resolved): a
    #: reporter who reports what happened to someone else may not take it; a handler records
    #: it for the affected person.
    affected_person: bool = False

    def as_seen_by(self, actor: frozenset[str]) -> Transition:
        """This transition with the fields this actor must give. An actor who may fire it in
        a capacity with no extra fields gives none (a reporter withdrawing their own report)."""
        extras = dict(self.requires_of)
        kinds = actor & self.who
        if not extras or not kinds or any(k not in extras for k in kinds):
            return self
        more = tuple(f for k in sorted(kinds) for f in extras[k])
        return replace(self, requires=self.requires + more)


@dataclass(frozen=True)
class Outcome:
    """How a route's outcome reads to staff and to the reporter."""

    key: str
    label: str
    reporter_label: str
    #: Whether closing with this outcome meets the deadlines still running. A withdrawal, a
    #: merge or the reporter going elsewhere ends them without meeting them: "stopped".
    meets_clocks: bool = True
    #: Whether the reporter is asked about detriment after closing with it. Not after a
    #: report found malicious (officers' code 5.5: a disciplinary matter, not a protected one).
    aftercare: bool = True


@dataclass(frozen=True)
class State:
    """A stage of a case."""

    key: str
    label: str
    reporter_label: str
    final: bool = False
    #: What a reporter who is a witness reads of this stage (their reporter_label if unset).
    witness_label: str = ""


@dataclass(frozen=True)
class Route:
    """A whole workflow: its states, its initial state and its transitions."""

    key: str
    label: str
    initial: str
    states: Mapping[str, State]
    transitions: tuple[Transition, ...]
    source: str = field(default="", compare=False)
    outcomes: Mapping[str, Outcome] = field(default_factory=dict, compare=False)

    def state(self, key: str) -> State:
        """The state called key."""
        return self.states[key]

    def transitions_named(self, key: str) -> tuple[Transition, ...]:
        """Every variant of the transition called key (one per group of source states)."""
        return tuple(t for t in self.transitions if t.key == key)

    @property
    def transition_keys(self) -> tuple[str, ...]:
        """Distinct transition keys in definition order."""
        return tuple(dict.fromkeys(t.key for t in self.transitions))

    def is_final(self, state: str) -> bool:
        """Whether a case in this state is closed."""
        return self.states[state].final

    def outcome(self, key: str | None) -> Outcome | None:
        """An outcome's words, if the case has one."""
        return self.outcomes.get(key) if key else None

    def reporter_fields(self) -> frozenset[tuple[str, str]]:
        """(transition key, field name) of every field the reporter is shown."""
        return frozenset((t.key, f.name) for t in self.transitions
                         for f in t.requires if f.shown_to_reporter)


def load_route(path: Path) -> Route:
    """Read and validate one route definition file."""
    source = str(path)
    try:
        data = localise(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(source, "(file)", f"not valid TOML: {exc}") from exc
    return parse_route(data, source)


def parse_route(data: Mapping, source: str = "<memory>") -> Route:
    """Build a Route from parsed data, refusing anything inconsistent."""
    key = _require(data, "route", source, "route")
    states = _parse_states(data.get("states"), source)
    initial = _require(data, "initial", source, "initial")
    if initial not in states:
        raise DefinitionError(source, "initial", f"unknown state {initial!r}")
    transitions = tuple(_parse_transitions(data.get("transitions"), states, source))
    outcomes = _parse_outcomes(data.get("outcomes", {}), source)
    route = Route(key, data.get("label", key), initial, states, transitions, source, outcomes)
    _check_graph(route)
    _check_outcomes(route)
    return route


def _require(data: Mapping, name: str, source: str, where: str):
    value = data.get(name)
    if not value:
        raise DefinitionError(source, where, f"missing {name!r}")
    return value


def _parse_states(raw, source: str) -> dict[str, State]:
    if not isinstance(raw, Mapping) or not raw:
        raise DefinitionError(source, "states", "at least one state is required")
    states = {}
    for key, spec in raw.items():
        _table(spec, source, f"states.{key}")
        label = spec.get("label", key.replace("_", " ").capitalize())
        reporter = spec.get("reporter_label", label)
        states[key] = State(key, label, reporter, bool(spec.get("final")),
                            spec.get("witness_label", reporter))
    if not any(s.final for s in states.values()):
        raise DefinitionError(source, "states", "no final state")
    return states


def _parse_transitions(raw, states: Mapping[str, State], source: str):
    if not isinstance(raw, list) or not raw:
        raise DefinitionError(source, "transitions", "at least one transition is required")
    seen: dict[str, set[str]] = {}
    open_states = frozenset(k for k, s in states.items() if not s.final)
    for spec in raw:
        _table(spec, source, "transitions")
        key = spec.get("key")
        if not key or not isinstance(key, str):
            raise DefinitionError(source, "transitions", "a transition has no key")
        where = f"transitions.{key}"
        sources = _sources(spec.get("from"), states, open_states, source, where)
        overlap = seen.setdefault(key, set()) & sources
        if overlap:
            raise DefinitionError(source, where, f"duplicate key from {sorted(overlap)}")
        seen[key] |= sources
        target = spec.get("to")
        if not isinstance(target, str) or target not in states:
            raise DefinitionError(source, where, f"unknown target state {target!r}")
        who = frozenset(_names(spec.get("who", ()), source, f"{where}.who"))
        if not who or not who <= ACTOR_KINDS:
            raise DefinitionError(source, where, f"unknown or missing actor kinds {sorted(who)}")
        guards = _names(spec.get("guards", ()), source, f"{where}.guards")
        for guard in guards:
            if guard not in GUARDS:
                raise DefinitionError(source, f"{where}.guards", f"unknown guard {guard!r}")
        yield Transition(
            key=key,
            sources=sources,
            target=target,
            who=who,
            label=spec.get("label", key.replace("_", " ").capitalize()),
            requires=tuple(_fields(spec.get("requires", {}), source, where)),
            outcome=spec.get("outcome"),
            outcome_from=spec.get("outcome_from"),
            guards=guards,
            requires_of=tuple(_requires_of(spec.get("requires_of", {}), who, source, where)),
            reporter_label=spec.get("reporter_label", ""),
            reporter_confirm=spec.get("reporter_confirm", ""),
            done_label=spec.get("done_label", ""),
            through=_through(spec, source, where),
            affected_person=_affected_person(spec, who, source, where),
        )


def _affected_person(spec: Mapping, who: frozenset[str], source: str, where: str) -> bool:
    value = spec.get("affected_person", False)
    if not isinstance(value, bool):
        raise DefinitionError(source, f"{where}.affected_person", "must be true or false")
    if value and "reporter" not in who:
        raise DefinitionError(source, f"{where}.affected_person",
                              "only a step the reporter may take can be the affected person's")
    return value


def _through(spec: Mapping, source: str, where: str) -> str:
    value = spec.get("through", "")
    if value and value not in THROUGH:
        raise DefinitionError(source, f"{where}.through",
                              f"unknown service {value!r}; known: {sorted(THROUGH)}")
    return value


def _requires_of(raw, who: frozenset[str], source: str, where: str):
    for kind, fields in _table(raw, source, f"{where}.requires_of").items():
        if kind not in who:
            raise DefinitionError(source, f"{where}.requires_of.{kind}",
                                  "not one of the actors who may fire this transition")
        yield kind, tuple(_fields(fields, source, f"{where}.requires_of.{kind}", nested=False))


def _parse_outcomes(raw, source: str) -> dict[str, Outcome]:
    outcomes = {}
    for key, spec in _table(raw, source, "outcomes").items():
        _table(spec, source, f"outcomes.{key}")
        label = spec.get("label", key.replace("_", " "))
        flags = {}
        for name in ("meets_clocks", "aftercare"):
            flags[name] = spec.get(name, True)
            if not isinstance(flags[name], bool):
                raise DefinitionError(source, f"outcomes.{key}.{name}", "must be true or false")
        outcomes[key] = Outcome(key, label, spec.get("reporter_label", label), **flags)
    return outcomes


def _check_outcomes(route: Route) -> None:
    """Every outcome a case can close with has words, for staff and for the reporter."""
    if not route.outcomes:
        return
    for t in route.transitions:
        possible = [t.outcome] if t.outcome else []
        if t.outcome_from:
            possible += [c for tr in route.transitions for f in tr.requires
                         if f.name == t.outcome_from for c in f.choices]
        for key in possible:
            if key not in route.outcomes:
                raise DefinitionError(route.source, f"transitions.{t.key}",
                                      f"outcome {key!r} has no words under [outcomes]")


def _table(value, source: str, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise DefinitionError(source, where, "must be a table")
    return value


def _names(value, source: str, where: str) -> tuple[str, ...]:
    """A list of names (actor kinds, guards, choices), refusing anything else."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise DefinitionError(source, where, "must be a list of names")
    return tuple(value)


def _sources(raw, states, open_states, source: str, where: str) -> frozenset[str]:
    if raw is not None and not isinstance(raw, str | list):
        raise DefinitionError(source, f"{where}.from", "must be a state or a list of states")
    names = [raw] if isinstance(raw, str) else list(raw or ())
    if not names:
        raise DefinitionError(source, f"{where}.from", "no source states")
    result: set[str] = set()
    for name in names:
        if name == ANY_OPEN:
            result |= open_states
        elif not isinstance(name, str) or name not in states:
            raise DefinitionError(source, f"{where}.from", f"unknown state {name!r}")
        elif states[name].final:
            raise DefinitionError(source, f"{where}.from", f"final state {name!r} has no exits")
        else:
            result.add(name)
    return frozenset(result)


def _flag(spec: Mapping, name: str, source: str, where: str) -> bool:
    """An on/off key of a field (absent means off), refusing anything but true or false."""
    value = spec.get(name, False)
    if not isinstance(value, bool):
        raise DefinitionError(source, f"{where}.{name}", "must be true or false")
    return value


def _fields(raw: Mapping, source: str, where: str, nested: bool = True):
    base = f"{where}.requires" if nested else where
    for name, spec in _table(raw, source, base).items():
        here = f"{base}.{name}"
        _table(spec, source, here)
        ftype = spec.get("type")
        if not isinstance(ftype, str) or ftype not in FIELD_TYPES:
            raise DefinitionError(source, here, f"unknown type {ftype!r}")
        choices = _names(spec.get("choices", []), source, f"{here}.choices")
        if (ftype == "choice") != bool(choices):
            raise DefinitionError(source, here, "choices go with type 'choice' only")
        must_be_true, optional = (_flag(spec, key, source, here)
                                  for key in ("must_be_true", "optional"))
        if must_be_true and optional:
            raise DefinitionError(source, here, "a must_be_true field cannot be optional")
        yield FieldSpec(
            name=name,
            type=ftype,
            label=spec.get("label", name.replace("_", " ").capitalize()),
            choices=choices,
            must_be_true=must_be_true,
            shown_to_reporter=_flag(spec, "shown_to_reporter", source, here),
            optional=optional,
            reporter_label=str(spec.get("reporter_label", "")),
        )


def _check_graph(route: Route) -> None:
    """Every state reachable from the initial one; every open state has a way out."""
    reachable, frontier = {route.initial}, [route.initial]
    while frontier:
        here = frontier.pop()
        for t in route.transitions:
            if here in t.sources and t.target not in reachable:
                reachable.add(t.target)
                frontier.append(t.target)
    for key, state in route.states.items():
        if key not in reachable:
            raise DefinitionError(
                route.source, f"states.{key}", "unreachable from the initial state"
            )
        if not state.final and not any(key in t.sources for t in route.transitions):
            raise DefinitionError(route.source, f"states.{key}", "not final but has no way out")
    for t in route.transitions:
        recorded = [f for tr in route.transitions for f in tr.requires
                    if f.name == t.outcome_from]
        if t.outcome_from and not recorded:
            raise DefinitionError(
                route.source, f"transitions.{t.key}.outcome_from",
                f"no transition records a field {t.outcome_from!r}",
            )
        if any(f.optional for f in recorded):  # a case could close with no outcome
            raise DefinitionError(
                route.source, f"transitions.{t.key}.outcome_from",
                f"the field {t.outcome_from!r} is optional somewhere; an outcome must be given",
            )


def load_routes(directory: Path = ROUTES_DIR) -> dict[str, Route]:
    """Load every route definition in a directory, keyed by route."""
    routes: dict[str, Route] = {}
    for path in sorted(directory.glob("*.toml")):
        route = load_route(path)
        if route.key in routes:
            raise DefinitionError(str(path), "route", f"duplicate route {route.key!r}")
        routes[route.key] = route
    if not routes:
        raise DefinitionError(str(directory), "(directory)", "no route definitions found")
    return routes
