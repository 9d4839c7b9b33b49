"""Work lists for staff pages: the dashboard, triage and the sortable case list.

Every query here goes through `visible_filter(actor)`, so an invisible case never appears, not
even as a count. The lists show facts kept in clear columns (reference, route, state, clocks),
never sealed content, so reading them is not a content read and is not audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select

from casework.models import Assignment, Case, CaseClock
from casework.services.access import Staff, visible_filter
from casework.services.context import Context
from casework.services.views import CaseListing

DUE_SOON_DAYS = 7
SORTS = ("newest", "oldest", "due")


@dataclass(frozen=True)
class CaseRow:
    """One line of a case table."""

    reference: str
    route: str
    category: str
    state: str
    queue: str
    opened_at: datetime
    next_due: date | None = None


@dataclass(frozen=True)
class ClockRow:
    """A running clock on a visible case, for the due-soon and overdue tables."""

    reference: str
    route: str
    state: str
    clock: str
    due_on: date
    status: str  # running or overdue


@dataclass(frozen=True)
class Section:
    """A short table and how many rows there are in all."""

    rows: list
    total: int


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard shows one staff member."""

    assigned: Section
    queues: Section
    due_soon: Section
    overdue: Section
    arrived: Section


@dataclass(frozen=True)
class CaseQuery:
    """Filters, order and page for the case list."""

    reference: str | None = None
    state: str | None = None
    route: str | None = None
    queue: str | None = None
    category: str | None = None
    assigned_to_me: bool = False
    overdue: bool = False
    sort: str = "newest"
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class TriageRow:
    """A newly arrived case and its clocks."""

    case: CaseRow
    clocks: list[ClockRow] = field(default_factory=list)


def _next_due():
    return (select(func.min(CaseClock.due_on)).where(
        CaseClock.case_id == Case.id, CaseClock.status == "running")
        .correlate(Case).scalar_subquery())


def _assigned_to(user_id: int) -> ColumnElement[bool]:
    return exists().where(Assignment.case_id == Case.id, Assignment.user_id == user_id,
                          Assignment.ended_at.is_(None))


def _in_queues(actor: Staff) -> ColumnElement[bool]:
    return Case.queue.in_(sorted(actor.queues)) if actor.queues else false()


def _initial(ctx: Context) -> ColumnElement[bool]:
    """Cases still in their route's first state (received, reported)."""
    return or_(*(and_(Case.route == key, Case.state == route.initial)
                 for key, route in ctx.runtime.routes.items()))


def _overdue(ctx: Context) -> ColumnElement[bool]:
    return exists().where(CaseClock.case_id == Case.id, CaseClock.status == "running",
                          CaseClock.due_on < ctx.now.date())


def _case_rows(ctx: Context, where: list, order, limit: int, offset: int = 0) -> list[CaseRow]:
    rows = ctx.session.execute(
        select(Case.reference, Case.route, Case.category, Case.state, Case.queue,
               Case.opened_at, _next_due().label("next_due"))
        .where(*where).order_by(*order).limit(limit).offset(offset)).all()
    return [CaseRow(*row) for row in rows]


def _count(ctx: Context, where: list) -> int:
    return ctx.session.execute(select(func.count()).select_from(Case).where(*where)).scalar_one()


def _section(ctx: Context, where: list, order, limit: int) -> Section:
    return Section(_case_rows(ctx, where, order, limit), _count(ctx, where))


def _clock_section(ctx: Context, actor: Staff, condition, limit: int) -> Section:
    """Running clocks on visible cases meeting a condition on their due date, soonest first."""
    today = ctx.now.date()
    where = [visible_filter(actor), CaseClock.status == "running", condition]
    query = (select(Case.reference, Case.route, Case.state, CaseClock.name, CaseClock.due_on)
             .join(Case, Case.id == CaseClock.case_id).where(*where))
    rows = ctx.session.execute(query.order_by(CaseClock.due_on, Case.id).limit(limit)).all()
    total = ctx.session.execute(select(func.count()).select_from(CaseClock)
                                .join(Case, Case.id == CaseClock.case_id)
                                .where(*where)).scalar_one()
    return Section([ClockRow(ref, route, state, clock_label(ctx, route, name), due,
                             "overdue" if due < today else "running")
                    for ref, route, state, name, due in rows], total)


