"""Escalation and conflict rules: which queue a case goes to, and why, in plain words."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from casework.i18n import SOURCE, language
from casework.workflow.policy import Level, PolicyPack, Rule


@dataclass(frozen=True)
class PersonFacts:
    """What routing needs to know of a directory entry."""

    id: int
    roles: frozenset[str]
    manager_id: int | None = None


@dataclass(frozen=True)
class RoutingInput:
    """The facts of a report that routing looks at."""

    route: str
    category: str
    implicated: frozenset[int]
    reporter_person: int | None = None
    #: The queue a handler chose at triage: it stands in for the route's default queue.
    chosen_queue: str | None = None
    #: What the reporter said on the form (pack statements) and whom they asked to raise the
    #: concern with (a pack level): a level's queue stands in for the default, below triage.
    statements: frozenset[str] = frozenset()
    raise_with: str | None = None


@dataclass(frozen=True)
class RoutingDecision:
    """One queue, the reasons for it, and any actions the rules require (e.g. a police referral).
    `forced`: a rule decided the queue (a handler's choice gives way to it). `conflicted`: the
    queues routing met whose owner role is held by someone implicated in the case (passed
    over, or kept for want of a fallback)."""

    queue: str
    reasons: tuple[str, ...]
    actions: frozenset[str]
    escalate_to: int | None = None
    forced: bool = False
    conflicted: tuple[str, ...] = ()
    #: The person the reporter's chosen level names (their line manager, the next senior
    #: manager), when the reporter said who they are and the directory knows.
    asked_for: int | None = None


def route_case(
    pack: PolicyPack, facts: RoutingInput, directory: Mapping[int, PersonFacts]
) -> RoutingDecision:
    """Apply the pack's rules to a report; the highest-priority match decides, else the queue a
    handler chose at triage, else the route's default; then conflicts. The reasons are kept
    with the case, so the pack's words in them are English whatever the language of the
    moment (a report lodged from a page in French)."""
    with language(SOURCE):
        return _route_case(pack, facts, directory)


def _route_case(pack: PolicyPack, facts: RoutingInput,
                directory: Mapping[int, PersonFacts]) -> RoutingDecision:
    implicated_roles = _roles(facts.implicated, directory)
    level = pack.levels.get(facts.raise_with) if facts.raise_with else None
    matched = sorted(
        (r for r in pack.rules if _matches(r, pack, facts, directory, implicated_roles)),
        key=lambda r: -r.priority,
    )
    if matched:
        queue = matched[0].queue
        reasons = [_because(pack, matched[0])]
        reasons += [f"also: {r.reason}" + (f" ({r.source})" if r.source else "")
                    for r in matched[1:]]
    elif facts.chosen_queue in pack.queues:
        queue = facts.chosen_queue
        reasons = [f"{pack.queues[queue].label}: chosen at triage by a handler"]
    elif level is not None and level.queue is not None:
        queue = level.queue
        reasons = [f"{pack.queues[queue].label}: the reporter asked to raise it with "
                   f"{level.for_handlers}" + (f" ({level.source})" if level.source else "")]
    else:
        queue = pack.default_queues[facts.route]
        reasons = [f"{pack.queues[queue].label}: the usual place for this kind of report"]
    queue, steps, conflicted = _avoid_conflicts(pack, queue, implicated_roles)
    actions = frozenset().union(*(r.actions for r in matched)) if matched else frozenset()
    escalates = any(r.when == "line_manager_implicated" for r in matched)
    escalate = _next_senior_manager(facts, directory) if escalates else None
    if escalates and escalate is None:
        steps.append("the next senior manager could not be worked out: "
                     + ("the reporter did not say who they are" if facts.reporter_person is None
                        else "the directory does not name them, or they are implicated too"))
    asked = _asked_for(level, facts, directory)
    if level is not None and level.person is not None:
        steps.append(_level_note(level, facts, asked))
    return RoutingDecision(queue, tuple(reasons + steps), actions, escalate,
                           forced=bool(matched), conflicted=conflicted, asked_for=asked)


def _asked_for(level: Level | None, facts: RoutingInput,
               directory: Mapping[int, PersonFacts]) -> int | None:
    """The person a level names, unless they are implicated (they may not handle it)."""
    if level is None or level.person is None:
        return None
    reporter = directory.get(facts.reporter_person) if facts.reporter_person else None
    if level.person == "line_manager":
        found = reporter.manager_id if reporter else None
    else:
        found = _next_senior_manager(facts, directory)
    return found if found is not None and found not in facts.implicated else None


def _level_note(level: Level, facts: RoutingInput, asked: int | None) -> str:
    said = f"the reporter asked to raise it with {level.for_handlers}" + (
        f" ({level.source})" if level.source else "")
    if asked is not None:
        return f"{said}: the directory names them below"
    if facts.reporter_person is None:
        return f"{said}; they did not say who they are, so the directory cannot name them"
    return f"{said}; the directory does not name them, or they are implicated"


def _because(pack: PolicyPack, rule: Rule) -> str:
    source = f" ({rule.source})" if rule.source else ""
    return f"routed to {pack.queues[rule.queue].label} because: {rule.reason}{source}"


def _roles(people: Collection[int], directory: Mapping[int, PersonFacts]) -> frozenset[str]:
    roles: set[str] = set()
    for pid in people:
        if pid in directory:
            roles |= directory[pid].roles
    return frozenset(roles)


def _matches(rule: Rule, pack: PolicyPack, facts: RoutingInput,
             directory: Mapping[int, PersonFacts], implicated_roles: frozenset[str]) -> bool:
    if rule.when == "implicated_role":
        return rule.param in implicated_roles
    if rule.when == "category_flag":
        category = pack.categories.get(facts.category)
        return category is not None and rule.param in category.flags
    if rule.when == "line_manager_implicated":
        if "line_manager_involved" in facts.statements:
            return True
        reporter = directory.get(facts.reporter_person) if facts.reporter_person else None
        return reporter is not None and reporter.manager_id in facts.implicated
    if rule.when == "reporter_says":
        return rule.param in facts.statements
    raise ValueError(f"unknown condition {rule.when!r}")


def _avoid_conflicts(pack: PolicyPack, queue: str, implicated_roles: frozenset[str]
                     ) -> tuple[str, list[str], tuple[str, ...]]:
    """Walk the fallback chain while the queue's owner is implicated in the case; the queue
    reached, the reasons, and the queues met whose owner is implicated."""
    steps, seen = [], [queue]
    current = pack.queues[queue]
    while current.owner_role and current.owner_role in implicated_roles:
        if not current.fallback or current.fallback in seen:
            steps.append(f"{current.label} is implicated and no fallback remains")
            break
        nxt = pack.queues[current.fallback]
        steps.append(f"routed to {nxt.label} because: {current.label} may not handle a case "
                     "in which they are implicated")
        seen.append(nxt.key)
        current = nxt
    return current.key, steps, tuple(q for q in seen
                                     if pack.queues[q].owner_role in implicated_roles)


def _next_senior_manager(facts: RoutingInput, directory: Mapping[int, PersonFacts]) -> int | None:
    """The line manager's own manager, if they exist and are not implicated themselves."""
    reporter = directory.get(facts.reporter_person) if facts.reporter_person else None
    manager = directory.get(reporter.manager_id) if reporter and reporter.manager_id else None
    nxt = manager.manager_id if manager else None
    return nxt if nxt is not None and nxt not in facts.implicated else None
