"""The case list's search, saved filters and bulk actions; a case's title and the
repeat-respondent notice on the case page.

Each POST goes through its service (services.search, services.saved_filters, services.bulk),
which loads every case through the access policy: a bulk action does to each case exactly
what that case's page would, and says per case what was refused and why.
"""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_login import login_required

from casework.i18n import _, _l
from casework.services.access import handles_cases
from casework.services.bulk import MAX_CASES, bulk_assign, bulk_move, export_csv
from casework.services.casepage import colleagues
from casework.services.directory import person_choices
from casework.services.errors import Invalid
from casework.services.inputs import choice_id, row_id
from casework.services.saved_filters import PARAMETERS, delete_filter, my_filters, save_filter
from casework.services.search import also_named, set_title
from casework.web.edge import context, runtime
from casework.web.forms import CaseFilterForm
from casework.web.staff import actor, bp
from casework.web.staff_case import render_case

CAPACITIES = (("investigator", _l("Investigator")), ("handler", _l("Handler")),
              ("decision_maker", _l("Decision maker")))


def _colleagues() -> list:
    """Colleagues who handle cases, read once per request (the filters and the bulk form)."""
    if "cw_colleagues" not in g:
        g.cw_colleagues = colleagues(context())
    return g.cw_colleagues


def search_choices(form: CaseFilterForm) -> None:
    """Whom the list can be filtered by: colleagues who handle cases, directory people."""
    ctx, handles = context(), handles_cases(actor())
    form.assigned_to.choices = [(0, _("Anyone"))] + (
        [(c.user_id, c.name) for c in _colleagues()] if handles else [])
    form.implicated.choices = [(0, _("Anyone"))] + (person_choices(ctx) if handles else [])


def search_query(form: CaseFilterForm) -> dict:
    """The search part of the list's query, from the filter form."""
    return {"words": form.q.data or None, "lodged_from": form.lodged_from.data,
            "lodged_to": form.lodged_to.data, "assigned_to": form.assigned_to.data or None,
            "implicated": form.implicated.data or None}


def list_extras(args: dict) -> dict:
    """What the case list shows beside the table: my saved filters, and the bulk actions'
    choices."""
    ctx, handles = context(), handles_cases(actor())
    return {"saved_filters": my_filters(ctx, actor()), "saveable": {
                k: v for k, v in args.items() if k in PARAMETERS},
            "bulk_people": [(c.user_id, c.name) for c in _colleagues()] if handles else [],
            "bulk_capacities": CAPACITIES, "bulk_max": MAX_CASES,
            "bulk_queues": [(q.key, q.label) for q in runtime().pack.queues.values()]}


@bp.post("/cases/filters")
@login_required
def save_search():
    """Keep the list's filters under a name (mine only)."""
    query = {k: v for k, v in request.form.items() if k in PARAMETERS}
    try:
        saved = save_filter(context(), actor(), request.form.get("name", ""), query)
    except Invalid as exc:
        flash(_("%(message)s %(why)s.", message=exc.message,
                why="; ".join(map(str, exc.fields.values()))), "error")
        return redirect(url_for("staff.cases", **query), 303)
    flash(_("Saved the filter “%(name)s”.", name=saved.name), "success")
    return redirect(url_for("staff.cases", **saved.query), 303)


@bp.post("/cases/filters/<int:filter_id>/delete")
@login_required
def delete_search(filter_id: int):
    """Forget one of my saved filters."""
    delete_filter(context(), actor(), filter_id)
    flash(_("The saved filter is gone."), "success")
    return redirect(url_for("staff.cases"), 303)


@bp.post("/cases/bulk")
@login_required
def bulk():
    """Assign, move or export the chosen cases; each case's outcome on one page."""
    refs, action = request.form.getlist("ref"), request.form.get("action")
    back = {k: v for k, v in request.form.items() if k.startswith("back_")}
    back = {k.removeprefix("back_"): v for k, v in back.items()}
    me, ctx = actor(), context()
    try:
        if action == "export":
            body = export_csv(ctx, me, refs)
            return Response(body, mimetype="text/csv", headers={
                "Content-Disposition": 'attachment; filename="cases.csv"'})
        if action == "assign":
            outcomes = bulk_assign(ctx, me, refs, _chosen("user_id", _("a colleague")),
                                   request.form.get("capacity", "investigator"))
        elif action == "move":
            queue = request.form.get("queue") or ""
            if queue not in runtime().pack.queues:
                raise Invalid(_("Choose a queue."),
                              {"queue": _("choose the queue to move them to")})
            outcomes = bulk_move(ctx, me, refs, queue, request.form.get("reason", ""))
        else:
            raise Invalid(_("Choose what to do."), {"action": _("assign, move or export")})
    except Invalid as exc:
        return render_template("staff/bulk_done.html", outcomes=[], problem=exc, back=back,
                               action=action), 422
    return render_template("staff/bulk_done.html", outcomes=outcomes, problem=None, back=back,
                           action=action)


def _chosen(name: str, what: str) -> int:
    try:
        chosen = choice_id(request.form.get(name))
    except ValueError:
        chosen = 0
    if not chosen:
        raise Invalid(_("Choose %(what)s.", what=what), {name: _("choose %(what)s", what=what)})
    return chosen


@bp.post("/cases/<ref>/title")
@login_required
def title(ref: str):
    """Give the case its short title (or clear it)."""
    raw = request.form.get("version")
    try:
        version = _version(raw)
        set_title(context(), actor(), ref, request.form.get("title", ""), version)
    except Invalid as exc:
        return render_case(ref, 422, problem=_("Title: %(why)s",
                                               why="; ".join(map(str, exc.fields.values()))))
    flash(_("The case's title is saved."), "success")
    return redirect(url_for("staff.case", ref=ref) + "#case-title", 303)


def _version(raw: str | None) -> int | None:
    try:
        return row_id(raw) if raw else None
    except ValueError:
        raise Invalid(_("Reload the case."),
                      {"version": _("reload the case and try again")}) from None


@bp.app_context_processor
def case_search_helpers():
    """The repeat-respondent notice asks for the other cases naming this case's people."""
    return {"also_named": lambda ref: also_named(context(), actor(), ref)}
