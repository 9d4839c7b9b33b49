"""Policy packs: an organisation's categories, departments, queues, routing rules and clocks."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casework.workflow.clocks import (
    Clock,
    Milestone,
    parse_clocks,
    parse_milestones,
    whole_number,
)
from casework.workflow.definitions import DefinitionError, Route
from casework.workflow.engine import ClockRule
from casework.workflow.required import Requirement, parse_requirements, tightened
from casework.workflow.texts import localise

PACKS_DIR = Path(__file__).with_name("packs")
CLOCK_SETS_DIR = PACKS_DIR / "clocks"
SET_FIELDS = frozenset({"label", "source", "clocks", "milestones"})
CONDITIONS = frozenset({"implicated_role", "category_flag", "line_manager_implicated",
                        "reporter_says"})
#: What a reporter may say on the form that routing looks at (a pack offers those it uses). The
#: line-manager statement makes the condition line_manager_implicated true.
STATEMENTS = frozenset({"line_manager_involved", "condoned", "local_channels_tried"})
#: How the reporter knows what they report, in their words (the form) and a handler's.
RELATIONS = {"affected": ("It happened to me", "It happened to the reporter"),
             "saw": ("I saw it happen to someone else", "A witness: the reporter saw it"),
             "told": ("Someone told me about it", "Told of it: the reporter did not see it")}
#: Whom a level a reporter may choose names, worked out from the directory.
LEVEL_PEOPLE = frozenset({"line_manager", "next_senior_manager"})
PERSON_ROLES = frozenset(
    {"chief_executive", "monitoring_officer", "head_of_internal_audit", "hr_manager", "director"}
)


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
    #: A body outside the organisation: a case that reaches this queue is handed over to it
    #: as a recorded referral (nobody inside may be able to see it).
    recipient: str | None = None


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
class Level:
    """Someone the reporter may ask to raise the concern with: a queue, or a person the
    directory names (their line manager, the next senior manager), or both."""

    key: str
    label: str
    queue: str | None = None
    person: str | None = None
    source: str = ""
    #: The level in a handler's words ("their line manager"); the reporter's label if unset.
    handler_label: str = ""

    @property
    def for_handlers(self) -> str:
        """How handlers read the level."""
        return self.handler_label or self.label


@dataclass(frozen=True)
class ReleaseGround:
    """A ground in law on which the reporter's identity may be released outside those who
    handle the case (NZ Protected Disclosures Act 2022 s 17; EU directive art 16), in staff and
    reporter words; `consult`: the discloser is consulted first where practicable."""

    key: str
    label: str
    reporter_label: str
    source: str = ""
    consult: bool = False


@dataclass(frozen=True)
class Statement:
    """Something a reporter may say on the form that routing rules look at."""

    key: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Question:
    """A question the report form asks on this pack (optional, in plain words), such as the
    New Zealand Act's "have you raised this anywhere else?" (s 13(1)(c)); the answer is sealed
    with the case and shown to those handling it."""

    key: str
    label: str
    hint: str
    routes: frozenset[str]
    source: str = ""


@dataclass(frozen=True)
class Support:
    """Support a complainant may have (NZ Sexual Harassment Guidelines, "Who to approach"):
    where support is available, in plain words for the reporter, and the kinds of support
    person they may name (whose name is sealed like their own identity), on these routes."""

    routes: frozenset[str]
    kinds: Mapping[str, str]
    information: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class PolicyPack:
    """Everything an organisation chooses, loaded from one data file and its clock sets."""

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
    milestones: Mapping[tuple[str, str], Milestone] = field(default_factory=dict)
    timezone: str = "UTC"
    due_soon_days: int = 7
    aftercare_months: tuple[int, ...] = (1, 3, 6)
    #: Statistics: the disclosure profile releases use unless a request names another, the
    #: month the financial year starts (FY periods), and the annual report shapes to publish.
    stats_profile: str = "standard"
    fiscal_year_start_month: int = 1
    annual_reports: tuple[str, ...] = ()
    aftercare_categories: Mapping[str, str] = field(default_factory=dict)
    clock_sets: tuple[str, ...] = ()
    #: Procedures inside the organisation a case may be referred to while it stays open (the
    #: disciplinary procedure after a report found malicious); with external_bodies, the
    #: bodies a referral record may name.
    internal_procedures: tuple[str, ...] = ()
    #: Whom the reporter may choose to raise the concern with, and what they may say that
    #: routing looks at (both offered on the report form, in this order).
    levels: Mapping[str, Level] = field(default_factory=dict)
    statements: Mapping[str, Statement] = field(default_factory=dict)
    #: Optional questions the report form asks, by key, in the pack's order.
    questions: Mapping[str, Question] = field(default_factory=dict)
    #: Support for complainants and the support person they may name (None: not offered).
    support: Support | None = None
    #: The grounds on which identifying information may be released (none: no release is
    #: recorded through Casework); the reporter is told before any release (EU art 16(3)).
    release_grounds: Mapping[str, ReleaseGround] = field(default_factory=dict)
    #: Fields the routes leave optional that this pack's statutes require.
    requirements: tuple[Requirement, ...] = ()
    #: The languages the pages offer, the first the default (casework.i18n; CASEWORK_LANGUAGES
    #: overrides): English alone unless the pack names more.
    languages: tuple[str, ...] = ("en",)
    _routes: dict = field(default_factory=dict, compare=False, repr=False)

    def route(self, shared: Route) -> Route:
        """The shared route as this pack runs it (its required fields required)."""
        if shared.key not in self._routes or self._routes[shared.key][0] is not shared:
            self._routes[shared.key] = (shared, tightened(shared, self.requirements))
        return self._routes[shared.key][1]

    @property
    def referral_bodies(self) -> tuple[str, ...]:
        """Every body or procedure a referral record may name, outside bodies first."""
        return self.external_bodies + self.internal_procedures

    def clock_rules(self, route: str) -> tuple[ClockRule, ...]:
        """The clock rules that apply to cases on a route."""
        return tuple(c.rule for c in self.clocks if c.route == route)

    def clock(self, route: str, name: str) -> Clock:
        """The clock called name on a route."""
        return next(c for c in self.clocks if c.route == route and c.name == name)

    def milestones_for(self, route: str) -> list[Milestone]:
        """Milestones a handler may record on a route, in definition order."""
        return [m for m in self.milestones.values() if m.route == route]

    def milestone(self, route: str, key: str) -> Milestone:
        """The milestone called key on a route."""
        return self.milestones[(route, key)]

    def categories_for(self, route: str) -> list[Category]:
        """Categories a reporter may choose on a route."""
        return [c for c in self.categories.values() if route in c.routes]


def load_pack(name: str, routes: Mapping[str, Route], directory: Path = PACKS_DIR,
              clock_dir: Path = CLOCK_SETS_DIR) -> PolicyPack:
    """Load and validate the pack called name (and its clock sets) against the loaded routes."""
    path = directory / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.toml")))
        raise DefinitionError(str(path), "(file)", f"no policy pack {name!r}; known: {known}")
    return parse_pack(_read(path), routes, str(path), clock_dir)


def _read(path: Path) -> dict:
    try:
        return localise(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(str(path), "(file)", f"not valid TOML: {exc}") from exc


def _check_chain(queues: Mapping[str, Queue], start: Queue, source: str) -> None:
    """Every queue's fallbacks end at a recipient outside the organisation, so no case can be
    left where nobody may see it."""
    seen, queue = {start.key}, start
    while queue.recipient is None:
        if queue.fallback is None or queue.fallback not in queues:
            raise DefinitionError(source, f"queues.{start.key}.fallback", (
                "the fallback chain must end at a queue with a recipient (an outside body)"))
        if queue.fallback in seen:
            raise DefinitionError(source, f"queues.{start.key}.fallback",
                                  f"the fallback chain loops at {queue.fallback!r}")
        seen.add(queue.fallback)
        queue = queues[queue.fallback]
    if queue is start and start.fallback:
        raise DefinitionError(source, f"queues.{start.key}.fallback",
                              "a recipient outside the organisation has no fallback")


def parse_pack(data: Mapping, routes: Mapping[str, Route], source: str,
               clock_dir: Path = CLOCK_SETS_DIR) -> PolicyPack:
    """Build a PolicyPack from parsed data, refusing references to anything unknown."""
    queues = {k: Queue(k, v.get("label", k), v.get("owner_role"), v.get("fallback"),
                       v.get("recipient"))
              for k, v in data.get("queues", {}).items()}
    for q in queues.values():
        if q.fallback and q.fallback not in queues:
            raise DefinitionError(source, f"queues.{q.key}.fallback",
                                  f"unknown queue {q.fallback!r}")
        if q.owner_role and q.owner_role not in PERSON_ROLES:
            raise DefinitionError(source, f"queues.{q.key}.owner_role",
                                  f"unknown role {q.owner_role!r}")
        _check_chain(queues, q, source)
    defaults = dict(data.get("default_queues", {}))
    for route in routes:
        if defaults.get(route) not in queues:
            raise DefinitionError(source, f"default_queues.{route}", "missing or unknown queue")
    categories = _categories(data.get("categories", []), routes, source)
    sets = _clock_set_names(data.get("clock_sets", []), clock_dir, source)
    tables = [*(_clock_set(clock_dir / f"{n}.toml") for n in sets), (source, data)]
    milestones = parse_milestones(tables, routes)
    aftercare = _aftercare(data, routes, categories, source)
    statements = _statements(data.get("statements", []), source)
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
        rules=tuple(_rules(data.get("rules", []), queues, categories, source, statements)),
        clocks=parse_clocks(tables, routes, milestones, country=data.get("jurisdiction", ""),
                            subdivision=data.get("subdivision")),
        external_bodies=tuple(data.get("external_bodies", [])),
        internal_procedures=tuple(data.get("internal_procedures", [])),
        identity_reveal_roles=frozenset(data.get("identity_reveal_roles", ["intake"])),
        milestones=milestones,
        timezone=_timezone(data.get("timezone", "UTC"), source),
        due_soon_days=whole_number(data.get("due_soon_days", 7), source, "due_soon_days"),
        aftercare_months=aftercare[0],
        aftercare_categories=aftercare[1],
        clock_sets=sets,
        levels=_levels(data.get("raise_with", []), queues, source),
        statements=statements,
        questions=_questions(data.get("questions", []), routes, source),
        support=_support(data.get("support"), routes, source),
        release_grounds=_release_grounds(data.get("release_grounds", []), source),
        requirements=parse_requirements(data.get("requires", []), routes, source),
        languages=_languages(data.get("languages", ["en"]), source),
        **_statistics(data, source),
    )


def _languages(codes, source: str) -> tuple[str, ...]:
    if not isinstance(codes, list) or not codes or \
            not all(isinstance(c, str) and re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", c)
                    for c in codes):
        raise DefinitionError(source, "languages",
                              "must be a list of language codes such as [\"en\", \"fr\"]")
    return tuple(codes)


#: The statistics profiles (casework.stats.disclosure.PROFILES) and annual report shapes
#: (casework.services.annual) a pack may name; listed here so the workflow layer stays pure.
STATS_PROFILES = frozenset({"standard", "strict", "threshold10"})
ANNUAL_REPORTS = frozenset({"vic-pid-s68", "cwlth-pid-s76", "canada-psdpa", "canada-harassment",
                            "eu-directive-art27", "monitoring-officer"})


def _statistics(data: Mapping, source: str) -> dict:
    stats = data.get("statistics", {})
    profile = stats.get("profile", "standard")
    if profile not in STATS_PROFILES:
        raise DefinitionError(source, "statistics.profile",
                              f"unknown profile {profile!r}; known: {sorted(STATS_PROFILES)}")
    month = stats.get("fiscal_year_start_month", 1)
    if month not in (1, 4, 7, 10):
        raise DefinitionError(source, "statistics.fiscal_year_start_month",
                              "must be 1, 4, 7 or 10 (a financial year of whole quarters)")
    reports = tuple(stats.get("annual_reports", ()))
    unknown = sorted(set(reports) - ANNUAL_REPORTS)
    if unknown:
        raise DefinitionError(source, "statistics.annual_reports",
                              f"unknown report {unknown[0]!r}; known: {sorted(ANNUAL_REPORTS)}")
    return {"stats_profile": profile, "fiscal_year_start_month": month,
            "annual_reports": reports}


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


def _levels(raw, queues, source) -> dict[str, Level]:
    result: dict[str, Level] = {}
    for spec in raw:
        key, where = spec.get("key"), f"raise_with.{spec.get('key')}"
        if not key or key in result:
            raise DefinitionError(source, where, "missing or duplicate key")
        if spec.get("queue") is not None and spec["queue"] not in queues:
            raise DefinitionError(source, f"{where}.queue", f"unknown queue {spec['queue']!r}")
        if spec.get("person") is not None and spec["person"] not in LEVEL_PEOPLE:
            raise DefinitionError(source, f"{where}.person",
                                  f"must be one of {sorted(LEVEL_PEOPLE)}")
        if spec.get("queue") is None and spec.get("person") is None:
            raise DefinitionError(source, where, "a level names a queue, a person, or both")
        result[key] = Level(key, spec.get("label", key), spec.get("queue"), spec.get("person"),
                            spec.get("source", ""), spec.get("handler_label", ""))
    return result


def _release_grounds(raw, source) -> dict[str, ReleaseGround]:
    result: dict[str, ReleaseGround] = {}
    for spec in raw:
        key, where = spec.get("key"), f"release_grounds.{spec.get('key')}"
        if not key or key in result:
            raise DefinitionError(source, where, "missing or duplicate key")
        if not spec.get("label") or not spec.get("reporter_label"):
            raise DefinitionError(source, where, "a ground needs a label and a reporter_label")
        if not isinstance(spec.get("consult", False), bool):
            raise DefinitionError(source, f"{where}.consult", "must be true or false")
        result[key] = ReleaseGround(key, spec["label"], spec["reporter_label"],
                                    spec.get("source", ""), spec.get("consult", False))
    return result


SUPPORT_FIELDS = frozenset({"routes", "kinds", "information", "source"})


def _support(spec, routes, source) -> Support | None:
    """The [support] table: the routes it is offered on, the kinds of support person (key:
    label) and what the reporter reads about where to find support."""
    if spec is None:
        return None
    unknown = sorted(set(spec) - SUPPORT_FIELDS)
    if unknown:
        raise DefinitionError(source, "support", f"unknown fields {unknown}")
    offered = frozenset(spec.get("routes", list(routes)))
    if not offered or not offered <= set(routes):
        raise DefinitionError(source, "support.routes", f"must be some of {sorted(routes)}")
    kinds = spec.get("kinds", {})
    if not kinds or not all(isinstance(k, str) and QUESTION_KEY.fullmatch(k)
                            and isinstance(v, str) and v for k, v in kinds.items()):
        raise DefinitionError(source, "support.kinds", "a table of short keys and labels")
    information = spec.get("information", [])
    if not information or not all(isinstance(i, str) and i for i in information):
        raise DefinitionError(source, "support.information", "a list of sentences")
    return Support(offered, dict(kinds), tuple(information), spec.get("source", ""))


QUESTION_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
QUESTION_FIELDS = frozenset({"key", "label", "hint", "routes", "source"})


def _questions(raw, routes, source) -> dict[str, Question]:
    """The form's optional questions: a short key, a label, and the routes that ask it."""
    result: dict[str, Question] = {}
    for n, spec in enumerate(raw):
        key = spec.get("key")
        where = f"questions.{key or n}"
        if not isinstance(key, str) or not QUESTION_KEY.fullmatch(key) or key in result:
            raise DefinitionError(source, where, "missing, malformed or duplicate key")
        unknown = sorted(set(spec) - QUESTION_FIELDS)
        if unknown:
            raise DefinitionError(source, where, f"unknown fields {unknown}")
        if not spec.get("label"):
            raise DefinitionError(source, f"{where}.label", "required")
        asked = frozenset(spec.get("routes", list(routes)))
        if not asked or not asked <= set(routes):
            raise DefinitionError(source, f"{where}.routes",
                                  f"must be some of {sorted(routes)}")
        result[key] = Question(key, spec["label"], spec.get("hint", ""), asked,
                               spec.get("source", ""))
    return result


