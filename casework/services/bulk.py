"""Bulk actions on the case list: assign, move queue, export the list's facts as CSV.

Each case goes through exactly the service one case would (`assignments.assign`,
`triage.triage`), in a savepoint of its own: a case refused (not visible, no right, a move that
would show it to someone implicated, a conflicted colleague) is undone alone, its reason kept
for the page, and the refusal itself is on the record as it would be for one case. Every
done case is audited by its service; the CSV export is audited case by case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from casework.i18n import _, _l
from casework.models import Case
from casework.services.access import Action, Staff, forget, open_case
from casework.services.assignments import assign
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import DomainError, Invalid
from casework.services.spreadsheet import csv_text
from casework.services.triage import triage

#: Most cases one bulk action takes (a page of the list is 25).
MAX_CASES = 100
CSV_HEADER = (_l("Reference"), _l("Kind"), _l("Category"), _l("Stage"), _l("Queue"),
              _l("Opened"), _l("Next due"))


@dataclass(frozen=True)
class Outcome:
    """What happened to one case of a bulk action."""

    reference: str
    done: bool
    message: str = ""


def _references(references: Sequence[str]) -> list[str]:
    refs = list(dict.fromkeys(r.strip().upper() for r in references if r and r.strip()))
    if not refs:
        raise Invalid(_("Choose at least one case."), {"ref": _("choose at least one case")})
    if len(refs) > MAX_CASES:
        raise Invalid(_("Too many cases."), {"ref": _("choose at most %(limit)s cases",
                                                      limit=MAX_CASES)})
    return refs


def _each(ctx: Context, references: Sequence[str], act: Callable[[str], object],
          done: str) -> list[Outcome]:
    """Act on each case in a savepoint; a refusal undoes that case only."""
    outcomes = []
    for ref in _references(references):
        kept = len(ctx.kept)
        savepoint = ctx.session.begin_nested()
        try:
            act(ref)
            savepoint.commit()
        except DomainError as exc:
            savepoint.rollback()
            forget(ctx)
            for write in ctx.kept[kept:]:  # audited reads the savepoint took with it
                write()
            if exc.trace is not None:
                t = exc.trace
                ctx.audit(t.kind, t.actor, case_id=t.case_id, **dict(t.details))
            outcomes.append(Outcome(ref, False, exc.message))
            continue
        outcomes.append(Outcome(ref, True, done))
    return outcomes


def bulk_assign(ctx: Context, actor: Staff, references: Sequence[str], user_id: int,
                capacity: str = "investigator") -> list[Outcome]:
    """Assign one colleague to each case, as on each case's page."""
    return _each(ctx, references, lambda ref: assign(ctx, actor, ref, user_id, capacity),
                 _("Assigned."))


def bulk_move(ctx: Context, actor: Staff, references: Sequence[str], queue: str,
              reason: str) -> list[Outcome]:
    """Move each case to a queue by triage, with one sealed reason, as on each case's page
    (a move that would show a case to someone implicated is refused for that case)."""
    if not (reason or "").strip():
        raise Invalid(_("Say why."), {"reason": _("say why the cases are moved")})
    return _each(ctx, references,
                 lambda ref: triage(ctx, actor, ref, None, reason, queue=queue), _("Moved."))


def _labels(ctx: Context, case: Case) -> tuple[str, str, str, str]:
    """The kind, category, stage and queue in the pack's and route's words."""
    pack, route = ctx.runtime.pack, ctx.runtime.routes.get(case.route)
    state = route.states.get(case.state) if route else None
    category, queue = pack.categories.get(case.category), pack.queues.get(case.queue)
    return (route.label if route else case.route, category.label if category else case.category,
            state.label if state else case.state, queue.label if queue else case.queue)


def export_csv(ctx: Context, actor: Staff, references: Sequence[str]) -> str:
    """The list's facts of the chosen cases as CSV, in words (no sealed content: no title, no
    text); a case the actor cannot see is left out as if it did not exist. Each case exported
    is audited."""
    rows = []
    for ref in _references(references):
        try:
            case: Case = open_case(ctx, actor, ref, Action.SEE)
        except DomainError:
            continue
        ctx.audit(Kind.CASE_LIST_EXPORT, actor.label, case_id=case.id)
        rows.append((case.reference, *_labels(ctx, case), case.opened_at.date().isoformat(),
                     case.next_due_on.isoformat() if case.next_due_on else ""))
    return csv_text([str(word) for word in CSV_HEADER], rows)

