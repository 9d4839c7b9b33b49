"""Deadlines on the staff case page: pause, resume and extend a clock, record a milestone or a
referral (or the decision not to refer).

Each POST carries the case's version: a stale one is the 409 page that shows the case as it is
now; a field that does not validate is the case page again (422) with the error linked from
the summary; a refusal of the action itself (a deadline set by law, one already passed) is the
case page again (409) with the reason at the top. Success goes back to the deadlines (PRG).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, g, redirect, request, url_for
from flask_login import login_required

from casework.i18n import _
from casework.services.clocks import extend_clock, pause_clock, record_milestone, resume_clock
from casework.services.errors import Conflict, Invalid, StaleVersion
from casework.services.inputs import row_id
from casework.services.referrals import record_referral
from casework.web.edge import context
from casework.web.forms import MilestoneForm, ReferralForm
from casework.web.reporter import plain_errors
from casework.web.staff import actor, bp
from casework.web.staff_case import CurrentCase, clock_form, render_case


def _version() -> int:
    version = request.form.get("version", type=row_id)
    if version is None:
        abort(400, _("This form is out of date. Reload the case page and try again."))
    return version


def _deadline_act(ref: str, form, call: Callable[[int], object], done: str,
                  failed: dict, anchor: str = "deadlines") -> object:
    """Validate, call the service with the version the page was showing, and go back."""
    version = _version()
    g.current_case = CurrentCase(ref)
    if not form.validate_on_submit():
        return render_case(ref, 422, **failed)
    try:
        call(version)
    except StaleVersion:
        raise  # the error page says someone acted first and shows the stage now
    except Invalid as exc:
        return render_case(ref, 422, problem=plain_errors(form, exc), **failed)
    except Conflict as exc:
        return render_case(ref, 409, problem=exc.message)
    flash(done, "success")
    return redirect(url_for("staff.case", ref=ref, _anchor=anchor), 303)


@bp.post("/cases/<ref>/clocks/<name>/pause")
@login_required
def pause(ref: str, name: str):
    """Stop a deadline counting for a while, with a reason (sealed with the case)."""
    form = clock_form("pause", name, submitted=True)
    return _deadline_act(ref, form, lambda v: pause_clock(
        context(), actor(), ref, name, form.reason.data, v),
        _("The deadline is paused. Resume it when it should count again."),
        {"clock_forms": {("pause", name): form}})


@bp.post("/cases/<ref>/clocks/<name>/resume")
@login_required
def resume(ref: str, name: str):
    """Start a paused deadline again; it gets back the days it was paused."""
    form = clock_form("resume", name, submitted=True)
    return _deadline_act(ref, form, lambda v: resume_clock(context(), actor(), ref, name, v),
                         _("The deadline is running again, with the paused days added."),
                         {"clock_forms": {("resume", name): form}})


@bp.post("/cases/<ref>/clocks/<name>/extend")
@login_required
def extend(ref: str, name: str):
    """Move a deadline later, with a reason (sealed with the case)."""
    form = clock_form("extend", name, submitted=True)
    return _deadline_act(ref, form, lambda v: extend_clock(
        context(), actor(), ref, name, form.due_on.data, form.reason.data, v),
        _("The deadline was extended."), {"clock_forms": {("extend", name): form}})


@bp.post("/cases/<ref>/milestones")
@login_required
def milestone(ref: str):
    """Record a step the law asks for (e.g. "notified IBAC"); it may stop a deadline."""
    form = MilestoneForm(prefix="milestone")
    form.milestone.validate_choice = False  # the service knows the case's milestones
    return _deadline_act(ref, form, lambda v: record_milestone(
        context(), actor(), ref, form.milestone.data, v, form.note.data, form.on.data),
        _("The milestone was recorded."), {"milestone_form": form})


@bp.post("/cases/<ref>/referrals")
@login_required
def referral(ref: str):
    """Record a referral that keeps the case open, or the decision not to refer and why."""
    form = ReferralForm(prefix="referral")
    form.matter.validate_choice = form.body.validate_choice = False  # the service checks
    return _deadline_act(ref, form, lambda v: record_referral(
        context(), actor(), ref, referred=form.referred.data == "yes",
        body=form.body.data or None, made_on=form.made_on.data,
        number=form.reference.data, reason=form.reason.data,
        matter=form.matter.data or None,
        tell_reporter=form.tell_reporter.data and form.referred.data == "yes", version=v),
        _("The referral decision was recorded. The case stays open."),
        {"referral_form": form}, anchor="referrals")
