"""Publishing statistics: who may, which tables, and the one way a number leaves the database.

A request names dimensions and one fixed period. The counts come from one GROUP BY
(services.stats_sql); casework.stats protects every count and audits the new table together with
every release stored before it, withholding rows until no small count can be narrowed down;
the answer is stored, so asking again for the same table gives the same numbers, and audited.
Only finished periods are published: a period still running would change between two asks,
and the difference between two answers could single out the case that arrived in between.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from casework.models import StatsRelease
from casework.services.access import Power, Staff, require
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.stats_sql import (
    ALONE_ONLY,
    DIMENSION_LABELS,
    clock_shares,
    domains,
    feasible,
    percentiles,
    quarter_counts,
)
from casework.stats import (
    PROFILES,
    PeriodError,
    Profile,
    Release,
    Tally,
    parse_period,
    protect_shares,
    publish,
)
from casework.stats.periods import Period, quarters_within

#: Roles that see statistics (and, through this module, nothing of any case).
STATS_ROLES = frozenset({"hr_analyst"})
#: The `casework stats export` command: an operator on the server, with statistics access only.
OPERATOR = Staff(user_id=0, roles=STATS_ROLES, queues=frozenset())
MAX_DIMENSIONS = 2


@dataclass(frozen=True)
class StatsRequest:
    """What a release asks for: dimensions, one fixed period, a disclosure profile."""

    by: tuple[str, ...]
    period: str
    profile: str | None = None
    #: Add days to acknowledge and to close and the share of clocks met to the answer. They are
    #: computed afresh (the stored release holds the counts, which the audit reasons about).
    measures: bool = True


def profile_of(ctx: Context, name: str | None) -> Profile:
    """The organisation's disclosure profile, or another one named in the request."""
    chosen = name or ctx.runtime.pack.stats_profile
    if chosen not in PROFILES:
        raise Invalid("Unknown disclosure profile.", {
            "profile": f"must be one of: {', '.join(sorted(PROFILES))}"})
    return PROFILES[chosen]


def check_request(ctx: Context, request: StatsRequest) -> tuple[tuple[str, ...], Period]:
    """Refuse unknown or forbidden dimensions and anything but a finished fixed period."""
    errors: dict[str, str] = {}
    dims = tuple(d.strip() for d in request.by if d.strip())
    unknown = [d for d in dims if d not in DIMENSION_LABELS]
    if unknown:
        errors["by"] = (f"unknown dimension {unknown[0]!r}; choose from: "
                        f"{', '.join(DIMENSION_LABELS)}")
    elif len(set(dims)) != len(dims):
        errors["by"] = "a dimension is named twice"
    elif len(dims) > MAX_DIMENSIONS:
        errors["by"] = f"at most {MAX_DIMENSIONS} dimensions at once"
    elif ALONE_ONLY & set(dims) and len(dims) > 1:
        errors["by"] = ("department is published on its own only: crossed with anything "
                        "else it could point at someone in a small unit")
    period = None
    try:
        period = parse_period((request.period or "").strip(),
                              ctx.runtime.pack.fiscal_year_start_month)
    except PeriodError as exc:
        errors["period"] = str(exc)
    if period is not None and period.end > ctx.today:
        errors["period"] = (f"{period.key} has not ended yet; statistics are published for "
                            "finished periods only")
    if errors:
        raise Invalid("The statistics request needs attention.", errors)
    return tuple(sorted(dims)), period


def release(ctx: Context, actor: Staff, request: StatsRequest) -> dict:
    """The published table for a request: the stored one if this table was published before,
    otherwise counted, protected, audited against every stored release, and stored."""
    require(actor, Power.STATISTICS)
    dims, period = check_request(ctx, request)
    profile = profile_of(ctx, request.profile)
    key = ",".join(dims)
    stored_row = ctx.session.execute(select(StatsRelease).where(
        StatsRelease.period == period.key, StatsRelease.dimensions == key,
        StatsRelease.profile == profile.name)).scalar_one_or_none()
    if stored_row is None:
        stored_row = _publish(ctx, actor, dims, period, profile)
        reused = False
    else:
        reused = True
    ctx.audit(Kind.EXPORT, _label(actor), release=stored_row.id, period=period.key, by=key,
              profile=profile.name, reused=reused)
    if not request.measures:
        return stored_row.body
    published = Release.from_dict(stored_row.body, dims, ctx.runtime.pack.fiscal_year_start_month)
    return {**stored_row.body, "measures": measures(ctx, dims, period, profile, published)}


