"""Reminders of due and overdue clocks, to the staff who may see each case (for cron).

One run reads the running clocks due within the pack's warning period from the
(status, due_on) index and their open cases by primary key, then their candidate recipients
(active assignees and members of the case's queue) in one query, then asks the access policy
which of those cases each candidate may see, in one statement per group of candidates. So the
number of queries depends on how many clocks are due and how many people may be told, never on
how many cases are open. Each reminder is enqueued under a key naming the clock, its due date,
the stage and the user: an extended clock reminds again, a repeated or concurrent run adds
nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Integer, String, cast, literal, null, select, union_all

from casework.models import Assignment, Case, CaseClock, QueueMembership, User
from casework.services import inbox
from casework.services.access import staff_actor, visible_filter
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.notify import Outgoing, enqueue_many
from casework.workflow.clocks import local_date

#: At most this many case ids in one statement (SQLite allows 32,766 variables), and at most
#: this many candidates whose visibility one statement asks.
IDS_PER_STATEMENT = 5000
USERS_PER_STATEMENT = 50


def chunks(values: list, size: int = IDS_PER_STATEMENT) -> list[list]:
    """values in slices of at most size."""
    return [values[start:start + size] for start in range(0, len(values), size)]


@dataclass(frozen=True)
class DueClock:
    """A running clock that is due soon or overdue, on an open case."""

    id: int
    case_id: int
    queue: str
    due_on: date
    stage: str  # due_soon | overdue


@dataclass(frozen=True)
class ReminderRun:
    """What one run found and enqueued (counts only)."""

    clocks: int
    new: int
    existing: int


def today(ctx: Context) -> date:
    """The organisation's calendar day now."""
    return local_date(ctx.now, ctx.runtime.pack.timezone)


def due_clocks(ctx: Context, day: date) -> list[DueClock]:
    """Running clocks on open cases due by day + the pack's warning period.

    Two index-driven reads, not a join: PostgreSQL's planner, not knowing how few clocks are
    due, would hash the whole cases table (a scan that grows with every open case)."""
    horizon = day + timedelta(days=ctx.runtime.pack.due_soon_days)
    clocks = ctx.session.execute(
        select(CaseClock.id, CaseClock.case_id, CaseClock.due_on)
        .where(CaseClock.status == "running", CaseClock.due_on <= horizon,
               CaseClock.paused_on.is_(None))).all()
    queues: dict[int, str] = {}
    for ids in chunks(sorted({case_id for _, case_id, _ in clocks})):
        queues.update(ctx.session.execute(select(Case.id, Case.queue).where(
            Case.id.in_(ids), Case.closed_at.is_(None), Case.purged_at.is_(None))).all())
    return sorted((DueClock(i, case_id, queues[case_id], due,
                            "overdue" if due < day else "due_soon")
                   for i, case_id, due in clocks if case_id in queues), key=lambda c: c.id)


def candidates(ctx: Context, clocks: list[DueClock]) -> dict[int, set[int]]:
    """Active users assigned to, or in the queue of, each due case: user id → case ids."""
    case_ids = sorted({c.case_id for c in clocks})
    by_queue: dict[str, set[int]] = defaultdict(set)
    for clock in clocks:
        by_queue[clock.queue].add(clock.case_id)
    members = (select(QueueMembership.user_id, cast(null(), Integer).label("case_id"),
                      QueueMembership.queue)
               .join(User, User.id == QueueMembership.user_id)
               .where(QueueMembership.queue.in_(sorted(by_queue)), User.active.is_(True)))
    found: dict[int, set[int]] = defaultdict(set)
    for n, ids in enumerate(chunks(case_ids)):
        assigned = (select(Assignment.user_id, Assignment.case_id,
                           cast(null(), String).label("queue"))
                    .join(User, User.id == Assignment.user_id)
                    .where(Assignment.case_id.in_(ids), Assignment.ended_at.is_(None),
                           User.active.is_(True)))
        query = union_all(assigned, members) if n == 0 else assigned
        for user_id, case_id, queue in ctx.session.execute(query):
            found[user_id] |= {case_id} if case_id is not None else by_queue[queue]
    return found


def visible_pairs(ctx: Context, wanted: dict[int, set[int]]) -> set[tuple[int, int]]:
    """The (user, case) pairs among those wanted that the access policy lets the user see:
    the policy's own filter once per candidate, several candidates to a statement."""
    users = ctx.session.execute(select(User).where(User.id.in_(sorted(wanted)))).scalars()
    actors = sorted((staff_actor(u, ctx.runtime.keyring) for u in users),
                    key=lambda a: a.user_id)
    asks = [(actor, ids) for actor in actors for ids in chunks(sorted(wanted[actor.user_id]))]
    pairs: set[tuple[int, int]] = set()
    while asks:
        batch, size = [], 0
        while asks and len(batch) < USERS_PER_STATEMENT and (
                not batch or size + len(asks[0][1]) <= IDS_PER_STATEMENT):
            batch.append(asks.pop(0))
            size += len(batch[-1][1])
        parts = [select(literal(actor.user_id).label("user_id"), Case.id.label("case_id"))
                 .where(Case.id.in_(ids), visible_filter(actor)) for actor, ids in batch]
        pairs.update(tuple(row) for row in ctx.session.execute(union_all(*parts)))
    return pairs


def send_reminders(ctx: Context) -> ReminderRun:
    """Enqueue a reminder per due clock, stage and recipient not yet reminded; audited."""
    clocks = due_clocks(ctx, today(ctx))
    items: list[Outgoing] = []
    if clocks:
        pairs = visible_pairs(ctx, candidates(ctx, clocks))
        by_case: dict[int, list[int]] = defaultdict(list)
        for user_id, case_id in sorted(pairs):
            by_case[case_id].append(user_id)
        for clock in clocks:
            kind = "clock_overdue" if clock.stage == "overdue" else "clock_due_soon"
            items += [Outgoing(f"clock:{clock.id}:{clock.due_on}:{clock.stage}:user:{user_id}",
                               kind, "staff", user_id, clock.case_id,
                               {"due_on": clock.due_on.isoformat()})
                      for user_id in by_case[clock.case_id]]
    new = enqueue_many(ctx, items)
    inbox.deliver_checked(ctx, [(item.kind.removeprefix("clock_"),
                                 item.key.rpartition(":user:")[0], item.user_id, item.case_id)
                                for item in items])
    run = ReminderRun(clocks=len(clocks), new=new, existing=len(items) - new)
    ctx.audit(Kind.REMINDERS_SENT, "system", clocks=run.clocks, new=run.new,
              existing=run.existing)
    return run
