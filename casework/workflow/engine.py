"""The engine: one pure function decides whether a transition may fire and what follows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from casework.i18n import _, _l
from casework.workflow.definitions import THROUGH, FieldSpec, Route, Transition
from casework.workflow.guards import GUARDS

MAX_TEXT = 20_000


class Reason(str, Enum):  # noqa: UP042 (StrEnum would change str(reason))
    """Why a transition was refused; each maps to one HTTP status."""

    NOT_PERMITTED = "not_permitted"  # 403: this actor may not fire it
    NOT_FROM_STATE = "not_from_state"  # 409: not allowed from the current state
    INVALID_FIELDS = "invalid_fields"  # 422: fields missing or wrong
    UNKNOWN_TRANSITION = "unknown_transition"  # 422: no such transition on this route

    @property
    def status(self) -> int:
        """The HTTP status this refusal maps to."""
        return {"not_permitted": 403, "not_from_state": 409}.get(self.value, 422)


@dataclass(frozen=True)
class Snapshot:
    """What the engine knows of a case: its state and the facts recorded so far."""

    state: str
    facts: Mapping[str, object] = field(default_factory=dict)
    outcome: str | None = None
    #: The reporter reports what happened to someone else: the affected person's choices
    #: (Transition.affected_person) are not theirs to take.
    witness: bool = False


@dataclass(frozen=True)
class ClockRule:
    """A clock's effect on transitions: which start, stop, pause or resume it."""

    name: str
    start_on: frozenset[str] = frozenset()
    stop_on: frozenset[str] = frozenset()
    pause_on: frozenset[str] = frozenset()
    resume_on: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Event:
    """Something that follows from a decision: the transition itself or a clock change."""

    kind: str  # "transition", "clock_start", "clock_stop", "clock_pause", "clock_resume"
    name: str


@dataclass(frozen=True)
class Decision:
    """A transition the engine allows, with everything that follows from it."""

    transition: Transition
    source: str
    state: str
    outcome: str | None
    fields: Mapping[str, object]
    facts: Mapping[str, object]
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Refusal:
    """A transition the engine refuses, with the reason and, for 422, each bad field."""

    reason: Reason
    message: str
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        """The HTTP status for this refusal."""
        return self.reason.status


def decide(
    route: Route,
    snapshot: Snapshot,
    actor: frozenset[str],
    key: str,
    fields: Mapping[str, object] | None = None,
    clocks: Sequence[ClockRule] = (),
    through: str = "",
) -> Decision | Refusal:
    """Decide one transition attempt by an actor who is all of the given actor kinds. A step
    that only a service fires (its `through`) is refused unless that service asks."""
    variants = route.transitions_named(key)
    if not variants:
        return Refusal(Reason.UNKNOWN_TRANSITION, _(
            "%(route)s has no transition %(key)s", route=route.key, key=repr(key)),
            {"transition": _("unknown transition")})
    if not any(actor & t.who for t in variants):
        return Refusal(Reason.NOT_PERMITTED, _("you may not %(step)s on this case",
                                               step=key.replace("_", " ")))
    here = [t for t in variants if snapshot.state in t.sources]
    if not here:
        return Refusal(Reason.NOT_FROM_STATE, _("%(key)s is not possible from %(state)s",
                                                key=repr(key), state=repr(snapshot.state)))
    transition = here[0].as_seen_by(actor)
    if not actor & transition.who:
        return Refusal(Reason.NOT_PERMITTED, _("you may not %(step)s from here",
                                               step=key.replace("_", " ")))
    if not actor & who_may(transition, snapshot):
        return Refusal(Reason.NOT_PERMITTED, str(AFFECTED_PERSONS_CHOICE))
    if transition.through != through:
        words = key.replace("_", " ")
        return Refusal(Reason.NOT_PERMITTED, _(
            "you cannot %(step)s on its own: %(how)s", step=words,
            how=THROUGH[transition.through]) if transition.through
            else _("%(step)s is a step of its own", step=words))
    clean, errors = validate_fields(transition.requires, fields or {})
    for name in transition.guards if not errors else ():
        refused = GUARDS[name](snapshot.facts, clean)
        if refused:
            errors[refused[0]] = str(refused[1])
    if errors:
        return Refusal(Reason.INVALID_FIELDS, _("some fields need attention"), errors)
    return _allow(route, snapshot, transition, clean, clocks)


def _allow(route, snapshot, transition, clean, clocks) -> Decision:
    facts = dict(snapshot.facts)
    facts.update({f.name: clean[f.name] for f in transition.requires
                  if not f.confidential and f.name in clean})
    outcome = transition.outcome
    if transition.outcome_from:
        outcome = str(facts.get(transition.outcome_from))
    if not route.is_final(transition.target):
        outcome = None
    events = (Event("transition", transition.key), *clock_events(clocks, transition.key))
    return Decision(transition, snapshot.state, transition.target, outcome, clean, facts, events)


