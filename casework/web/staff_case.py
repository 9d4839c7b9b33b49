"""The staff case page and what can be done on it; each POST goes to /staff/cases/<ref>/<action>.

Every handler goes through a service that loads the case with the access policy, so a case the
staff member may not see gives the same 404 as one that does not exist.
"""

from __future__ import annotations

import io

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from casework.i18n import _, _l
from casework.services.assignments import add_implicated, assign, recuse
from casework.services.casepage import case_page, case_status, is_visible
from casework.services.content import add_note, post_message, read_attachment, reveal_identity
from casework.services.errors import Conflict, Invalid, NotFound
from casework.services.event_words import capacity_words
from casework.services.inputs import refuse_unstorable, row_id
from casework.services.referrals import MATTERS
from casework.services.releases import give_release_notice, record_release
from casework.services.reports import ImplicatedInput
from casework.services.transitions import fire_transition
from casework.web.edge import context, runtime
from casework.web.forms import (
    AssignForm,
    ExtendForm,
    ImplicatedForm,
    MessageForm,
    MilestoneForm,
    NoteForm,
    PauseForm,
    ReasonForm,
    ReferralForm,
    ReleaseForm,
    ReleaseNoticeForm,
    ResumeForm,
)
from casework.web.reporter import form_errors
from casework.web.staff import actor, bp
from casework.web.staff_inbox import read_on_opening
from casework.workflow.texts import english

FIELD_PREFIX = "f_"
PLAIN = {"required": _l("Answer this question"), "must be true or false": _l("Choose yes or no"),
         "must be true to take this step": _l("This must be yes to take this step"),
         "must be text": _l("Write an answer")}
CLOCK_FORMS = {"pause": PauseForm, "resume": ResumeForm, "extend": ExtendForm}


def clock_form(action: str, name: str, submitted: bool = False):
    """The form for one action on one deadline (empty, or as submitted); its prefix keeps
    ids unique on the page."""
    kwargs = {} if submitted else {"formdata": None}
    return CLOCK_FORMS[action](prefix=f"{action}-{name}", **kwargs)


def milestone_form(page, form: MilestoneForm | None = None) -> MilestoneForm:
    """The milestone picker, offering the milestones still to record."""
    form = form or MilestoneForm(prefix="milestone", formdata=None)
    form.milestone.choices = [("", _("Choose one"))] + [(m.key, m.label)
                                                     for m in page.view.milestones]
    return form


def referral_form(page, form: ReferralForm | None = None) -> ReferralForm:
    """The referral form: the matters still to decide first, and the bodies the pack names."""
    form = form or ReferralForm(prefix="referral", formdata=None,
                                matter=(page.view.referrals_due or [""])[0])
    form.matter.choices = [(m, MATTERS[m]) for m in page.view.referrals_due] + [
        ("", _("Another referral (a third party, another body)"))]
    form.body.choices = [("", _("Choose one"))] + [  # posted and kept in English, shown translated
        (english(b), b) for b in runtime().pack.referral_bodies]
    return form


def _forms(page, given: dict) -> dict:
    """The case page's forms, with choices filled; forms from a failed POST are kept."""
    failed_clocks = given.pop("clock_forms", {})
    forms = {"note_form": NoteForm(prefix="note", formdata=None),
             "message_form": MessageForm(prefix="message", formdata=None),
             "assign_form": AssignForm(prefix="assign", formdata=None),
             "implicated_form": ImplicatedForm(prefix="implicated", formdata=None),
             "recuse_form": ReasonForm(prefix="recuse", formdata=None),
             "reveal_form": ReasonForm(prefix="reveal", formdata=None),
             "notice_form": ReleaseNoticeForm(prefix="notice", formdata=None),
             "release_form": ReleaseForm(prefix="release", formdata=None), **given}
    forms["notice_form"].ground.choices = [("", _("Choose one"))] + [
        (g.key, g.label) for g in runtime().pack.release_grounds.values()]
    _choices(forms["assign_form"], forms["implicated_form"], page)
    forms["recuse_form"].reason.label.text = _("What is your conflict of interest?")
    forms["reveal_form"].reason.label.text = _("Why do you need to know who reported this?")
    forms["clock_forms"] = {**{(a, c.name): clock_form(a, c.name) for c in page.view.clocks
                               for a in c.actions}, **failed_clocks}
    forms["milestone_form"] = milestone_form(page, forms.get("milestone_form"))
    forms["referral_form"] = referral_form(page, forms.get("referral_form"))
    return handling_forms(page, forms)