def _label(actor: Staff) -> str:
    return "cli" if actor is OPERATOR else actor.label


def as_csv(body: dict) -> str:
    """A release as CSV: one column per dimension ("all" for a margin), count, suppressed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*body["by"], "count", "suppressed"])
    for row in body["rows"]:
        writer.writerow([*("all" if row[d] is None else row[d] for d in body["by"]),
                         "" if row["count"] is None else row["count"],
                         "yes" if row["suppressed"] else "no"])
    writer.writerow([])
    writer.writerow([f"period {body['period']}; counts from 1 to {body['threshold'] - 1} "
                     f"suppressed; others rounded to a multiple of {body['rounding']}"])
    return out.getvalue()


def _stored(ctx: Context) -> list[tuple[StatsRelease, tuple[str, ...]]]:
    rows = ctx.session.execute(select(StatsRelease).order_by(StatsRelease.id)).scalars()
    return [(row, tuple(d for d in row.dimensions.split(",") if d)) for row in rows]


def _publish(ctx: Context, actor: Staff, dims: tuple[str, ...], period: Period,
             profile: Profile) -> StatsRelease:
    fiscal = ctx.runtime.pack.fiscal_year_start_month
    earlier = [(row, row_dims, Release.from_dict(row.body, row_dims, fiscal))
               for row, row_dims in _stored(ctx)]
    # The finest table over every dimension and quarter any of these releases touches.
    used = sorted({*dims, *(d for _, row_dims, _ in earlier for d in row_dims)})
    quarters = sorted({q for p in [period, *(r.period for _, _, r in earlier)]
                       for q in quarters_within(p)}, key=lambda q: q.start)
    every = domains(ctx)
    counts = quarter_counts(ctx, used, quarters)
    values = {d: list(every[d]) for d in used}
    for _, cell in counts:
        for d, v in zip(used, cell, strict=True):
            if v not in values[d]:
                values[d].append(v)  # a category since removed from the pack still counts
    tally = Tally({d: tuple(values[d]) for d in used}, counts, feasible(ctx))
    published = publish(tally, period, dims, profile, [r for _, _, r in earlier])
    body = {**published.as_dict(), "by": list(dims), "profile": profile.name}
    row = StatsRelease(period=period.key, dimensions=",".join(dims), profile=profile.name,
                       published_at=ctx.now, published_by=actor.user_id or None, body=body)
    ctx.session.add(row)
    ctx.session.flush()
    return row


def measures(ctx: Context, dims: Sequence[str], period: Period, profile: Profile,
             published: Release) -> list[dict]:
    """Days to acknowledge and to close (median and percentiles), and the share of clocks met,
    for each published, unsuppressed row that is a cell of the table (or the grand total):
    only where the group has at least `threshold` cases with the measure."""
    shown = {row.key for row in published.rows if row.count and not row.suppressed}
    wanted = [key for key in shown if all(v is not None for v in key) or
              all(v is None for v in key)]
    days = {m: percentiles(ctx, m, dims, period)
            for m in ("acknowledge", "close")}
    clocks = clock_shares(ctx, dims, period)
    out = []
    for key in sorted(wanted, key=lambda k: tuple("" if v is None else v for v in k)):
        entry = dict(zip(dims, key, strict=True))
        for m in ("acknowledge", "close"):
            size, points = days[m].get(tuple(key), (0, {}))
            entry[f"days_to_{m}"] = ({f"p{int(p * 100)}": v for p, v in points.items()}
                                     if size >= profile.threshold else None)
        met, missed = clocks.get(tuple(key), (0, 0))
        share = protect_shares(met + missed, {"met": met, "missed": missed}, profile)["met"]
        # A share of fewer clocks than a publishable count would say more than the count.
        entry["clocks_met_share"] = (share.percent if met + missed >= profile.threshold
                                     and not share.suppressed else None)
        out.append(entry)
    return out


def stored_releases(ctx: Context, actor: Staff) -> list[StatsRelease]:
    """Every release published so far, newest first (for the analyst's page)."""
    require(actor, Power.STATISTICS)
    return list(ctx.session.execute(
        select(StatsRelease).order_by(StatsRelease.id.desc())).scalars())
