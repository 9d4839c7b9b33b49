"""The auditor's filters on the trail, read and checked in one place (pages and the API share
them): who acted, what kind of event (exact, or a prefix such as `case:`), and when (a fixed
period, a month, or a free range of dates, counted in the organisation's time zone)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement

from casework.i18n import _, _l
from casework.models import AuditEvent
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.stats.periods import FIRST_YEAR, LAST_YEAR, PeriodError, parse_period

PERIODS = _l("a year (2026), a half-year (2026-H1), a quarter (2026-Q3), a month (2026-05) "
             "or a financial year (FY2026)")
KINDS = frozenset(str(k) for k in Kind)
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
#: How the trail names actors: `user:<id>` for a staff account, else a word (reporter, cli,
#: system, unknown), perhaps qualified (`system:demo`).
_ACTOR = re.compile(r"user:[1-9][0-9]{0,9}|(?!user:)[a-z][a-z_]{0,31}(?::[a-z0-9_]{1,31})?")


@dataclass(frozen=True)
class TrailQuery:
    """What an auditor asks of the trail; empty filters are left out. `after` is the keyset
    cursor (events older than that sequence number); `page` counts on from it."""

    case: str | None = None
    actor: str | None = None
    kind: str | None = None
    period: str | None = None
    since: date | None = None
    until: date | None = None
    after: int | None = None
    page: int = 1
    per_page: int = 50

    def used(self) -> dict[str, object]:
        """The filters given, as the record of the read keeps them (the case goes by id)."""
        given = {"actor": self.actor, "kind": self.kind, "period": self.period,
                 "from": self.since.isoformat() if self.since else None,
                 "to": self.until.isoformat() if self.until else None, "after": self.after,
                 "page": self.page if self.page > 1 else None}
        return {k: v for k, v in given.items() if v}


def kind_clause(text: str) -> ColumnElement[bool]:
    """One kind exactly, or every kind under a prefix (`case:`, `auth`, `case:note:`)."""
    wanted = text.strip().lower()
    if wanted in KINDS:
        return AuditEvent.kind == wanted
    prefix = wanted.rstrip(":") + ":"
    if wanted and any(k.startswith(prefix) for k in KINDS):
        return AuditEvent.kind.startswith(prefix, autoescape=True)
    raise ValueError(_("is not a kind of event, nor the start of one (such as case: or auth:)"))


def period_span(text: str, fiscal_year_start_month: int) -> tuple[date, date]:
    """The first day and the day after the last of a period: a fixed statistics period or a
    month (2026-05)."""
    month = _MONTH.fullmatch(text.strip())
    if month:
        if not FIRST_YEAR <= int(month[1]) <= LAST_YEAR:
            raise ValueError(_("the year must lie between %(first)s and %(last)s",
                               first=FIRST_YEAR, last=LAST_YEAR))
        start = date(int(month[1]), int(month[2]), 1)
        return start, (start + timedelta(days=31)).replace(day=1)
    try:
        period = parse_period(text, fiscal_year_start_month)
    except PeriodError:
        raise ValueError(_("use %(periods)s", periods=PERIODS)) from None
    return period.start, period.end


def trail_clauses(ctx: Context, query: TrailQuery) -> list[ColumnElement[bool]]:
    """The filters as SQL clauses (the case is the loader's business); every bad one is named
    in one refusal (422)."""
    errors: dict[str, str] = {}
    clauses = _who_and_what(query, errors) + _when(ctx, query, errors)
    if errors:
        raise Invalid(_("Some filters do not make sense."), errors)
    return clauses


def _who_and_what(query: TrailQuery, errors: dict[str, str]) -> list[ColumnElement[bool]]:
    clauses = []
    if query.actor:
        if _ACTOR.fullmatch(query.actor.strip()):
            clauses.append(AuditEvent.actor == query.actor.strip())
        else:
            errors["actor"] = _("write user: and an account number (user:12), or reporter, "
                                "cli or system")
    if query.kind:
        try:
            clauses.append(kind_clause(query.kind))
        except ValueError as exc:
            errors["kind"] = str(exc)
    return clauses


def _when(ctx: Context, query: TrailQuery, errors: dict[str, str]) -> list[ColumnElement[bool]]:
    """The period and the days, from the first day's start to the end of the last, in the
    organisation's time zone."""
    spans: list[tuple[date | None, date | None]] = []
    if query.period:
        try:
            spans.append(period_span(query.period, ctx.runtime.pack.fiscal_year_start_month))
        except ValueError as exc:
            errors["period"] = str(exc)
    for name, day in (("from", query.since), ("to", query.until)):
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            errors[name] = _("must be a date between %(first)s and %(last)s",
                             first=FIRST_YEAR, last=LAST_YEAR)
    if query.since and query.until and query.until < query.since:
        errors["to"] = _("must not be before the first day (from)")
    if errors:
        return []
    if query.since or query.until:
        spans.append((query.since, query.until + timedelta(days=1) if query.until else None))
    zone, clauses = ZoneInfo(ctx.runtime.pack.timezone), []
    for start, end in spans:
        if start is not None:
            clauses.append(AuditEvent.at >= datetime.combine(start, time.min, zone))
        if end is not None:
            clauses.append(AuditEvent.at < datetime.combine(end, time.min, zone))
    return clauses
