"""Publishing statistics: who may, which tables, and the one way a number leaves the database.

A request names dimensions and one fixed period. The counts come from one GROUP BY
(services.stats_sql), with the sums of the cases' record keys; casework.stats protects every
count with the cell key method (the secret derived from the keyring, never from the database),
suppression and rounding, and checks the new table together with every release stored before
it, refusing it whole if a small count could be narrowed down. The answer is stored, so asking
again for the same table gives the same numbers, and audited. Only finished periods are
published: a period still running would change between two asks, and the difference between two
answers could single out the case that arrived in between.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from casework.i18n import _
from casework.models import StatsRelease
from casework.services.access import Power, Staff, require
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.stats_sql import (
    ALONE_ONLY,
    DIMENSION_LABELS,
    day_percentiles,
    domains,
    feasible,
    quarter_tally,
)
from casework.stats import PROFILES, PeriodError, Profile, Release, Tally, parse_period, publish
from casework.stats.audit import TIME_LIMIT, safe_together, secure
from casework.stats.cellkey import PURPOSE
from casework.stats.measures import POINTS, entries, extended, measure_release, measured
from casework.stats.periods import Period, quarters_within
from casework.stats.tables import primary

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
    #: Add the measures (days to acknowledge and to close, deadlines met, and the protected
    #: counts they come from): published and stored with the table the first time asked.
    measures: bool = True


def profile_of(ctx: Context, name: str | None) -> Profile:
    """The organisation's disclosure profile, or another one named in the request."""
    chosen = name or ctx.runtime.pack.stats_profile
    if chosen not in PROFILES:
        raise Invalid(_("Unknown disclosure profile."), {
            "profile": _("must be one of: %(choices)s", choices=", ".join(sorted(PROFILES)))})
    return PROFILES[chosen]


def check_request(ctx: Context, request: StatsRequest) -> tuple[tuple[str, ...], Period]:
    """Refuse unknown or forbidden dimensions and anything but a finished fixed period."""
    errors: dict[str, str] = {}
    dims = tuple(d.strip() for d in request.by if d.strip())
    unknown = [d for d in dims if d not in DIMENSION_LABELS]
    if unknown:
        errors["by"] = _("unknown dimension %(name)s; choose from: %(choices)s",
                         name=repr(unknown[0]), choices=", ".join(DIMENSION_LABELS))
    elif len(set(dims)) != len(dims):
        errors["by"] = _("a dimension is named twice")
    elif len(dims) > MAX_DIMENSIONS:
        errors["by"] = _("at most %(count)s dimensions at once", count=MAX_DIMENSIONS)
    elif ALONE_ONLY & set(dims) and len(dims) > 1:
        errors["by"] = _("department and queue are published on their own only: crossed with "
                         "anything else they would describe too few people")
    period = None
    try:
        period = parse_period((request.period or "").strip(),
                              ctx.runtime.pack.fiscal_year_start_month)
    except PeriodError as exc:
        errors["period"] = str(exc)
    if period is not None and period.end > ctx.today:
        errors["period"] = _("%(period)s has not ended yet; statistics are published for "
                             "finished periods only", period=period.key)
    elif (period is not None and "by" not in errors and ALONE_ONLY & set(dims)
          and not period.key.startswith("FY")):
        errors["period"] = _("tables by department or queue are published for whole financial "
                             "years only (FY2026): with quarters or halves beside them, a unit "
                             "with 8 or more cases in a year and fewer in three of its quarters "
                             "would be shown to have had a case in the fourth")
    if errors:
        raise Invalid(_("The statistics request needs attention."), errors)
    return tuple(sorted(dims)), period


