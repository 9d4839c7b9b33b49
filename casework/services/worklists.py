"""Work lists for staff pages: the dashboard, triage and the sortable case list.

Every query here goes through `visible_filter(actor)`, so an invisible case never appears, not
even as a count. The lists show facts kept in clear columns (reference, route, state, clocks),
never sealed content, so reading them is not a content read and is not audited.

At a million cases a page costs what its rows cost, not what the table holds: each filter leads
an index ending in the list's order, the next due date is a column (`Case.next_due_on`), and
counts stop at a cap (the page then says "or more"). The case list pages by keyset: each page
gives a cursor (`CaseListing.next`) to the row after its last, so page 200 reached by "Next
page" costs what the first does; `page=` (LIMIT/OFFSET) still works and costs in proportion to
its depth (page 200 reads about 5,000 matching rows first).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from casework.crypto.cursor import open_cursor, seal_cursor
from casework.i18n import _, _l
from casework.models import Assignment, Case, CaseClock
from casework.services.access import Staff, visible_filter, visible_parts
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.search import (
    WordSearch,
    implicated_clause,
    query_tokens,
    titles,
    word_search,
)

#: Counts stop here: past it a list says "more than 1,000", and counting costs no more at a
#: million cases than at a few thousand.
COUNT_CAP = 1000
#: The case list (pages and API) counts exactly up to here; past it, "10,000 or more"
#: (`total_at_least`), read from a LIMIT TOTAL_CAP + 1 subquery, never a full count.
TOTAL_CAP = 10_000
#: The dashboard's tables link to the full lists; their counts stop sooner ("more than 100").
DASHBOARD_CAP = 100
NEWEST = (Case.opened_at.desc(), Case.id.desc())
OLDEST = (Case.opened_at.asc(), Case.id.asc())
#: Soonest due first, then the earlier lodged; cases with no running clock last.
DUE = (Case.next_due_on.asc().nulls_last(), Case.opened_at.asc(), Case.id.asc())
ORDERS = {"newest": NEWEST, "oldest": OLDEST, "due": DUE}
SORTS = tuple(ORDERS)


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
    title: str | None = None


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
    """A short table and how many rows there are in all (at least, when `more`)."""

    rows: list
    total: int
    more: bool = False


@dataclass(frozen=True)
class CaseListing:
    """A page of cases an actor may see, and how many match (at least, when `more`)."""

    items: list[dict]
    page: int
    per_page: int
    total: int
    more: bool = False
    #: The cursor of the page after this one (None on the last page).
    next: str | None = None


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
    #: Words of the case's own text, all of which must be there (services.search).
    words: str | None = None
    #: Lodged on or after / on or before these days (the organisation's days, UTC bounds).
    lodged_from: date | None = None
    lodged_to: date | None = None
    #: Assigned now to this staff member; implicated: this directory person.
    assigned_to: int | None = None
    implicated: int | None = None
    sort: str = "newest"
    page: int = 1
    per_page: int = 25
    #: A cursor from a listing's `next`: the page starts after the row it names (and `page`
    #: only numbers it).
    after: str | None = None


@dataclass(frozen=True)
class TriageRow:
    """A newly arrived case and its clocks."""

    case: CaseRow
    clocks: list[ClockRow] = field(default_factory=list)


def _assigned_to(user_id: int) -> ColumnElement[bool]:
    """Cases the user is assigned to now: an IN list, so the database can start from the
    user's assignments (a few) rather than test every case."""
    return Case.id.in_(select(Assignment.case_id).where(
        Assignment.user_id == user_id, Assignment.ended_at.is_(None)))


