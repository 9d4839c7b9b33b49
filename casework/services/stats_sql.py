"""The statistics' exact counts, computed in the database: one GROUP BY per table over the
facts that survive retention (route, category, department, queue, dates, outcome, anonymity,
clocks, aftercare answers). No case is loaded into Python; only the counts come back.

The disclosure control that decides what of these counts may be published lives in
casework.stats; this module only counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import product

from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from casework.i18n import _l
from casework.models import Case, CaseEvent, CheckIn
from casework.services.context import Context
from casework.stats import SMALL_UNITS
from casework.stats.facts import period_quarters, quarter_number
from casework.stats.periods import Period, quarters_within
from casework.workflow.policy import RELATIONS

#: The harassment resolution path a case went furthest along (formal beats informal beats
#: self-help), as a number the database can take the maximum of.
PATH_RANK = {"choose_self_help": 1, "choose_informal": 2, "choose_formal": 3}
PATH_NAMES = {0: "none", 1: "self_help", 2: "informal", 3: "formal"}
#: The furthest stage a case reached, by the transitions fired on it: a partition of the cases,
#: so the funnel is published (and audited) like any other table. Withdrawal is an outcome,
#: not a stage.
STAGE_RANK = {
    "accept_for_investigation": 1, "choose_self_help": 1, "choose_informal": 1,
    "choose_formal": 1, "decide_to_investigate": 1,
    "no_further_action": 2, "decline_investigation": 2,
    "refer": 3, "external_route": 3,
    "resolved": 4,
    "record_findings": 5,
    "record_action": 6,
}
STAGE_NAMES = {0: "received", 1: "in_scope", 2: "declined", 3: "referred", 4: "resolved",
               5: "investigated", 6: "action_taken"}
#: The transitions that decline a case, and the optional choice on them that classifies the
#: reason (the reason itself is confidential free text and never counted).
DECLINES = tuple(k for k, rank in STAGE_RANK.items() if STAGE_NAMES[rank] == "declined")
REASON_CLASS = "reason_class"


DIMENSION_LABELS = {
    "route": _l("Route"), "category": _l("Kind of conduct"), "department": _l("Department"),
    "queue": _l("Queue"), "outcome": _l("Outcome"), "anonymous": _l("Anonymous or named"),
    "path": _l("Harassment resolution path"), "detriment": _l("Detriment reported afterwards"),
    "stage": _l("Furthest stage reached"), "declined": _l("Declined, by kind of reason"),
    "notified": _l("Notified to an outside body (a milestone counted as such)"),
    "relation": _l("How the reporter knows"),
    "acknowledged": _l("Acknowledged"), "closed": _l("Closed or still open"),
    "deadlines": _l("Deadlines met"),
}
#: Small units (a department; a queue, which can stand for one officer) are published only on
#: their own: crossed with anything else they would describe too few people.
ALONE_ONLY = SMALL_UNITS
#: The dimensions a release's measures count by (casework.services.stats.measures).
MEASURE_DIMENSIONS = ("acknowledged", "closed", "deadlines")
#: How far a case's deadlines went, as a number the database can take the maximum of.
DEADLINE_NAMES = {0: "none", 1: "met", 2: "missed"}


def _path_subquery():
    """Per case with any such transition: the furthest path, the furthest stage, and the
    kind of reason it was declined for (if it was)."""
    path = func.max(case(*((CaseEvent.transition == k, v) for k, v in PATH_RANK.items()),
                         else_=0))
    stage = func.max(case(*((CaseEvent.transition == k, v) for k, v in STAGE_RANK.items()),
                          else_=0))
    reason = func.max(case((CaseEvent.transition.in_(DECLINES), func.coalesce(
        CaseEvent.facts[REASON_CLASS].as_string(), "unclassified"))))
    return (select(CaseEvent.case_id.label("case_id"), path.label("rank"),
                   stage.label("stage"), reason.label("declined"))
            .where(CaseEvent.kind == "transition",
                   CaseEvent.transition.in_(list(STAGE_RANK)))
            .group_by(CaseEvent.case_id).subquery("paths"))


def _expressions(paths) -> dict[str, ColumnElement]:
    detriment = exists().where(CheckIn.case_id == Case.id, CheckIn.detriment.is_(True))
    notified = exists().where(CaseEvent.case_id == Case.id, CaseEvent.kind == "milestone",
                              CaseEvent.facts["counted_as"].as_string() == "notified")
    return {
        "route": Case.route,
        "category": Case.category,
        "department": func.coalesce(Case.department, "unknown"),
        "queue": Case.queue,
        "outcome": func.coalesce(Case.outcome, "open"),
        "anonymous": case((Case.anonymous.is_(True), "anonymous"), else_="named"),
        "path": case(*((func.coalesce(paths.c.rank, 0) == k, v)
                       for k, v in PATH_NAMES.items()), else_="none"),
        "detriment": case((detriment, "reported"), else_="not_reported"),
        "stage": case(*((func.coalesce(paths.c.stage, 0) == k, v)
                        for k, v in STAGE_NAMES.items()), else_="received"),
        "declined": func.coalesce(paths.c.declined, "not_declined"),
        "notified": case((notified, "notified"), else_="not_notified"),
        # Cases lodged before the form asked say only whether it was someone else's matter.
        "relation": case((Case.relation.is_not(None), Case.relation),
                         (Case.witness.is_(True), "someone_else"), else_="not_asked"),
        "acknowledged": case((Case.days_to_acknowledge.is_not(None), "acknowledged"),
                             else_="not_acknowledged"),
        "closed": case((Case.days_to_close.is_not(None), "closed"), else_="open"),
        # Kept on the case as its clocks stop (casework.services.clocks.keep_facts).
        "deadlines": case(*((Case.deadlines_ended == k, v)
                            for k, v in DEADLINE_NAMES.items()), else_="none"),
    }


#: Dimensions read from the transition events (an outer join to the grouped events).
EVENT_DIMENSIONS = frozenset({"path", "stage", "declined"})


def _grouped(dims: Sequence[str]) -> tuple[list[ColumnElement], Callable[[Select], Select]]:
    """The dimensions' columns, labelled, and what a query over the cases needs to compute
    them: the outer join to the grouped transition events, when a dimension reads them."""
    paths = _path_subquery()
    exprs = _expressions(paths)

    def joined(query: Select) -> Select:
        if EVENT_DIMENSIONS & set(dims):
            query = query.outerjoin(paths, paths.c.case_id == Case.id)
        return query

    return [exprs[d].label(d) for d in dims], joined


def domains(ctx: Context) -> dict[str, list[str]]:
    """Every value each dimension can take, from the route definitions and the policy pack."""
    pack, routes = ctx.runtime.pack, ctx.runtime.routes
    # An outcome is named by a transition, or taken from a fact another transition records
    # (give_feedback closes with the finding that record_findings chose).
    facts = {t.outcome_from for r in routes.values() for t in r.transitions if t.outcome_from}
    outcomes = sorted({t.outcome for r in routes.values() for t in r.transitions if t.outcome}
                      | {c for r in routes.values() for t in r.transitions
                         for f in t.requires if f.name in facts for c in f.choices})
    return {
        "route": sorted(routes),
        "category": list(pack.categories),
        "department": [*pack.departments, "unknown"],
        "queue": list(pack.queues),
        "outcome": ["open", *outcomes],
        "anonymous": ["anonymous", "named"],
        "path": list(PATH_NAMES.values()),
        "detriment": ["reported", "not_reported"],
        "stage": list(STAGE_NAMES.values()),
        "declined": ["not_declined", *reason_classes(routes), "unclassified"],
        "notified": ["notified", "not_notified"],
        "relation": [*RELATIONS, "someone_else", "not_asked"],
        "acknowledged": ["acknowledged", "not_acknowledged"],
        "closed": ["closed", "open"],
        "deadlines": list(DEADLINE_NAMES.values()),
    }


#: The dimensions the route definitions tie together, in the order of feasible()'s histories.
HISTORY = ("route", "stage", "path", "declined", "outcome", "acknowledged", "closed")


def feasible(ctx: Context) -> dict[tuple[str, ...], frozenset[tuple[str, ...]]]:
    """Every combination of values a case can have, for the dimensions the routes and the pack
    tie together: a category and its routes; and route, stage, path, reason for declining,
    outcome, acknowledged and closed, by every history the route definitions allow. The
    disclosure audit takes the other combinations as known to be empty (the definitions are
    public)."""
    pack, routes = ctx.runtime.pack, ctx.runtime.routes
    categories = frozenset((route, c.key) for c in pack.categories.values()
                           for route in c.routes if route in routes)
    return {("route", "category"): categories,
            HISTORY: frozenset(combo for route in routes.values() for combo in _histories(route))}


def _histories(route) -> set[tuple[str, ...]]:
    """(route, stage, path, declined, outcome, acknowledged, closed) at every point of every
    history of a route, as the engine would leave the case (its outcome is the last
    transition's) and as the dimensions would count it."""
    recorded = {t.outcome_from for t in route.transitions if t.outcome_from}
    start = (route.initial, 0, 0, "not_declined", None, frozenset(), False)
    seen, todo, found = {start}, [start], set()
    while todo:
        state, stage, path, declined, outcome, facts, acked = todo.pop()
        found.add((route.key, STAGE_NAMES[stage], PATH_NAMES[path], declined,
                   outcome or "open", "acknowledged" if acked else "not_acknowledged",
                   "closed" if route.is_final(state) else "open"))
        for t in route.transitions:
            if state not in t.sources:
                continue
            kinds = [*_reason_classes(t), "unclassified"] if t.key in DECLINES else [declined]
            fields = [f for f in t.requires if f.name in recorded]
            choices = [dict(facts)] if not fields else [
                {**dict(facts), f.name: c} for f in fields for c in f.choices]
            for kind in kinds:
                for after in choices:
                    node = (t.target, max(stage, STAGE_RANK.get(t.key, 0)),
                            max(path, PATH_RANK.get(t.key, 0)), kind,
                            after.get(t.outcome_from) if t.outcome_from else t.outcome,
                            frozenset(after.items()), acked or t.key == "acknowledge")
                    if node not in seen:
                        seen.add(node)
                        todo.append(node)
    return found


def reason_classes(routes) -> list[str]:
    """The kinds of reason the declining transitions offer, in the routes' order, once each."""
    return list(dict.fromkeys(c for r in routes.values() for t in r.transitions
                              if t.key in DECLINES for c in _reason_classes(t)))


def _reason_classes(transition) -> list[str]:
    return [c for f in transition.requires if f.name == REASON_CLASS for c in f.choices]


def counts(ctx: Context, dims: Sequence[str], period: Period) -> dict[tuple[str, ...], int]:
    """Cases received in a period, counted by every combination of the dimensions' values
    (zeros included): the quarter counts added up over the period's quarters."""
    result = {cell: 0 for cell in product(*(domains(ctx)[d] for d in dims))}
    for (_, cell), n in quarter_counts(ctx, dims, quarters_within(period)).items():
        result[cell] = result.get(cell, 0) + n  # a value outside the domain is still counted
    return result


def quarter_counts(ctx: Context, dims: Sequence[str], quarters: Sequence[Period]
                   ) -> dict[tuple[Period, tuple[str, ...]], int]:
    """Cases counted by (calendar quarter, value of every dimension), for the given quarters."""
    return {cell: n for cell, (n, _) in quarter_tally(ctx, dims, quarters).items()}


def quarter_tally(ctx: Context, dims: Sequence[str], quarters: Sequence[Period]
                  ) -> dict[tuple[Period, tuple[str, ...]], tuple[int, int]]:
    """Cases counted by (calendar quarter, value of every dimension), for the given quarters,
    with the sum of their record keys, in one GROUP BY: the finest table the disclosure audit
    reasons about, and what the cell keys are made of (casework.stats.cellkey). The quarter is
    the case's received_quarter, fixed in the organisation's days when the report came in."""
    if not quarters:
        return {}
    by_number = {quarter_number(q.start): q for q in quarters}
    columns, joined = _grouped(dims)
    query = joined(select(Case.received_quarter, *columns, func.count(),
                          func.coalesce(func.sum(Case.stats_key), 0)).select_from(Case)
                   .where(_received_in(by_number))).group_by(Case.received_quarter, *columns)
    counted: dict[tuple[Period, tuple[str, ...]], tuple[int, int]] = {}
    for row in ctx.session.execute(query):
        if row[0] in by_number:  # the quarters asked for need not be consecutive
            key = (by_number[row[0]], tuple(row[1:-2]))
            n, total = counted.get(key, (0, 0))
            counted[key] = (n + row[-2], total + int(row[-1]))
    return counted


def _received_in(numbers: Iterable[int]) -> ColumnElement[bool]:
    """Cases received from the first of these quarters to the last: one index range (rows
    from a gap between them are left out when read)."""
    numbers = list(numbers)
    return Case.received_quarter.between(min(numbers), max(numbers))


def day_percentiles(ctx: Context, dims: Sequence[str], period: Period,
                    points: Sequence[float] = (0.25, 0.5, 0.75, 0.9)
                    ) -> dict[str, dict[tuple[str, ...], tuple[int, dict[float, int]]]]:
    """Per measure (acknowledge, close), per group and for all groups together (the key of
    Nones): how many cases have it, and its nearest-rank percentiles in whole days.

    One GROUP BY over (group, days to acknowledge, days to close): a joint histogram, at most
    a few thousand rows per group, never a row per case; each measure's percentiles are read
    off its margin here. (Window functions over every case cost fifteen times the GROUP BY at
    a million cases on SQLite, and a GROUP BY per measure twice the one: bench/bench_stats.py.)"""
    ack, close = Case.days_to_acknowledge, Case.days_to_close
    keys, joined = _grouped(dims)
    query = joined(select(*keys, ack, close, func.count()).select_from(Case)
                   .where(_received_in(period_quarters(period)),
                          or_(ack.is_not(None), close.is_not(None)))
                   ).group_by(*keys, ack, close)
    histograms: dict[str, dict[tuple, dict[int, int]]] = {"acknowledge": {}, "close": {}}
    everyone = (None,) * len(dims)
    for row in ctx.session.execute(query):
        cell, n = tuple(row[:len(dims)]), row[len(dims) + 2]
        for measure, value in (("acknowledge", row[len(dims)]),
                               ("close", row[len(dims) + 1])):
            if value is None:
                continue
            for group in {cell, everyone}:
                bins = histograms[measure].setdefault(group, {})
                bins[value] = bins.get(value, 0) + n
    return {measure: {group: _nearest_ranks(bins, points) for group, bins in found.items()}
            for measure, found in histograms.items()}


def _nearest_ranks(bins: Mapping[int, int], points: Sequence[float]
                   ) -> tuple[int, dict[float, int]]:
    """The size of a histogram and, for each p, the smallest value with at least p of it."""
    size, found, seen = sum(bins.values()), {}, 0
    wanted = sorted(points)
    for value in sorted(bins):
        seen += bins[value]
        while wanted and seen >= math.ceil(wanted[0] * size):
            found[wanted.pop(0)] = value
    return size, found