def _statements(raw, source) -> dict[str, Statement]:
    result: dict[str, Statement] = {}
    for spec in raw:
        key = spec.get("key")
        if key not in STATEMENTS or key in result:
            raise DefinitionError(source, f"statements.{key}", "unknown or duplicate statement;"
                                  f" known: {sorted(STATEMENTS)}")
        result[key] = Statement(key, spec.get("label", key), spec.get("hint", ""))
    return result


def _rules(raw, queues, categories, source, statements):
    flags = frozenset().union(*(c.flags for c in categories.values()))
    for i, spec in enumerate(raw):
        where = f"rules[{i}]"
        if spec.get("when") not in CONDITIONS:
            raise DefinitionError(source, f"{where}.when",
                                  f"unknown condition {spec.get('when')!r}")
        if spec.get("queue") not in queues:
            raise DefinitionError(source, f"{where}.queue", f"unknown queue {spec.get('queue')!r}")
        param = spec.get("role") or spec.get("flag") or spec.get("statement")
        if spec["when"] == "implicated_role" and param not in PERSON_ROLES:
            raise DefinitionError(source, f"{where}.role", f"unknown role {param!r}")
        if spec["when"] == "category_flag" and param not in flags:
            # A misspelt or missing flag would make the rule silently never match.
            raise DefinitionError(source, f"{where}.flag",
                                  f"no category has the flag {param!r}; known: {sorted(flags)}")
        if spec["when"] == "reporter_says" and param not in statements:
            # A statement the form does not offer could never be said.
            raise DefinitionError(source, f"{where}.statement",
                                  f"the pack offers no statement {param!r} ([[statements]])")
        yield Rule(spec["when"], spec["queue"], spec.get("reason", spec["when"]),
                   spec.get("source", ""), int(spec.get("priority", 0)), param,
                   frozenset(spec.get("actions", ())))


