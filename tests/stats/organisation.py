"""An organisation for the full-knowledge attack: cases made through the services over the four
quarters of 2025, with small groups in every dimension, and the tables an analyst publishes.

A case is a `Spec`: when it came in, how, from where, and the steps taken on it (with how late
it was acknowledged, so deadlines are met or missed). `designed()` is a year in the shape of
the outside attack (issue 19): a quarter with one fraud report, two victimisation complaints
one of them acknowledged late, a complaint implicating the Monitoring Officer, departments of
very different sizes. `specs()` draws organisations like it for hypothesis.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st
from sqlalchemy import func, select

from casework.models import Case, CheckIn
from casework.services.stats import StatsRequest, release
from casework.services.stats_sql import domains
from casework.services.transitions import fire_transition

YEAR = 2025
#: After the last period asked for (FY2026, April 2025 to March 2026 in the uk-council pack).
NOW = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
DISCLOSURE_PATHS = (
    (), ("acknowledge",), ("acknowledge", "no_further_action"), ("acknowledge", "refer"),
    ("acknowledge", "accept_for_investigation"),
    ("acknowledge", "accept_for_investigation", "record_findings"),
    ("acknowledge", "accept_for_investigation", "record_findings", "record_action",
     "give_feedback"),
    ("withdraw",))
HARASSMENT_PATHS = (
    (), ("acknowledge",), ("acknowledge", "choose_self_help", "resolved"),
    ("acknowledge", "choose_informal", "resolved"),
    ("acknowledge", "choose_formal", "decline_investigation"),
    ("acknowledge", "choose_formal", "decide_to_investigate", "record_findings",
     "record_action"),
    ("acknowledge", "external_route"))
PATHS = {"disclosure": DISCLOSURE_PATHS, "harassment": HARASSMENT_PATHS}
REASONS = {"disclosure": ("insufficient_information", "already_dealt_with", None),
           "harassment": ("outside_policy", "resolved_another_way", None)}


@dataclass(frozen=True)
class Spec:
    """One case: quarter received (1 to 4), route, category, department, named or not, the
    steps taken, days until acknowledged (over the deadline: missed), and a finding, a kind of
    reason for declining and detriment reported afterwards where they apply."""

    quarter: int
    route: str
    category: str
    department: str | None
    named: bool
    path: tuple[str, ...]
    ack_days: int = 2
    finding: str = "substantiated"
    reason_class: str | None = None
    detriment: bool = False
    implicates_monitoring_officer: bool = False


def designed() -> list[Spec]:
    """A hundred and ten cases with the small groups of the outside attack."""
    rnd = random.Random(19)
    specs = [
        Spec(1, "disclosure", "fraud", "finance", True, ("acknowledge", "refer")),
        Spec(2, "harassment", "victimisation", "corporate", True, ("acknowledge",), ack_days=9),
        Spec(2, "harassment", "victimisation", "corporate", True, ("acknowledge",)),
        Spec(4, "harassment", "sexual_harassment", "finance", True,
             ("acknowledge", "choose_informal", "resolved")),
        Spec(3, "disclosure", "abuse_of_vulnerable", "childrens_services", False,
             ("acknowledge", "no_further_action"), reason_class="insufficient_information"),
        Spec(3, "disclosure", "criminal_offence", "legal_governance", False, (),
             implicates_monitoring_officer=True),
        Spec(1, "disclosure", "detriment", "environment", True,
             ("acknowledge", "accept_for_investigation", "record_findings", "record_action",
              "give_feedback"), finding="partly_substantiated", detriment=True),
    ]
    weights = {"disclosure": {"health_and_safety": 8, "policy_breach": 8, "misuse_of_resources": 5,
                              "fraud": 4, "bribery_corruption": 2, "bullying": 3},
               "harassment": {"sexual_harassment": 6, "bullying": 5, "other_harassment": 4}}
    departments = {"adult_social_care": 6, "childrens_services": 8, "finance": 2,
                   "environment": 3, "legal_governance": 2, "corporate": 1, None: 2}
    while len(specs) < 110:
        route = "disclosure" if rnd.random() < 0.6 else "harassment"
        cats = weights[route]
        specs.append(Spec(
            quarter=rnd.choices((1, 2, 3, 4), (4, 3, 2, 3))[0], route=route,
            category=rnd.choices(list(cats), list(cats.values()))[0],
            department=rnd.choices(list(departments), list(departments.values()))[0],
            named=rnd.random() < 0.6, path=rnd.choice(PATHS[route]),
            ack_days=rnd.choice((1, 2, 3, 4, 12)),
            finding=rnd.choice(("substantiated", "not_substantiated")),
            reason_class=rnd.choice(REASONS[route]), detriment=rnd.random() < 0.03))
    return specs


def spec_strategy(pack) -> st.SearchStrategy[Spec]:
    """Any case the uk-council pack allows, in any quarter of 2025."""
    def for_route(route: str) -> st.SearchStrategy[Spec]:
        return st.builds(
            Spec, quarter=st.integers(1, 4), route=st.just(route),
            category=st.sampled_from([c.key for c in pack.categories_for(route)]),
            department=st.sampled_from([*pack.departments, None]), named=st.booleans(),
            path=st.sampled_from(PATHS[route]), ack_days=st.sampled_from((1, 3, 12)),
            finding=st.sampled_from(("substantiated", "not_substantiated")),
            reason_class=st.sampled_from(REASONS[route]),
            detriment=st.booleans().map(lambda b: b and random.random() < 0.1))
    return st.one_of(for_route("disclosure"), for_route("harassment"))


def fields(spec: Spec, key: str, previous: str) -> dict:
    """Valid fields for each step of a spec's path."""
    return {
        "accept_for_investigation": {"protected": True, "reason": "In scope."},
        "refer": {"destination": "police", "reason": "A crime."},
        "no_further_action": {"reason": "Words.",
                              **({"reason_class": spec.reason_class} if spec.reason_class
                                 else {})},
        "decline_investigation": {"reason": "Words.",
                                  **({"reason_class": spec.reason_class}
                                     if spec.reason_class else {})},
        "record_findings": {"finding": spec.finding, "reason": "Evidence."},
        "record_action": {"action": "Training."},
        "give_feedback": {"message": "Thank you."},
        "decide_to_investigate": {"reason": "Serious."},
        "withdraw": {"reason": "Asked to stop.", "channel": "phone"},
        "external_route": {"reason": "Gone to a tribunal.", "channel": "email"},
        "resolved": {"admitted": True, "reporter_satisfied": True, "confirmed_how": "email"}
        if previous == "choose_informal" else {},
    }.get(key, {})


