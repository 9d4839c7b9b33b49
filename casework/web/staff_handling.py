"""Triage, links and legal hold on the staff case page.

Each POST goes through its service. A field that does not validate is the case page again
(422) with the form open and the problem at the top; a refusal of the move itself (it would
expose the case, a rule keeps it elsewhere, a closed case) is the case page again (409) with
the reason at the top; a case out of sight is a 404 exactly like a missing one. Success goes
back to the case (PRG), or to the dashboard when the case has left the handler's hands.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, g, redirect, request, url_for
from flask_login import login_required

from casework.i18n import _, _l
from casework.services.casepage import is_visible
from casework.services.errors import Conflict, Invalid, NotFound, StaleVersion
from casework.services.holds import lift_hold, place_hold
from casework.services.inputs import row_id
from casework.services.links import link_cases
from casework.services.triage import triage
from casework.web.edge import context, runtime
from casework.web.forms import LinkForm, ReasonForm, TriageForm
from casework.web.reporter import plain_errors
from casework.web.staff import actor, bp
from casework.web.staff_case import CurrentCase, render_case

RULES_DECIDE = _l("Where the routing rules send it")


def handling_forms(page, given: dict) -> dict:
    """The triage, link and hold forms for the case page (empty, or as submitted), with the
    pack's choices; triage starts from the case as it is."""
    view, pack, routes = page.view, runtime().pack, runtime().routes
    empty = {"formdata": None}
    forms = {"triage_form": TriageForm(prefix="triage", route=view.route,
                                       category=view.category,
                                       department=view.department or "", **empty),
             "link_form": LinkForm(prefix="link", **empty),
             "hold_form": ReasonForm(prefix="hold", **empty),
             "unhold_form": ReasonForm(prefix="unhold", **empty), **given}
    triage_choices(forms["triage_form"], pack, routes)
    forms["hold_form"].reason.label.text = _("Why must the case be kept?")
    forms["unhold_form"].reason.label.text = _("Why can the hold end?")
    return forms


def triage_choices(form: TriageForm, pack, routes) -> TriageForm:
    """Kinds of report, categories grouped by the kind they belong to (each once), departments
    and queues."""
    form.route.choices = [(r.key, r.label) for r in routes.values()]
    groups = {r.label: [(c.key, c.label) for c in pack.categories.values()
                        if c.routes == {r.key}] for r in routes.values()}
    groups[_("Either kind of report")] = [(c.key, c.label) for c in pack.categories.values()
                                       if len(c.routes) > 1]
    form.category.choices = {label: items for label, items in groups.items() if items}
    form.department.choices = [("", _("Not known"))] + list(pack.departments.items())
    form.queue.choices = [("", str(RULES_DECIDE))] + [(q.key, q.label)
                                                 for q in pack.queues.values()]
    return form


def _version() -> int:
    version = request.form.get("version", type=row_id)
    if version is None:
        abort(400, _("This form is out of date. Reload the case page and try again."))
    return version


def _attempt(ref: str, name: str, form, call: Callable[[], object]):
    """Validate, call the service, and answer the refusals; None when the call succeeded."""
    g.current_case = CurrentCase(ref)
    if not form.validate_on_submit():
        return render_case(ref, 422, **{name: form})
    try:
        call()
    except StaleVersion:
        raise  # the error page says someone acted first and shows the stage now
    except Invalid as exc:
        return render_case(ref, 422, problem=plain_errors(form, exc), **{name: form})
    except Conflict as exc:
        form.refused = exc.message  # the form stays open, with the reason above it
        return render_case(ref, 409, problem=exc.message, **{name: form})
    return None


@bp.post("/cases/<ref>/triage")
@login_required
def triage_case(ref: str):
    """Change the category, kind of report, department or queue; routing runs again."""
    form = triage_choices(TriageForm(prefix="triage"), runtime().pack, runtime().routes)
    version, done = _version(), {}

    def call():
        done["it"] = triage(context(), actor(), ref, version, form.reason.data,
                            category=form.category.data, route=form.route.data or None,
                            department=form.department.data or None,
                            queue=form.queue.data or None)

    refused = _attempt(ref, "triage_form", form, call)
    if refused is not None:
        return refused
    queue = runtime().pack.queues[done["it"].queue].label
    if not is_visible(context(), actor(), ref):
        flash(_("%(ref)s was changed and routed to %(queue)s: it is no longer in your hands.",
                ref=ref, queue=queue), "success")
        return redirect(url_for("staff.dashboard"), 303)
    flash(_("The case was changed and routed again. It is in the queue: %(queue)s.",
            queue=queue), "success")
    return redirect(url_for("staff.case", ref=ref, _anchor="routing"), 303)


@bp.post("/cases/<ref>/links")
@login_required
def link_case(ref: str):
    """Link to another case; a duplicate is merged into it and this case closes."""
    form = LinkForm(prefix="link")
    other = (form.reference.data or "").strip().upper()
    try:
        refused = _attempt(ref, "link_form", form, lambda: link_cases(
            context(), actor(), ref, other, form.kind.data))
    except NotFound:  # the other case out of sight is exactly a missing one
        form.reference.errors = [_("There is no case you can see with this reference.")]
        return render_case(ref, 404, link_form=form)
    if refused is not None:
        return refused
    if form.kind.data == "duplicate":
        flash(_("%(ref)s was merged into this case and closed. Its reporter has been told "
                "there is an update; their messages stay with %(ref)s.", ref=ref), "success")
        return redirect(url_for("staff.case", ref=other, _anchor="links"), 303)
    flash(_("Linked to %(ref)s. Each case now shows the other.", ref=other), "success")
    return redirect(url_for("staff.case", ref=ref, _anchor="links"), 303)


#: Placing and lifting a hold: the form's prefix → the service and what to say afterwards.
HOLD_STEPS = {
    "hold": (place_hold, _l("The legal hold is in place: retention will not destroy this case.")),
    "unhold": (lift_hold, _l("The legal hold was lifted: retention applies to this case again.")),
}


def _hold_step(ref: str, prefix: str):
    service, done = HOLD_STEPS[prefix]
    form = ReasonForm(prefix=prefix)
    refused = _attempt(ref, f"{prefix}_form", form, lambda: service(
        context(), actor(), ref, form.reason.data))
    if refused is not None:
        return refused
    flash(str(done), "success")
    return redirect(url_for("staff.case", ref=ref, _anchor="hold"), 303)


@bp.post("/cases/<ref>/hold")
@login_required
def hold(ref: str):
    """Place a legal hold: retention will not destroy the case."""
    return _hold_step(ref, "hold")


@bp.post("/cases/<ref>/hold/lift")
@login_required
def unhold(ref: str):
    """Lift the legal hold: retention applies again."""
    return _hold_step(ref, "unhold")