def _choices(assign_form: AssignForm, implicated_form: ImplicatedForm, page) -> None:
    assign_form.user_id.choices = [
        (c.user_id, _("%(name)s (can act as: %(capacities)s)", name=c.name,
                      capacities=", ".join(capacity_words(k) for k in c.capacities)))
        for c in page.colleagues]
    implicated_form.person_id.choices = [(0, _("Nobody from the directory"))] + page.people


def render_case(ref: str, status: int = 200, step: dict | None = None,
                problem: str | None = None, **forms):
    """The case page; a failed step or form is shown again with its errors and answers, and
    a refusal that belongs to no field (problem) at the top."""
    page = case_page(context(), actor(), ref)
    return render_template("staff/case.html", page=page, view=page.view, step=step or {},
                           problem=problem, referral_matters=MATTERS,
                           **_forms(page, forms)), status


@bp.get("/cases/<ref>")
@login_required
def case(ref: str):
    """Summary, routing reasons, clocks, timeline, allowed next steps, notes, messages."""
    read_on_opening(ref)
    return render_case(ref)


class CurrentCase:
    """The case as it stands when an error page asks (after the failed write is undone)."""

    def __init__(self, ref: str) -> None:
        self.ref, self._status, self._loaded = ref, None, False

    def _load(self):
        if not self._loaded:
            self._loaded = True
            try:
                self._status = case_status(context(), actor(), self.ref)
            except NotFound:
                self._status = None
        return self._status

    def __bool__(self) -> bool:
        return self._load() is not None

    def __getattr__(self, name: str):
        return getattr(self._load(), name)


def _step_fields(key: str) -> dict[str, object]:
    """The submitted answers for a step, typed as the route definitions say."""
    types = {spec.name: spec.type for route in runtime().routes.values()
             for t in route.transitions_named(key)
             for spec in (*t.requires, *(f for _, more in t.requires_of for f in more))}
    fields: dict[str, object] = {}
    for name, value in request.form.items():
        if name.startswith(FIELD_PREFIX):
            name = name[len(FIELD_PREFIX):]
            fields[name] = {"yes": True, "no": False}.get(value, value) \
                if types.get(name) == "bool" else value
    refuse_unstorable(fields, _("Some answers hold characters that cannot be stored."))
    return fields


@bp.post("/cases/<ref>/transition")
@login_required
def transition(ref: str):
    """Take one of the allowed next steps; a stale version is a 409 that shows the state now."""
    key = request.form.get("transition", "")
    version = request.form.get("version", type=row_id)
    if version is None:
        abort(400, _("This form is out of date. Reload the case page and try again."))
    g.current_case = CurrentCase(ref)
    try:
        fire_transition(context(), actor(), ref, key, version, _step_fields(key))
    except Invalid as exc:
        errors = {name: str(PLAIN.get(msg, msg[:1].upper() + msg[1:])) for name, msg in
                  exc.fields.items()}
        return render_case(ref, 422, step={"key": key, "values": request.form,
                                           "errors": errors, "message": exc.message})
    flash(_("Done. The case has moved on."), "success")
    return redirect(url_for("staff.case", ref=ref), 303)


def _act(ref: str, name: str, form, call, done: str, anchor: str):
    """Validate a form, call its service, and go back to the case (or show the errors)."""
    if form.validate_on_submit():
        try:
            call(form)
        except Invalid as exc:
            form_errors(form, exc)
        else:
            flash(done, "success")
            return redirect(url_for("staff.case", ref=ref, _anchor=anchor), 303)
    return render_case(ref, 422, **{name: form})


@bp.post("/cases/<ref>/notes")
@login_required
def note(ref: str):
    """Add a confidential note (sealed; only those handling the case read it)."""
    return _act(ref, "note_form", NoteForm(prefix="note"),
                lambda f: add_note(context(), actor(), ref, f.body.data),
                _("Your note was added."), "notes")


@bp.post("/cases/<ref>/messages")
@login_required
def message(ref: str):
    """Write to the reporter; they read it when they next sign in with their receipt."""
    return _act(ref, "message_form", MessageForm(prefix="message"),
                lambda f: post_message(context(), actor(), ref, f.body.data),
                _("Your message was sent. The reporter will see it when they next check."),
                "messages")