def _timezone(name, source: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise DefinitionError(source, "timezone", f"unknown IANA time zone {name!r}") from exc
    return name


def _aftercare(data, routes, categories, source) -> tuple[tuple[int, ...], dict[str, str]]:
    """Check-in months after closure, and the category a detriment case opened then takes."""
    raw = data.get("aftercare_months", [1, 3, 6])
    if not isinstance(raw, list):
        raise DefinitionError(source, "aftercare_months", "must be a list of months")
    months = tuple(whole_number(m, source, "aftercare_months", 1) for m in raw)
    if list(months) != sorted(set(months)):
        raise DefinitionError(source, "aftercare_months", "must be increasing, without repeats")
    chosen = dict(data.get("aftercare_categories", {}))
    unknown = sorted(chosen.keys() - set(routes))
    if unknown:
        raise DefinitionError(source, f"aftercare_categories.{unknown[0]}", "unknown route")
    # With check-ins, every route needs a category for the case a check-in may open.
    needed = list(routes) if months else list(chosen)
    for route in needed:
        key = chosen.get(route)
        if key not in categories or route not in categories[key].routes:
            raise DefinitionError(source, f"aftercare_categories.{route}",
                                  f"missing, or not a category on {route!r}: {key!r}")
    return months, chosen


def _clock_set(path: Path) -> tuple[str, dict]:
    """One shipped clock set: a label, a source, and [[clocks]] and [[milestones]] only."""
    data = _read(path)
    unknown = sorted(data.keys() - SET_FIELDS)
    if unknown:
        raise DefinitionError(str(path), unknown[0],
                              f"not a clock set field; known: {sorted(SET_FIELDS)}")
    return str(path), data


def _clock_set_names(raw, directory: Path, source: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise DefinitionError(source, "clock_sets", "must be a list of clock set names")
    for i, name in enumerate(raw):
        if name in raw[:i]:
            raise DefinitionError(source, f"clock_sets[{i}]", f"{name!r} is listed twice")
        if not (directory / f"{name}.toml").is_file():
            known = ", ".join(sorted(p.stem for p in directory.glob("*.toml")))
            raise DefinitionError(source, f"clock_sets[{i}]",
                                  f"no clock set {name!r}; known: {known}")
    return tuple(raw)