def clock_label(ctx: Context, route: str, name: str) -> str:
    """The policy pack's words for a clock."""
    return next((c.label for c in ctx.runtime.pack.clocks
                 if c.route == route and c.name == name), name.replace("_", " "))


def dashboard(ctx: Context, actor: Staff, limit: int = 10) -> Dashboard:
    """My assigned cases, my queues, due soon, overdue and newly arrived: visible cases only."""
    today = ctx.now.date()
    visible, open_ = visible_filter(actor), Case.closed_at.is_(None)
    newest = (Case.opened_at.desc(), Case.id.desc())
    oldest = (Case.opened_at.asc(), Case.id.asc())
    return Dashboard(
        assigned=_section(ctx, [visible, open_, _assigned_to(actor.user_id)], newest, limit),
        queues=_section(ctx, [visible, open_, _in_queues(actor)], newest, limit),
        due_soon=_clock_section(ctx, actor, CaseClock.due_on.between(
            today, today + timedelta(days=DUE_SOON_DAYS)), limit),
        overdue=_clock_section(ctx, actor, CaseClock.due_on < today, limit),
        arrived=_section(ctx, [visible, _in_queues(actor), _initial(ctx)], oldest, limit))


def triage(ctx: Context, actor: Staff, page: int = 1, per_page: int = 50) -> tuple[
        list[TriageRow], int]:
    """Cases in my queues still in their first state, oldest first, each with its clocks."""
    where = [visible_filter(actor), _in_queues(actor), _initial(ctx)]
    cases = _case_rows(ctx, where, (Case.opened_at.asc(), Case.id.asc()), per_page,
                       (max(page, 1) - 1) * per_page)
    refs = [c.reference for c in cases]
    today, clocks = ctx.now.date(), {}
    rows = ctx.session.execute(
        select(Case.reference, Case.route, Case.state, CaseClock.name, CaseClock.due_on,
               CaseClock.status).join(Case, Case.id == CaseClock.case_id)
        .where(Case.reference.in_(refs)).order_by(CaseClock.due_on)).all() if refs else []
    for ref, route, state, name, due, status in rows:
        shown = "overdue" if status == "running" and due < today else status
        clocks.setdefault(ref, []).append(
            ClockRow(ref, route, state, clock_label(ctx, route, name), due, shown))
    return [TriageRow(c, clocks.get(c.reference, [])) for c in cases], _count(ctx, where)


def find_cases(ctx: Context, actor: Staff, query: CaseQuery) -> CaseListing:
    """The case list: visible cases only, filtered, sorted and paged (LIMIT/OFFSET).

    Newest and oldest order by the indexed (opened_at, id); "next due" orders by the earliest
    running clock, a correlated subquery that PostgreSQL cannot take from an index, so for very
    large tables it wants a denormalised next-due column on cases.
    """
    where = [visible_filter(actor)]
    if query.reference:  # content is sealed, so the reference is what can be searched
        where.append(Case.reference == query.reference.strip().upper())
    for column, value in ((Case.state, query.state), (Case.route, query.route),
                          (Case.queue, query.queue), (Case.category, query.category)):
        if value:
            where.append(column == value)
    if query.assigned_to_me:
        where.append(_assigned_to(actor.user_id))
    if query.overdue:
        where.append(_overdue(ctx))
    order = {"newest": (Case.opened_at.desc(), Case.id.desc()),
             "oldest": (Case.opened_at.asc(), Case.id.asc()),
             "due": (_next_due().asc().nulls_last(), Case.opened_at.desc(), Case.id.desc()),
             }[query.sort if query.sort in SORTS else "newest"]
    page = max(query.page, 1)
    rows = _case_rows(ctx, where, order, query.per_page, (page - 1) * query.per_page)
    return CaseListing([vars(r) for r in rows], page, query.per_page, _count(ctx, where))