@bp.get("/cases/<ref>/attachments/<int:attachment_id>")
@login_required
def attachment(ref: str, attachment_id: int):
    """Download evidence as a file (never shown inline); the read is audited."""
    meta, data = read_attachment(context(), actor(), ref, attachment_id)
    return send_file(io.BytesIO(data), mimetype="application/octet-stream", as_attachment=True,
                     download_name=meta.get("filename") or f"evidence-{attachment_id}",
                     conditional=False, etag=False, max_age=0)


@bp.post("/cases/<ref>/assign")
@login_required
def assign_colleague(ref: str):
    """Assign a colleague; someone with a conflict is refused with a clear reason (409)."""
    form = AssignForm(prefix="assign")
    form.user_id.validate_choice = False  # the service decides who may be assigned
    try:
        return _act(ref, "assign_form", form, lambda f: assign(
            context(), actor(), ref, f.user_id.data, f.capacity.data),
            _("The colleague was assigned."), "people")
    except Conflict as exc:
        form.user_id.errors = [exc.message]
        return render_case(ref, 409, assign_form=form)


def _implicated_errors(form: ImplicatedForm, exc: Invalid) -> None:
    for name, message in exc.fields.items():
        target = form.name if name.endswith(".name") else form.person_id
        target.errors = [*list(target.errors or []), message[:1].upper() + message[1:]]


@bp.post("/cases/<ref>/implicated")
@login_required
def implicate(ref: str):
    """Name someone else implicated; the case is routed again and may leave your hands."""
    form = ImplicatedForm(prefix="implicated")
    if not form.validate_on_submit():
        return render_case(ref, 422, implicated_form=form)
    try:
        add_implicated(context(), actor(), ref, [ImplicatedInput(
            person_id=form.person_id.data or None, name=form.name.data or None,
            role=form.role.data or None)])
    except Invalid as exc:
        _implicated_errors(form, exc)
        return render_case(ref, 422, implicated_form=form)
    if not is_visible(context(), actor(), ref):
        flash(_("The person was added and the case was routed again, away from you: it is no "
                "longer in your hands."), "success")
        return redirect(url_for("staff.dashboard"), 303)
    flash(_("The person was added to those implicated, and the case was routed again."),
          "success")
    return redirect(url_for("staff.case", ref=ref, _anchor="people"), 303)


@bp.post("/cases/<ref>/recuse")
@login_required
def recuse_me(ref: str):
    """Declare a conflict: you lose access to the case at once."""
    form = ReasonForm(prefix="recuse")
    if not form.validate_on_submit():
        return render_case(ref, 422, recuse_form=form)
    recuse(context(), actor(), ref, form.reason.data)
    flash(_("You declared a conflict of interest. You no longer have access to that case. "
            "Others in its queue take it on; if nobody else there can, it has moved to the next "
            "queue in line, whose owner has been told."), "success")
    return redirect(url_for("staff.dashboard"), 303)


@bp.post("/cases/<ref>/identity/notice")
@login_required
def release_notice(ref: str):
    """Tell the reporter, on their page, that their identity is to be released, and why."""
    form = ReleaseNoticeForm(prefix="notice")
    form.ground.choices = [(k, k) for k in runtime().pack.release_grounds]
    if not form.validate_on_submit():
        return render_case(ref, 422, notice_form=form)
    give_release_notice(context(), actor(), ref, form.ground.data, form.explanation.data)
    flash(_("The reporter's page now says their identity is to be released, and why. Record "
            "the release once it has happened."), "success")
    return redirect(url_for("staff.case", ref=ref, _anchor="identity"), 303)


@bp.post("/cases/<ref>/identity/release")
@login_required
def release(ref: str):
    """Record the release the reporter was told of (409 without a notice first)."""
    form = ReleaseForm(prefix="release")
    if not form.validate_on_submit():
        return render_case(ref, 422, release_form=form)
    record_release(context(), actor(), ref, form.consulted.data)
    flash(_("The release was recorded."), "success")
    return redirect(url_for("staff.case", ref=ref, _anchor="identity"), 303)


@bp.post("/cases/<ref>/identity")
@login_required
def identity(ref: str):
    """Reveal the reporter's identity with a reason; shown on this page only, never stored."""
    form = ReasonForm(prefix="reveal")
    if not form.validate_on_submit():
        return render_case(ref, 422, reveal_form=form)
    who = reveal_identity(context(), actor(), ref, form.reason.data)
    return render_template("staff/identity.html", ref=ref, who=who)


# Registered with the staff blueprint: the case file page, the deadline actions.
from casework.web import staff_casefile, staff_clocks  # noqa: E402, F401
from casework.web.staff_handling import handling_forms  # noqa: E402  (and triage, links, hold)
