"""Saved filters: a staff member keeps case-list queries under names of their own. Nobody
else sees them (not even an administrator); a filter holds only the list's parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select

from casework.i18n import _
from casework.models import SavedFilter
from casework.services.access import Staff, handles_cases
from casework.services.context import Context
from casework.services.errors import Forbidden, Invalid, NotFound

#: The case list's parameters a filter may keep (never a page number).
PARAMETERS = ("q", "reference", "route", "state", "queue", "category", "assigned", "overdue",
              "lodged_from", "lodged_to", "assigned_to", "implicated", "sort")
MAX_NAME, MAX_FILTERS, MAX_VALUE = 80, 50, 200


@dataclass(frozen=True)
class Saved:
    """One of my saved filters."""

    id: int
    name: str
    query: dict


def _require(actor: Staff) -> None:
    if not handles_cases(actor):
        raise Forbidden(_("Saved filters are for those who handle cases."))


def my_filters(ctx: Context, actor: Staff) -> list[Saved]:
    """My saved filters, by name."""
    if not handles_cases(actor):
        return []
    rows = ctx.session.execute(select(SavedFilter).where(
        SavedFilter.user_id == actor.user_id).order_by(SavedFilter.name)).scalars()
    return [Saved(r.id, r.name, dict(r.query)) for r in rows]


def save_filter(ctx: Context, actor: Staff, name: str, query: Mapping[str, str]) -> Saved:
    """Keep the list's current filters under a name (the same name again replaces them)."""
    _require(actor)
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise Invalid(_("Name the filter."), {"name": _(
            "give a name of 1 to %(limit)s characters", limit=MAX_NAME)})
    kept = {k: str(v) for k, v in query.items() if k in PARAMETERS and str(v).strip()}
    if not kept:
        raise Invalid(_("Nothing to save."), {"name": _("choose some filters first")})
    if any(len(v) > MAX_VALUE for v in kept.values()):
        raise Invalid(_("Too long."), {"name": _("a filter's values are too long to keep")})
    row = ctx.session.execute(select(SavedFilter).where(
        SavedFilter.user_id == actor.user_id, SavedFilter.name == name)).scalar_one_or_none()
    if row is None:
        if len(my_filters(ctx, actor)) >= MAX_FILTERS:
            raise Invalid(_("Too many."), {"name": _("keep at most %(limit)s filters",
                                                     limit=MAX_FILTERS)})
        row = SavedFilter(user_id=actor.user_id, name=name, created_at=ctx.now)
        ctx.session.add(row)
    row.query = kept
    ctx.session.flush()
    return Saved(row.id, row.name, kept)


def delete_filter(ctx: Context, actor: Staff, filter_id: int) -> None:
    """Forget one of my filters; someone else's is exactly a missing one (404)."""
    _require(actor)
    done = ctx.session.execute(delete(SavedFilter).where(
        SavedFilter.id == filter_id, SavedFilter.user_id == actor.user_id))
    if not done.rowcount:
        raise NotFound(_("There is no such saved filter."))