def release(ctx: Context, actor: Staff, request: StatsRequest) -> dict:
    """The published table for a request: the stored one if this table was published before,
    otherwise counted, protected, checked against every stored release, and stored."""
    require(actor, Power.STATISTICS)
    dims, period = check_request(ctx, request)
    profile = profile_of(ctx, request.profile)
    key = ",".join(dims)
    stored_row = ctx.session.execute(select(StatsRelease).where(
        StatsRelease.period == period.key, StatsRelease.dimensions == key,
        StatsRelease.profile == profile.name)).scalar_one_or_none()
    fresh = ctx.cache.get(_FRESH, set())
    reused = stored_row is not None and stored_row.id not in fresh
    if stored_row is not None:
        fresh.discard(stored_row.id)  # answered once as published now; after that, reused
    tally = None
    if stored_row is None:
        stored_row, tally = _publish(ctx, actor, dims, period, profile, request.measures)
    body = stored_row.body
    if request.measures and "measures" not in body:
        body = _publish_measures(ctx, stored_row, dims, period, profile, tally)
    ctx.audit(Kind.EXPORT, _label(actor), release=stored_row.id, period=period.key, by=key,
              profile=profile.name, reused=reused, measures=request.measures)
    answer = {k: v for k, v in body.items()
              if k not in ("measures", "measure_rows", "measure_by", "measures_withheld")}
    if request.measures:
        answer["measures"] = body.get("measures", [])
        if body.get("measures_withheld"):
            answer["measures_withheld"] = True
    return answer


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
    writer.writerow([f"period {body['period']}: {rule_words(body)}"])
    return out.getvalue()


def rule_words(body: dict) -> str:
    """The rules a release was published under, in plain words: for the page, the CSV and the
    annual reports (one place)."""
    period = body["period"]
    if body.get("retry"):
        return _("This table for %(period)s could not be checked in time, so nothing of it is "
                 "published now. Nothing was stored: ask for it again in a few minutes (the "
                 "operator can also publish the year's tables overnight with `casework stats "
                 "annual`).", period=period)
    if body.get("withheld"):
        return _("This table for %(period)s is not published: read together with the tables "
                 "published before, its numbers could have narrowed down a small count or shown "
                 "that a small group includes someone. Tables already published stay as they "
                 "are; a longer period or other groupings may be published.", period=period)
    noise = body.get("noise", 0)
    if noise:
        return _("Counts from 1 to %(below)s are not shown; other counts are moved by up to "
                 "%(noise)s (nearly always by 0, 1 or 2, and always the same way for the same "
                 "cases, so subtracting one table from another singles nobody out), then "
                 "rounded to a multiple of %(rounding)s.", below=body["threshold"] - 1,
                 noise=noise, rounding=body["rounding"])
    return _("Counts from 1 to %(below)s are not shown; other counts are rounded to a multiple "
             "of %(rounding)s.", below=body["threshold"] - 1, rounding=body["rounding"])


#: Seconds the statistics audits of one page or API request may take together (gunicorn's
#: default timeout is 30): a table not checked by then is answered "try again" and not
#: stored, while those checked are, so asking again carries on where it stopped.
REQUEST_BUDGET = 20.0
_DEADLINE = "statistics audit deadline"


def allow_long_audits(ctx: Context, seconds: float = 3600.0) -> None:
    """Give this context's statistics audits longer (the command line: cron has time)."""
    ctx.cache[_DEADLINE] = time.monotonic() + seconds


def _time_left(ctx: Context) -> float:
    deadline = ctx.cache.setdefault(_DEADLINE, time.monotonic() + REQUEST_BUDGET)
    return min(TIME_LIMIT, deadline - time.monotonic())


def _stored(ctx: Context) -> list[tuple[StatsRelease, tuple[str, ...]]]:
    rows = ctx.session.execute(select(StatsRelease).order_by(StatsRelease.id)).scalars()
    return [(row, tuple(d for d in row.dimensions.split(",") if d)) for row in rows]


