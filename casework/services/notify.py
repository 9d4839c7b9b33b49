"""Putting notifications in the outbox: once per key, whoever else is doing the same.

A notification row says what an email is about and to whom, never what the case says; the
sender (services.mail) writes the words. The insert skips a key already taken (ON CONFLICT DO
NOTHING), so a second run, or two processes at once, add nothing and raise nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from casework.models import Case, Notification
from casework.services.context import Context

#: Each kind and who receives it.
KINDS = {"clock_due_soon": "staff", "clock_overdue": "staff", "reporter_update": "reporter",
         "aftercare_followup": "staff", "grant_pending": "staff", "grant_decided": "staff",
         "case_fallback": "staff", "case_escalated": "staff", "inbox_new": "staff",
         "inbox_digest": "staff"}
#: The only parameters a notification may carry: a date, as ISO text, and how many new
#: items a digest counts.
PARAMS = frozenset({"due_on", "count"})


@dataclass(frozen=True)
class Outgoing:
    """One notification to enqueue."""

    key: str
    kind: str
    recipient_kind: str
    user_id: int | None = None
    case_id: int | None = None
    params: dict = field(default_factory=dict)

    def row(self, ctx: Context) -> dict:
        """The column values, checked: a known kind for its recipient, no content in params."""
        if KINDS.get(self.kind) != self.recipient_kind:
            raise ValueError(f"unknown kind {self.kind!r} for a {self.recipient_kind} recipient")
        if not set(self.params) <= PARAMS:
            raise ValueError(f"notification params may hold only {sorted(PARAMS)}")
        if (self.recipient_kind == "staff") != (self.user_id is not None):
            raise ValueError("a staff notification names a user; a reporter's does not")
        return {"dedupe_key": self.key, "kind": self.kind, "recipient_kind": self.recipient_kind,
                "user_id": self.user_id, "case_id": self.case_id, "params": dict(self.params),
                "status": "pending", "attempts": 0, "created_at": ctx.now,
                "next_attempt_at": ctx.now}


def enqueue_many(ctx: Context, items: Sequence[Outgoing], chunk: int = 1000) -> int:
    """Insert those whose key is new; returns how many were new.

    Keys already taken are read first (a repeated cron run, the usual case, then writes
    nothing); the rest go in as batched multi-row INSERTs that skip a key taken meanwhile by
    another process (ON CONFLICT DO NOTHING) and return only the rows they inserted."""
    keys = [item.key for item in items]
    taken: set[str] = set()
    for start in range(0, len(keys), chunk):
        taken.update(ctx.session.execute(select(Notification.dedupe_key).where(
            Notification.dedupe_key.in_(keys[start:start + chunk]))).scalars())
    rows = [item.row(ctx) for item in items]  # every one checked, taken or not
    fresh = [row for row in rows if row["dedupe_key"] not in taken]
    if not fresh:
        return 0
    insert = pg_insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = Notification.__table__
    statement = (insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
                 .returning(table.c.id))
    return len(ctx.session.connection().execute(statement, fresh).all())


def enqueue(ctx: Context, *, key: str, kind: str, recipient_kind: str, user_id: int | None = None,
            case_id: int | None = None, params: dict | None = None) -> bool:
    """Put one notification in the outbox unless its key is taken; True if it was new."""
    return enqueue_many(ctx, [Outgoing(key, kind, recipient_kind, user_id, case_id,
                                       params or {})]) == 1


def tell_reporter(ctx: Context, case: Case, about: str) -> bool:
    """"There is an update on your report", if the reporter gave an address and asked for it
    (never for an anonymous or purged report); `about` names the event (e.g. "message:7"), so
    each update is told at most once, and not at all while an earlier email about this case
    still waits to be sent (one "there is an update" says it all). True if one was enqueued."""
    if not case.notify_reporter or case.anonymous or case.purged_at is not None:
        return False
    waiting = ctx.session.execute(select(Notification.id).where(
        Notification.case_id == case.id, Notification.kind == "reporter_update",
        Notification.status == "pending").limit(1)).first()
    if waiting is not None:
        return False
    return enqueue(ctx, key=f"update:{case.id}:{about}", kind="reporter_update",
                   recipient_kind="reporter", case_id=case.id)