def make_organisation(make, clock, specs: Sequence[Spec]) -> list[Case]:
    """Lodge and walk every spec through the services, each at its own time in 2025."""
    boss = make.staff(roles=("intake", "investigator", "decision_maker"),
                      queues=tuple(make.ctx.runtime.pack.queues))
    monitoring_officer = None
    made = []
    for n, spec in enumerate(specs):
        start = date(YEAR, 3 * spec.quarter - 2, 1) + timedelta(days=(7 * n) % 80)
        clock.now = datetime(start.year, start.month, start.day, 10, tzinfo=UTC)
        implicated = ()
        if spec.implicates_monitoring_officer:
            monitoring_officer = monitoring_officer or make.person(roles=("monitoring_officer",))
            implicated = (monitoring_officer,)
        case = make.lodge(spec.route, category=spec.category, anonymous=not spec.named,
                          department=spec.department, implicated=implicated).case
        previous = ""
        for key in spec.path:
            clock.now += timedelta(days=spec.ack_days if key == "acknowledge" else 6)
            fire_transition(make.ctx, boss, case.reference, key, case.version,
                            fields(spec, key, previous))
            previous = key
        if spec.detriment:
            make.ctx.session.add(CheckIn(case_id=case.id, due_on=clock.now.date(),
                                         answered_at=clock.now, detriment=True))
        made.append(case)
    make.ctx.session.flush()
    clock.now = NOW
    return made


PERIODS = ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025-H1", "2025-H2", "2025", "FY2025",
           "FY2026")
#: What the analyst asks for: the same tables over every period, so that nested periods can be
#: differenced; every dimension at least once; department and queue on their own, for the
#: financial years (the only periods they are published for).
PLAN = tuple(
    [(p, by) for by in (("category", "route"), ("anonymous", "category")) for p in PERIODS]
    + [(p, ("route", "stage")) for p in PERIODS[:7]]
    + [(p, ("outcome", "route")) for p in ("2025-H1", "2025-H2", "2025", "FY2025", "FY2026")]
    + [("2025", by) for by in (("declined", "route"), ("path", "route"), ("detriment", "route"))]
    + [(p, (unit,)) for unit in ("department", "queue") for p in ("FY2025", "FY2026")])


#: The tables asked for with their measures (days taken, deadlines met): those by kind of
#: conduct and route, over all nine periods, so that nested periods' measure counts can be
#: differenced. (Measures on every table multiply the audit's work several times over, and
#: the suite's time with it; the full sweep in docs/STATISTICS.md is the place for more.)
MEASURED = (("category", "route"),)


def publish_plan(ctx, analyst, plan=PLAN) -> list[dict]:
    """Every table of the plan as answered (those in MEASURED with their measures); a refused
    request is skipped."""
    from casework.services.errors import Invalid
    from casework.services.stats import allow_long_audits
    allow_long_audits(ctx)  # every table audited to the end, as `casework stats annual` does
    bodies = []
    for period, by in plan:
        try:
            bodies.append(release(ctx, analyst, StatsRequest(by, period,
                                                             measures=by in MEASURED)))
        except Invalid:
            continue
    return bodies


def records(ctx, dims: Sequence[str]) -> list[dict]:
    """Every case as the statistics see it: its quarter, its value of every dimension, and
    what the measures count (acknowledged, closed, deadlines met and missed): the truth the
    attacker is after, read straight from the database."""
    from casework.models import CaseClock
    from casework.services.stats_sql import _grouped
    columns, joined = _grouped(list(dims))
    met = select(CaseClock.case_id, func.sum(case_when(CaseClock.status == "met")).label("met"),
                 func.sum(case_when(CaseClock.status == "missed")).label("missed")
                 ).group_by(CaseClock.case_id).subquery()
    query = joined(select(Case.received_quarter, *columns, Case.days_to_acknowledge,
                          Case.days_to_close, met.c.met, met.c.missed).select_from(Case)
                   ).outerjoin(met, met.c.case_id == Case.id)
    out = []
    for row in ctx.session.execute(query):
        values = dict(zip(dims, row[1:1 + len(dims)], strict=True))
        ack, close, n_met, n_missed = row[1 + len(dims):]
        out.append({"quarter": row[0], **values, "is_acknowledged": ack is not None,
                    "clocks_met": int(n_met or 0), "clocks_missed": int(n_missed or 0)})
    return out


def case_when(condition):
    from sqlalchemy import case
    return case((condition, 1), else_=0)


def case_count(ctx) -> int:
    return ctx.session.scalar(select(func.count()).select_from(Case))


__all__ = ["NOW", "PLAN", "Spec", "designed", "domains", "make_organisation", "publish_plan",
           "records", "spec_strategy"]