def _releases(ctx: Context) -> list[Release]:
    """Every stored release as the audit reads it, with the counts of its measures."""
    fiscal = ctx.runtime.pack.fiscal_year_start_month
    found = []
    for row, dims in _stored(ctx):
        found.append(Release.from_dict(row.body, dims, fiscal))
        if row.body.get("measure_by"):
            counts = {**row.body, "rows": row.body["measure_rows"],
                      "withheld": row.body.get("measures_withheld", False)}
            found.append(replace(Release.from_dict(counts, row.body["measure_by"], fiscal),
                                 measures=True))
    return found


def _tally(ctx: Context, dims: Sequence[str], periods: Sequence[Period]) -> Tally:
    """The finest counts over these dimensions and every quarter of these periods, with the
    sums of the record keys and the cell key's secret."""
    quarters = sorted({q for p in periods for q in quarters_within(p)}, key=lambda q: q.start)
    counted = quarter_tally(ctx, dims, quarters)
    every = domains(ctx)
    values = {d: list(every[d]) for d in dims}
    for _quarter, cell in counted:
        for d, v in zip(dims, cell, strict=True):
            if v not in values[d]:
                values[d].append(v)  # a category since removed from the pack still counts
    return Tally({d: tuple(values[d]) for d in dims},
                 {cell: n for cell, (n, _sum) in counted.items()}, feasible(ctx),
                 {cell: key_sum for cell, (_n, key_sum) in counted.items()},
                 ctx.runtime.keyring.derive(PURPOSE))


def _publish(ctx: Context, actor: Staff, dims: tuple[str, ...], period: Period,
             profile: Profile, measures: bool = False) -> tuple[StatsRelease, Tally]:
    """Publish a table (not stored yet), and the tally it was counted from: with measures to
    come, counted by the measures' dimensions too, so that one GROUP BY serves both."""
    earlier = _releases(ctx)
    used = sorted({*(extended(dims) if measures else dims),
                   *(d for r in earlier for d in r.dims)})
    tally = _tally(ctx, used, [period, *(r.period for r in earlier)])
    published = publish(tally, period, dims, profile, earlier, time_limit=_time_left(ctx))
    row = _row(ctx, actor, dims, period, profile, published)
    if not published.unsure:  # an audit that could not finish is tried again next time
        ctx.session.add(row)
        ctx.session.flush()
    return row, tally


def _row(ctx: Context, actor: Staff, dims: tuple[str, ...], period: Period, profile: Profile,
         published: Release) -> StatsRelease:
    body = {**published.as_dict(), "by": list(dims), "profile": profile.name}
    return StatsRelease(period=period.key, dimensions=",".join(dims), profile=profile.name,
                        published_at=ctx.now, published_by=actor.user_id or None, body=body)


def _base(ctx: Context, row: StatsRelease, dims: tuple[str, ...], profile: Profile) -> Release:
    """A stored release as its measures are made from (the published rows, read back)."""
    fiscal = ctx.runtime.pack.fiscal_year_start_month
    return replace(Release.from_dict(row.body, dims, fiscal), profile=profile)


def _measure_keys(base: Release, dims: tuple[str, ...]) -> list:
    """The rows of a release that get measures (none for a small unit's table: they would
    describe too few people, nor for a refused one)."""
    return [] if ALONE_ONLY & set(dims) or base.refused else measured(base)


def _with_measures(ctx: Context, body: dict, base: Release, counts: Release,
                   dims: tuple[str, ...], period: Period) -> dict:
    """A release's body with its measures: the audited counts, and the days worked out."""
    measured_days = day_percentiles(ctx, dims, period, [p / 100 for p in POINTS])
    days = {f"days_to_{m}": {key: {round(p * 100): v for p, v in found[1].items()}
                             for key, found in measured_days[m].items()}
            for m in ("acknowledge", "close")}
    return {**body, "measures": entries(base, counts, days), "measure_by": list(counts.dims),
            "measure_rows": counts.as_dict()["rows"], "measures_withheld": counts.refused}


