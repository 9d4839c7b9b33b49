"""Reading the audit trail: a case's events for those who may see the case, and the whole
trail, filtered and newest first, for auditors (`Power.AUDIT`).

An auditor reaches every event except those of a case they are implicated in or recused from,
and those of a purged case (its implicated people are erased with it, so nobody can tell who
must not see them): the access policy's `audit_trail_filter`, the same rule that lets an
auditor open one case's events. Events hold no case content. Every read of the trail, and
every check of its chain, is itself on the record."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Select, and_, or_, select

from casework.i18n import _
from casework.models import AuditEvent, Case, User
from casework.services import audit
from casework.services.access import (
    Action,
    Power,
    Staff,
    audit_trail_filter,
    open_case,
    require,
)
from casework.services.audit import Kind
from casework.services.audit_filters import TrailQuery, trail_clauses
from casework.services.content import Window
from casework.services.context import Context
from casework.services.spreadsheet import csv_text

#: The most events one CSV holds; past it, the file ends with where to carry on from.
EXPORT_LIMIT = 50_000
#: Details that name another case by its row id: shown as that case's reference when the
#: reader may reach it, left out when not (an id would say that the case exists).
CASE_DETAILS = ("follow_up",)
CSV_HEADER = ("seq", "at", "kind", "actor", "case", "details")


@dataclass(frozen=True)
class TrailEvent:
    """One event as an auditor sees it: its case by reference, never by row id."""

    seq: int
    at: datetime
    kind: str
    actor: str
    case: str | None
    details: dict


@dataclass(frozen=True)
class TrailPage:
    """A page of the trail, newest first; `next` is the cursor for the older events, if any.
    `names` gives the account name behind each `user:<id>` on the page."""

    items: list[TrailEvent]
    next: int | None
    per_page: int
    names: dict[str, str] = field(default_factory=dict)


def case_audit_events(ctx: Context, actor: Staff, reference: str,
                      window: Window) -> list[AuditEvent]:
    """A case's audit events, oldest first; an unreachable case is exactly a missing one."""
    case = open_case(ctx, actor, reference, Action.READ_AUDIT)
    return list(ctx.session.execute(window.apply(
        select(AuditEvent).where(AuditEvent.case_id == case.id)
        .order_by(AuditEvent.seq))).scalars())


def _trail(ctx: Context, actor: Staff, query: TrailQuery) -> tuple[Select, int | None]:
    """The query for the events this auditor may read that match the filters, newest first,
    and the case asked for (404 for one the auditor may not reach, exactly like a made-up
    reference)."""
    require(actor, Power.AUDIT)
    clauses = trail_clauses(ctx, query)
    case_id, reference = None, (query.case or "").strip()
    if reference:
        case_id = open_case(ctx, actor, reference, Action.READ_AUDIT).id
        clauses.append(AuditEvent.case_id == case_id)
    if query.after is not None:
        clauses.append(AuditEvent.seq < query.after)
    reachable = or_(AuditEvent.case_id.is_(None),
                    and_(Case.id.is_not(None), audit_trail_filter(actor)))
    return (select(AuditEvent.seq, AuditEvent.at, AuditEvent.kind, AuditEvent.actor,
                   AuditEvent.details, Case.reference)
            .outerjoin(Case, Case.id == AuditEvent.case_id)
            .where(reachable, *clauses).order_by(AuditEvent.seq.desc())), case_id


def _events(ctx: Context, actor: Staff, rows) -> list[TrailEvent]:
    """Rows as events, with details naming another case turned into what the reader may see."""
    named = {v for row in rows for k in CASE_DETAILS
             if isinstance(v := (row.details or {}).get(k), int)}
    references = dict(ctx.session.execute(select(Case.id, Case.reference).where(
        Case.id.in_(named), audit_trail_filter(actor))).all()) if named else {}

    def shown(details: dict) -> dict:
        kept = {k: v for k, v in details.items() if k not in CASE_DETAILS}
        kept |= {k: references[details[k]] for k in CASE_DETAILS
                 if details.get(k) in references}
        return kept

    return [TrailEvent(r.seq, r.at, r.kind, r.actor, r.reference, shown(r.details or {}))
            for r in rows]


def list_trail(ctx: Context, actor: Staff, query: TrailQuery) -> TrailPage:
    """A page of the trail for an auditor, newest first, keyset-paged by sequence number;
    the read is audited with the filters used."""
    stmt, case_id = _trail(ctx, actor, query)
    size = min(max(query.per_page, 1), 500)
    rows = ctx.session.execute(stmt.offset((max(query.page, 1) - 1) * size)
                               .limit(size + 1)).all()
    events = _events(ctx, actor, rows[:size])
    ctx.audit(Kind.AUDIT_READ, actor.label, case_id=case_id, shown=len(events),
              filters=query.used())
    return TrailPage(events, events[-1].seq if len(rows) > size else None, size,
                     _names(ctx, events))


def _names(ctx: Context, events: list[TrailEvent]) -> dict[str, str]:
    ids = {int(e.actor[5:]) for e in events if e.actor.startswith("user:")
           and e.actor[5:].isdigit()}
    if not ids:
        return {}
    return {f"user:{i}": name for i, name in ctx.session.execute(
        select(User.id, User.name).where(User.id.in_(ids))).all()}


def export_trail(ctx: Context, actor: Staff, query: TrailQuery) -> str:
    """The filtered trail as CSV (times in UTC, details as JSON), newest first, at most
    EXPORT_LIMIT events; the export is audited with the filters used."""
    stmt, case_id = _trail(ctx, actor, query)
    rows = ctx.session.execute(stmt.limit(EXPORT_LIMIT + 1)).all()
    events = _events(ctx, actor, rows[:EXPORT_LIMIT])
    note = None
    if len(rows) > EXPORT_LIMIT:
        note = _("Only the newest %(limit)s events are in this file; for the older ones "
                 "download again with after=%(after)s, or narrow the filters.",
                 limit=EXPORT_LIMIT, after=events[-1].seq)
    ctx.audit(Kind.AUDIT_EXPORT, actor.label, case_id=case_id, shown=len(events),
              filters=query.used())
    return csv_text(CSV_HEADER, ([e.seq, e.at.astimezone(UTC).isoformat(), e.kind, e.actor,
                                  e.case, json.dumps(e.details, sort_keys=True)]
                                 for e in events), note)


def verify_trail(ctx: Context, actor: Staff) -> audit.Verification:
    """Walk the whole chain for an auditor (the answer names no event's content); the check
    is on the record."""
    require(actor, Power.AUDIT)
    result = audit.verify(ctx.session, audit.chain_key(ctx.runtime.keyring))
    ctx.audit(Kind.AUDIT_VERIFY, actor.label, ok=result.ok, events=result.events)
    return result