class unindexed(FunctionElement):
    """A column SQLite must not choose an index for (its unary "+"); elsewhere the column.

    SQLite plans without knowing how values spread. Asked for the new cases of a queue, oldest
    first, it walks the queue's index from its oldest case, through years of closed ones; kept
    off that index it takes the state index, which holds only the new ones. PostgreSQL's
    statistics see this by themselves.
    """

    inherit_cache = True

    def __init__(self, column: ColumnElement) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _column(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unary_plus(element, compiler, **kw):
    return "+" + compiler.process(element.clauses, **kw)


def _in_queues(actor: Staff, indexed: bool = True) -> ColumnElement[bool]:
    column = Case.queue if indexed else unindexed(Case.queue)
    return column.in_(sorted(actor.queues)) if actor.queues else false()


def _new(ctx: Context, actor: Staff) -> list[ColumnElement[bool]]:
    """Cases in my queues still in their route's first state (received, reported), found from
    the state index (few cases are new; most of a queue is its history)."""
    routes = ctx.runtime.routes
    return [_in_queues(actor, indexed=False),
            Case.state.in_(sorted({route.initial for route in routes.values()})),
            or_(*(and_(Case.route == key, Case.state == route.initial)
                  for key, route in routes.items()))]


def _overdue(ctx: Context) -> ColumnElement[bool]:
    """A running clock is past its date: the earliest one is."""
    return Case.next_due_on < ctx.today


ROW = (Case.reference, Case.route, Case.category, Case.state, Case.queue, Case.opened_at,
       Case.next_due_on, Case.id, Case.title_ct)


def _select_rows(ctx: Context, where: list, order, limit: int, offset: int = 0) -> list:
    return list(ctx.session.execute(
        select(*ROW).where(*where).order_by(*order).limit(limit).offset(offset)).all())


def _shown(ctx: Context, rows: list) -> list[CaseRow]:
    shown = titles(ctx, [(row.id, row.title_ct) for row in rows])
    return [CaseRow(*row[:7], title=shown.get(row.id)) for row in rows]


def _case_rows(ctx: Context, where: list, order, limit: int, offset: int = 0) -> list[CaseRow]:
    return _shown(ctx, _select_rows(ctx, where, order, limit, offset))


def count_up_to(ctx: Context, query: Select, cap: int | None) -> tuple[int, bool]:
    """How many rows the query gives, reading at most cap + 1 of them (None: all of them),
    and whether there are more than cap."""
    if cap is None:
        return ctx.session.execute(select(func.count()).select_from(
            query.subquery())).scalar_one(), False
    found = ctx.session.execute(select(func.count()).select_from(
        query.limit(cap + 1).subquery())).scalar_one()
    return min(found, cap), found > cap


def _count(ctx: Context, where: list, cap: int | None) -> tuple[int, bool]:
    return count_up_to(ctx, select(Case.id).where(*where), cap)


def _count_visible(ctx: Context, actor: Staff, cap: int) -> tuple[int, bool]:
    """The visible cases, counted up to cap, part by part of the access filter (the actor's
    queues, then what is assigned to them outside those): the first reads the queue's index,
    the second the actor's assignments, where one statement would walk every case in lodged
    order to find the actor's. (A list with a filter counts in one statement, along the
    filter's index.)"""
    total = 0
    for part in visible_parts(actor):
        found, more = count_up_to(ctx, select(Case.id).where(part), cap - total)
        total += found + more
        if total > cap:
            break
    return min(total, cap), total > cap


def _section(ctx: Context, where: list, order, limit: int, count_in_order=False) -> Section:
    """The first rows and a capped count; counting in the rows' order reads from where they
    are dense (open cases are the newest) rather than wherever the database starts."""
    counted = select(Case.id).where(*where).order_by(*(order if count_in_order else ()))
    return Section(_case_rows(ctx, where, order, limit),
                   *count_up_to(ctx, counted, DASHBOARD_CAP))


def _clock_section(ctx: Context, actor: Staff, condition, limit: int) -> Section:
    """Running clocks on visible cases meeting a condition on their due date, soonest first."""
    today = ctx.today
    where = [visible_filter(actor), CaseClock.status == "running", condition]
    query = (select(Case.reference, Case.route, Case.state, CaseClock.name, CaseClock.due_on)
             .join(Case, Case.id == CaseClock.case_id).where(*where))
    rows = ctx.session.execute(query.order_by(CaseClock.due_on, Case.id).limit(limit)).all()
    total, more = count_up_to(ctx, select(CaseClock.id).join(
        Case, Case.id == CaseClock.case_id).where(*where), DASHBOARD_CAP)
    return Section([ClockRow(ref, route, state, clock_label(ctx, route, name), due,
                             "overdue" if due < today else "running")
                    for ref, route, state, name, due in rows], total, more)


def clock_label(ctx: Context, route: str, name: str) -> str:
    """The policy pack's words for a clock."""
    return next((c.label for c in ctx.runtime.pack.clocks
                 if c.route == route and c.name == name), name.replace("_", " "))


def dashboard(ctx: Context, actor: Staff, limit: int = 10) -> Dashboard:
    """My assigned cases, my queues, due soon, overdue and newly arrived: visible cases only."""
    today = ctx.today
    visible, open_ = visible_filter(actor), Case.closed_at.is_(None)
    return Dashboard(
        assigned=_section(ctx, [visible, open_, _assigned_to(actor.user_id)], NEWEST, limit),
        queues=_section(ctx, [visible, open_, _in_queues(actor)], NEWEST, limit, True),
        due_soon=_clock_section(ctx, actor, CaseClock.due_on.between(
            today, today + timedelta(days=ctx.runtime.pack.due_soon_days)), limit),
        overdue=_clock_section(ctx, actor, CaseClock.due_on < today, limit),
        arrived=_section(ctx, [visible, *_new(ctx, actor)], OLDEST, limit))


def triage(ctx: Context, actor: Staff, page: int = 1, per_page: int = 50) -> tuple[
        list[TriageRow], int, bool]:
    """Cases in my queues still in their first state, oldest first, each with its clocks;
    how many there are, and whether more than that."""
    where = [visible_filter(actor), *_new(ctx, actor)]
    offset = (max(page, 1) - 1) * per_page
    cases = _case_rows(ctx, where, OLDEST, per_page, offset)
    refs = [c.reference for c in cases]
    today, clocks = ctx.today, {}
    rows = ctx.session.execute(
        select(Case.reference, Case.route, Case.state, CaseClock.name, CaseClock.due_on,
               CaseClock.status).join(Case, Case.id == CaseClock.case_id)
        .where(Case.reference.in_(refs)).order_by(CaseClock.due_on)).all() if refs else []
    for ref, route, state, name, due, status in rows:
        shown = "overdue" if status == "running" and due < today else status
        clocks.setdefault(ref, []).append(
            ClockRow(ref, route, state, clock_label(ctx, route, name), due, shown))
    total, more = _count(ctx, where, max(COUNT_CAP, offset + per_page))
    return [TriageRow(c, clocks.get(c.reference, [])) for c in cases], total, more


def _filters(ctx: Context, actor: Staff, query: CaseQuery) -> tuple[
        list[ColumnElement[bool]], WordSearch | None]:
    """The list's filters, and its words' search (None without words: how the words are
    looked up depends on how deep the page is, and differs for the count); a search by words
    or by someone implicated is audited (which filters, never the words or the person)."""
    where = []
    if query.reference:
        where.append(Case.reference == query.reference.strip().upper())
    for column, value in ((Case.state, query.state), (Case.route, query.route),
                          (Case.queue, query.queue), (Case.category, query.category)):
        if value:
            where.append(column == value)
    if query.assigned_to_me:
        where.append(_assigned_to(actor.user_id))
    if query.assigned_to is not None:
        where.append(_assigned_to(query.assigned_to))
    if query.overdue:
        where.append(_overdue(ctx))
    zone = ZoneInfo(ctx.runtime.pack.timezone)
    if query.lodged_from:
        where.append(Case.opened_at >= _day_start(query.lodged_from, zone))
    if query.lodged_to:
        where.append(Case.opened_at < _day_start(query.lodged_to + timedelta(days=1), zone))
    found = query_tokens(ctx, query.words)
    if query.implicated is not None:
        where.append(implicated_clause(ctx, query.implicated))
    if found or query.implicated is not None:
        ctx.audit(Kind.CASE_SEARCH, actor.label, words=len(found),
                  implicated=query.implicated is not None)
    return where, word_search(ctx, found)


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of an organisation's day, in UTC (as opened_at is kept)."""
    return datetime.combine(day, time.min, zone).astimezone(UTC)


def find_cases(ctx: Context, actor: Staff, query: CaseQuery, api: bool = False) -> CaseListing:
    """The case list: visible cases only, filtered, sorted and paged, from `query.after` (a
    cursor, keyset) or else from `query.page` (LIMIT/OFFSET); counted up to TOTAL_CAP, or as
    far as an OFFSET page reaches, whichever is further (`api`: up to TOTAL_CAP only, as the
    API promises). A malformed or foreign cursor is a 422 naming `after`. Words are looked up
    the way their search chooses (services.search.WordSearch): gathered from the rarest word's
    rows, or checked case by case as the list walks in its order."""
    sort = query.sort if query.sort in ORDERS else "newest"
    after = _open_after(ctx, query, sort) if query.after is not None else None
    filters, words = _filters(ctx, actor, query)
    where = [visible_filter(actor), *filters]
    page = max(query.page, 1)
    offset = 0 if after is not None else (page - 1) * query.per_page
    want = query.per_page + 1  # one more than shown: is there a next page?
    cap = TOTAL_CAP if api else max(TOTAL_CAP, offset + query.per_page)
    order = ORDERS[sort]
    counted = None
    if after is not None:
        rows = _rows_after(ctx, where, sort, after, want, words)
    elif words is not None and words.gathers(offset + want):
        rows, counted = _gathered(ctx, words, where, order, offset, want, cap)
    else:
        rows = _fetch(ctx, where, order, want, words, offset)
    rows, more_rows = rows[:query.per_page], len(rows) > query.per_page
    if counted is None:
        if words is None and not filters:
            counted = _count_visible(ctx, actor, cap)
        elif words is None:  # a filter's own index leads; the access filter is checked on it
            counted = count_up_to(ctx, select(Case.id).where(*where), cap)
        else:
            counted = count_up_to(ctx, words.gather(select(Case.id), where), cap)
    following = _seal_after(ctx, query, sort, rows[-1]) if more_rows else None
    return CaseListing([vars(r) for r in _shown(ctx, rows)], page, query.per_page, *counted,
                       following)


def _fetch(ctx: Context, where: list, order, limit: int, words: WordSearch | None,
           offset: int = 0) -> list:
    """Rows of the list in its order: by the list's own indexes, or, with words, walking the
    list and checking each word by key (the word search decides when gathering is cheaper)."""
    if words is None:
        return _select_rows(ctx, where, order, limit, offset)
    if words.gathers(offset + limit):
        ids = ctx.session.execute(words.gather(select(Case.id), where).order_by(*order)
                                  .limit(limit).offset(offset)).scalars().all()
        return _select_rows(ctx, [Case.id.in_(ids)], order, limit) if ids else []
    return list(ctx.session.execute(words.walk(select(*ROW), where).order_by(*order)
                                    .limit(limit).offset(offset)).all())


def _gathered(ctx: Context, words: WordSearch, where: list, order, offset: int, want: int,
              cap: int) -> tuple[list, tuple[int, bool]]:
    """A page and its count from one pass over the rarest word's rows: the matching ids in
    the list's order, up to cap + 1 (gathering sorts every match anyway), then the page's
    rows by id."""
    ids = ctx.session.execute(words.gather(select(Case.id), where).order_by(*order)
                              .limit(max(cap, offset + want) + 1)).scalars().all()
    shown = ids[offset:offset + want]
    rows = _select_rows(ctx, [Case.id.in_(shown)], order, want) if shown else []
    return rows, (min(len(ids), cap), len(ids) > cap)


CURSOR_PURPOSE = "case-list-cursor"
CURSOR_FORMAT = 1
BAD_CURSOR = _l("This page link has expired or belongs to another list (its filters or order "
                "changed). Start again from the first page.")


def _bound_to(query: CaseQuery, sort: str) -> bytes:
    """What a cursor belongs to: the list's filters and order (never stored in the cursor)."""
    shape = {k: v for k, v in asdict(query).items() if k not in ("page", "per_page", "after")}
    shape["sort"] = sort
    return json.dumps(shape, sort_keys=True, default=str, separators=(",", ":")).encode()


def _seal_after(ctx: Context, query: CaseQuery, sort: str, row) -> str:
    """A cursor for the rows after this one: its sort key (next due, lodged, id), sealed."""
    keys = [row.opened_at.astimezone(UTC).isoformat(), row.id]
    if sort == "due":
        keys.insert(0, row.next_due_on.isoformat() if row.next_due_on else None)
    payload = json.dumps([CURSOR_FORMAT, *keys], separators=(",", ":")).encode()
    return seal_cursor(ctx.runtime.keyring.derive(CURSOR_PURPOSE), payload,
                       _bound_to(query, sort))


def _open_after(ctx: Context, query: CaseQuery, sort: str) -> tuple:
    """The sort key a cursor carries, or a 422 naming `after`."""
    payload = open_cursor(ctx.runtime.keyring.derive(CURSOR_PURPOSE), query.after,
                          _bound_to(query, sort))
    try:
        found = json.loads(payload) if payload is not None else None
        if not isinstance(found, list) or found[0] != CURSOR_FORMAT:
            raise ValueError
        *due, opened, case_id = found[1:]
        opened_at = datetime.fromisoformat(opened)
        if len(due) != (sort == "due") or not isinstance(case_id, int):
            raise ValueError
        next_due = date.fromisoformat(due[0]) if due and due[0] is not None else None
    except (ValueError, TypeError, IndexError):
        raise Invalid(BAD_CURSOR, {"after": _("not a cursor for this list")}) from None
    return next_due, opened_at, case_id


def _rows_after(ctx: Context, where: list, sort: str, after: tuple, limit: int,
                words: WordSearch | None = None) -> list:
    """The rows that follow a sort key, in the list's order, each part from an index range.

    Soonest due first puts the cases without a running clock last: after a due date, the
    rest of that date and the later ones, then (if the page is not full) the undated ones."""
    next_due, opened_at, case_id = after
    key = tuple_(Case.opened_at, Case.id)
    if sort == "newest":
        return _fetch(ctx, [*where, key < (opened_at, case_id)], NEWEST, limit, words)
    if sort == "oldest":
        return _fetch(ctx, [*where, key > (opened_at, case_id)], OLDEST, limit, words)
    undated = [*where, Case.next_due_on.is_(None)]
    if next_due is None:
        return _fetch(ctx, [*undated, key > (opened_at, case_id)], DUE, limit, words)
    rows = _fetch(ctx, [*where, Case.next_due_on >= next_due, or_(
        Case.next_due_on > next_due, key > (opened_at, case_id))], DUE, limit, words)
    if len(rows) < limit:
        rows += _fetch(ctx, undated, DUE, limit - len(rows), words)
    return rows