def _publish_measures(ctx: Context, row: StatsRelease, dims: tuple[str, ...], period: Period,
                      profile: Profile, counted: Tally | None = None) -> dict:
    """Publish a release's measures the first time they are asked for: their counts audited
    with every stored release, the rest worked out from them (casework.stats.measures).
    Small units get none: their measures would describe too few people. counted: the tally
    the table was just published from, used again if it counts every dimension needed."""
    base = _base(ctx, row, dims, profile)
    body = dict(row.body)
    keys = _measure_keys(base, dims)
    if keys:
        earlier = _releases(ctx)
        wide = extended(dims)
        used = sorted({*wide, *(d for r in earlier for d in r.dims)})
        tally = counted if counted is not None and set(used) <= set(counted.domains) else (
            _tally(ctx, used, [period, *(r.period for r in earlier)]))
        counts = secure(measure_release(tally, period, dims, keys, profile), earlier, tally,
                        time_limit=_time_left(ctx))
        body = _with_measures(ctx, body, base, counts, dims, period)
        if counts.unsure:  # not stored: asking again checks them again
            return body
    else:
        body.update(measures=[])
    if row in ctx.session:
        row.body = body
        flag_modified(row, "body")
        ctx.session.flush()
    return body


_FRESH = "statistics published together in this request"


def publish_together(ctx: Context, actor: Staff, requests: Sequence[StatsRequest]) -> int:
    """Publish several tables of one period that are not stored yet, with their measures, in
    one audit of them all (casework.stats.audit.safe_together) rather than one per table and
    one per table's measures: what an annual report's first showing needs. Stores them only if
    that audit finds them all safe, and answers how many it stored; otherwise stores nothing,
    and release() then publishes each on its own, refusing only a table that narrows. Nothing
    is audited here: release() records each table's export when it is answered."""
    require(actor, Power.STATISTICS)
    checked = {check_request(ctx, request) for request in requests}
    profiles = {profile_of(ctx, request.profile).name for request in requests}
    if len({period.key for _dims, period in checked}) != 1 or len(profiles) != 1:
        return 0
    profile = PROFILES[profiles.pop()]
    stored = {(row.period, row.dimensions, row.profile) for row, _dims in _stored(ctx)}
    wanted = sorted(((dims, period) for dims, period in checked
                     if (period.key, ",".join(dims), profile.name) not in stored
                     and not ALONE_ONLY & set(dims)), key=lambda found: found[0])
    if len(wanted) < 2:
        return 0
    period = wanted[0][1]
    earlier = _releases(ctx)
    used = sorted({d for dims, _p in wanted for d in extended(dims)}
                  | {d for r in earlier for d in r.dims})
    tally = _tally(ctx, used, [period, *(r.period for r in earlier)])
    tables = []
    for dims, _period in wanted:
        row = _row(ctx, actor, dims, period, profile,
                   primary(tally, period, dims, profile, tally.secret))
        base = _base(ctx, row, dims, profile)
        keys = _measure_keys(base, dims)
        counts = measure_release(tally, period, dims, keys, profile) if keys else None
        tables.append((row, dims, base, counts))
    news = [r for _row_, _d, base, counts in tables for r in (base, counts) if r is not None]
    if not safe_together(news, earlier, tally, _time_left(ctx)):
        return 0
    for row, dims, base, counts in tables:
        row.body = (_with_measures(ctx, row.body, base, counts, dims, period)
                    if counts is not None else {**row.body, "measures": []})
        ctx.session.add(row)
    ctx.session.flush()
    ctx.cache.setdefault(_FRESH, set()).update(row.id for row, *_rest in tables)
    return len(tables)


def stored_releases(ctx: Context, actor: Staff) -> list[StatsRelease]:
    """Every release published so far, newest first (for the analyst's page)."""
    require(actor, Power.STATISTICS)
    return list(ctx.session.execute(
        select(StatsRelease).order_by(StatsRelease.id.desc())).scalars())