#: The pseudo-transitions lodging fires: "lodge" for every report, and another for a report a
#: witness made under their name (Canada: contact them within 7 days, SOR/2020-130 s 21).
LODGE_EVENTS = ("lodge", "lodged_by_named_witness")
#: The pseudo-transition of a reporter asking to meet in person (EU directive art 9(2)).
MEETING_REQUESTED = "meeting_requested"
#: Every pseudo-transition a service fires: clocks may start or stop on them.
SERVICE_EVENTS = (*LODGE_EVENTS, MEETING_REQUESTED)


def lodge_events(clocks: Iterable[ClockRule], *, named_witness: bool) -> tuple[Event, ...]:
    """The clock changes lodging a report causes (also when triage moves it to a new route)."""
    clocks = tuple(clocks)
    keys = LODGE_EVENTS if named_witness else LODGE_EVENTS[:1]
    return tuple(e for key in keys for e in clock_events(clocks, key))


AFFECTED_PERSONS_CHOICE = _l("this is for the person it happened to to choose: the person "
                             "handling the report records their choice")


def who_may(transition: Transition, snapshot: Snapshot) -> frozenset[str]:
    """Who may take a step on this case: not a witness, where the choice is the affected
    person's."""
    if transition.affected_person and snapshot.witness:
        return transition.who - {"reporter"}
    return transition.who


def clock_events(clocks: Iterable[ClockRule], key: str) -> tuple[Event, ...]:
    """The clock changes a transition causes; the pseudo-transition "lodge" starts intake clocks."""
    events = []
    for rule in clocks:
        for kind, keys in (("clock_start", rule.start_on), ("clock_stop", rule.stop_on),
                           ("clock_pause", rule.pause_on), ("clock_resume", rule.resume_on)):
            if key in keys:
                events.append(Event(kind, rule.name))
    return tuple(events)


def validate_fields(
    specs: Sequence[FieldSpec], given: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, str]]:
    """Check submitted fields against a transition's requirements; returns (clean, errors).

    An optional field left out or blank is not in clean at all, so it is never recorded."""
    clean: dict[str, object] = {}
    errors: dict[str, str] = {}
    expected = {s.name for s in specs}
    for name in given:
        if name not in expected:
            errors[name] = _("not expected for this step")
    for spec in specs:
        if spec.optional and _blank(given.get(spec.name)):
            continue
        value, problem = _check(spec, given.get(spec.name))
        if problem:
            errors[spec.name] = problem
        else:
            clean[spec.name] = value
    return clean, errors


def _blank(value: object) -> bool:
    """Not given: missing, null, or text that is only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def _check(spec: FieldSpec, value: object) -> tuple[object, str | None]:
    if _blank(value):
        return None, _("required")
    if spec.type == "bool":
        if not isinstance(value, bool):
            return None, _("must be true or false")
        if spec.must_be_true and not value:
            return None, _("must be true to take this step")
        return value, None
    if not isinstance(value, str):
        return None, _("must be text")
    if spec.type == "choice" and value not in spec.choices:
        return None, _("must be one of: %(choices)s", choices=", ".join(spec.choices))
    if len(value) > MAX_TEXT:
        return None, _("must be at most %(limit)s characters", limit=MAX_TEXT)
    return value.strip(), None


def allowed_transitions(
    route: Route, snapshot: Snapshot, actor: frozenset[str]
) -> list[Transition]:
    """The transitions this actor may fire now, for buttons and the API (not the steps only a
    service fires)."""
    return [t.as_seen_by(actor) for t in route.transitions
            if snapshot.state in t.sources and actor & who_may(t, snapshot) and not t.through]


class ReplayError(Exception):
    """Stored events do not form a valid path through the route."""


def replay(route: Route, steps: Iterable[tuple[str, str, Mapping[str, object]]]) -> Snapshot:
    """Fold stored (transition key, from state, recorded facts) steps into a snapshot."""
    snapshot = Snapshot(route.initial)
    for key, source, facts in steps:
        if source != snapshot.state:
            raise ReplayError(f"event {key!r} claims to start from {source!r}, "
                              f"but the case was in {snapshot.state!r}")
        matches = [t for t in route.transitions_named(key) if source in t.sources]
        if not matches:
            raise ReplayError(f"{key!r} is not a transition from {source!r}")
        transition = matches[0]
        merged = {**snapshot.facts, **facts}
        outcome = transition.outcome
        if transition.outcome_from:
            if not merged.get(transition.outcome_from):
                raise ReplayError(f"{key!r} takes its outcome from {transition.outcome_from!r}, "
                                  "which was never recorded")
            outcome = str(merged[transition.outcome_from])
        if not route.is_final(transition.target):
            outcome = None
        snapshot = Snapshot(transition.target, merged, outcome)
    return snapshot
