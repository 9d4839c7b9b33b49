"""Reporter pages: no account, no JavaScript; reference and receipt are the only keys."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from sqlalchemy import select

from casework.i18n import _, _l, format_day
from casework.models import Person
from casework.services import ratelimit
from casework.services.access import Reporter
from casework.services.aftercare import QUESTION, reporter_checkins
from casework.services.auth import reporter_sign_in
from casework.services.content import list_messages, post_message
from casework.services.errors import DomainError, Invalid
from casework.services.evidence import accept_evidence
from casework.services.meetings import request_meeting
from casework.services.records import confirm_record, record_for_reporter
from casework.services.reporter_page import reporter_view
from casework.services.reports import (
    ImplicatedInput,
    NewReport,
    ReporterInput,
    claimed_person,
    lodge_report,
)
from casework.services.support import SupportInput, name_support_person
from casework.services.transitions import fire_transition
from casework.web.edge import context, runtime
from casework.web.forms import (
    ActionForm,
    CheckInForm,
    EvidenceForm,
    MessageForm,
    RecordForm,
    ReportForm,
    ReturnForm,
    SupportForm,
)
from casework.web.i18n import COOKIE_KEY as LANGUAGE_KEY
from casework.workflow.policy import RELATIONS

bp = Blueprint("reporter", __name__)
MAX_FILES = 10

@bp.app_context_processor
def inject_pack():
    """Every page knows the organisation's policy pack."""
    return {"pack": runtime().pack, "routes": runtime().routes}


@bp.get("/")
def start():
    """What can be reported, who sees it, what happens next, and where else to go."""
    return render_template("reporter/start.html")


@bp.get("/protections")
def protections():
    """How a report is protected, in plain words."""
    return render_template("reporter/protections.html")


def chosen_kind() -> str | None:
    """The kind of report, chosen before the form (on the start page or the form's first
    step): from the address on a GET, from the form on a POST; with one kind, that one."""
    routes = runtime().routes
    if len(routes) == 1:
        return next(iter(routes))
    key = request.form.get("route") if request.method == "POST" else request.args.get("kind")
    return key if key in routes else None


def report_form(form: ReportForm, kind: str | None = None, *,
                directory: bool = False) -> ReportForm:
    """Fill the choices a report form offers from the policy pack: the categories of the kind
    chosen (a category the pack offers on two kinds is listed once, under the kind chosen);
    the directory only for signed-in staff recording a report (directory=True). A visitor
    types names, which are matched against the directory on the server
    (services.reports.implicate), so the public form never lists who works here."""
    rt = runtime()
    form.route.choices = [(r.key, r.label) for r in rt.routes.values()]
    offered = rt.pack.categories_for(kind) if kind else list(rt.pack.categories.values())
    form.category.choices = [("", _("Choose one"))] + [(c.key, c.label) for c in offered]
    form.department.choices = [("", _("I don't know / not sure"))] + list(
        rt.pack.departments.items())
    people = context().session.execute(select(Person).order_by(Person.name)).scalars().all() \
        if directory else []
    form.implicated_people.choices = [(p.id, f"{p.name}, {p.position}") for p in people]
    form.reporter_person.choices = [("", _("I would rather not say"))] + [
        (p.id, f"{p.name}, {p.position}") for p in people]
    form.lists_directory = directory
    # RELATIONS' reporter words are translated by the catalogs (reporter.po) where shown
    form.relation.choices = [(k, _(str(words))) for k, (words, _staff) in RELATIONS.items()]
    form.raise_with.choices = [("", _("Whoever the policy says"))] + [
        (lv.key, lv.label) for lv in rt.pack.levels.values()]
    form.statements.choices = [(st.key, st.label) for st in rt.pack.statements.values()]
    form.support_kind.choices = support_kinds(rt.pack, _("No support person"))
    return form


def support_kinds(pack, none: str) -> list[tuple[str, str]]:
    """The kinds of support person the pack lets a complainant name, for a select."""
    return [("", none)] + list((pack.support.kinds if pack.support else {}).items())


def new_report(form: ReportForm, recorded_by: int | None = None) -> NewReport:
    """The service's input from a valid form."""
    named = form.anonymous.data == "no"
    typed = [line.split(",", 1) for line in (form.implicated_names.data or "").splitlines()
             if line.strip()]
    implicated = [ImplicatedInput(person_id=pid) for pid in form.implicated_people.data or []]
    implicated += [ImplicatedInput(name=p[0].strip(), role=(p[1].strip() if len(p) > 1
                                                             else None)) for p in typed]
    person_id = form.reporter_person.data or None
    if named and person_id is None and not getattr(form, "lists_directory", True):
        person_id = claimed_person(context(), form.name.data)  # the name, matched here
    reporter = ReporterInput(name=form.name.data, email=form.email.data or None,
                             phone=form.phone.data or None,
                             person_id=person_id) if named else None
    return NewReport(route=form.route.data, category=form.category.data,
                     summary=form.summary.data, details=form.details.data, anonymous=not named,
                     reporter=reporter, implicated=tuple(implicated),
                     relation=form.relation.data or None,
                     raise_with=form.raise_with.data or None,
                     statements=tuple(form.statements.data or ()),
                     department=form.department.data or None,
                     occurred_on=form.occurred_on.data, recorded_by=recorded_by,
                     notify_by_email=named and bool(form.notify_by_email.data),
                     extra={"witnesses": form.witnesses.data or ""},
                     answers=form_answers(runtime().pack),
                     support_person=SupportInput(form.support_kind.data or "",
                                                 form.support_name.data or "",
                                                 form.support_contact.data or None)
                     if form.support_kind.data or form.support_name.data else None)


#: The report form's textarea for the pack's question called key (templates/reporter/report.html).
ANSWER_FIELD = "answer-{}"


def form_answers(pack) -> dict[str, str]:
    """The answers typed to the pack's optional questions (the service checks each is asked on
    the chosen kind of report); a blank one is no answer."""
    return {key: text for key in pack.questions
            if (text := request.form.get(ANSWER_FIELD.format(key), "")).strip()}


def store_evidence(files, actor, reference: str | None) -> list[dict]:
    """Clean and seal each uploaded file; say what was removed from each."""
    uploads = [f for f in files or [] if f and f.filename]
    if len(uploads) > MAX_FILES:
        raise Invalid(_("Too many files."), {"evidence": _("send at most %(num)s files",
                                                             num=MAX_FILES)})
    notes = []
    for upload in uploads:
        try:
            stored = accept_evidence(context(), actor, reference, upload.filename, upload.stream)
        except DomainError as exc:  # on the form's evidence field, naming the file
            raise Invalid(exc.message, {"evidence": exc.message}) from exc
        notes.append({"filename": stored.filename, "removed": stored.removed,
                      "kept": stored.kept})
    return notes


def form_errors(form, exc: DomainError) -> None:
    """Put a service's field errors on the form's fields (or the top of the page)."""
    for name, message in exc.fields.items():
        target = getattr(form, name.split(".")[-1].split("[")[0], None)
        if name.startswith("answers."):  # shown beside the question (report.html)
            form.answer_errors = {**getattr(form, "answer_errors", {}),
                                  name.removeprefix("answers."): message}
            continue
        if name.startswith("implicated"):
            target = form.implicated_names
        if name.startswith("support_person"):  # the form's fields are support_kind, ...
            target = getattr(form, "support_" + (name.split(".")[1] if "." in name else "kind"))
        if target is not None and hasattr(target, "errors"):
            target.errors = [*list(target.errors or []), message]


def plain_errors(form, exc: DomainError) -> str | None:
    """Put a service's field errors on the form's fields as sentences; return the problem to
    show at the top when some error belongs to no field (or there were no field errors)."""
    unplaced = []
    for name, message in exc.fields.items():
        sentence = message[:1].upper() + message[1:]
        target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*list(target.errors or []), sentence]
        else:
            unplaced.append(sentence)
    return " ".join([exc.message, *unplaced]) if unplaced or not exc.fields else None


@bp.route("/report", methods=["GET", "POST"])
def report():
    """The report form; errors keep everything typed so far."""
    if request.method == "POST":  # counted first, in its own transaction
        ratelimit.hit(runtime(), request.remote_addr, "intake", ratelimit.INTAKE)
    kind = chosen_kind()
    if kind is None and request.method == "GET":
        return kind_step()
    form = report_form(ReportForm(), kind)
    shown, problem = submit_report(form)
    if shown:
        session["receipt_once"] = shown
        return redirect(url_for("reporter.receipt"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("reporter/report.html", form=form, problem=problem,
                           kind=kind), status


#: Shown above a report form sent after its session had ended (no dead end: the text is kept).
EXPIRED = _l("Your session ended before you sent this (after 30 minutes without a new page), "
             "so nothing has been sent yet. Everything you wrote is kept below: check it and "
             "press \"Send my report\" again.")


def report_again():
    """A report form whose session (and so its CSRF token) had expired: shown again with what
    was typed and a plain message, with a fresh token; nothing is lodged. Files cannot be
    kept by a browser across pages, so the message says to choose them again."""
    form = report_form(ReportForm(), chosen_kind())
    has_files = any(f.filename for f in request.files.getlist("evidence") if f)
    problem = str(EXPIRED) + (" " + _("Choose your files again too.") if has_files else "")
    return render_template("reporter/report.html", form=form, problem=problem,
                           kind=chosen_kind()), 400


def kind_step(template: str = "reporter/report.html", **values):
    """The form's first step: what kind of concern it is (a GET form, no JavaScript), so the
    form then lists only that kind's categories. A kind that is not offered is an error."""
    asked = request.args.get("kind")
    problem = _("Choose what kind of concern this is") if asked is not None else None
    return render_template(template, kind_step=True, problem=problem, form=None,
                           **values), 422 if problem else 200


def submit_report(form: ReportForm, recorded_by: int | None = None
                  ) -> tuple[dict | None, str | None]:
    """Lodge a submitted form with its evidence in one unit of work. Returns what to show once
    (reference, receipt, what was removed from each file), or the problem to show above a form
    that keeps everything typed."""
    files_lost = _("Nothing was saved yet. Please choose the files again before sending.")
    has_files = any(f.filename for f in form.evidence.data or [] if f)
    if not form.validate_on_submit():
        return None, files_lost if form.errors and has_files else None
    try:
        lodged = lodge_report(context(), new_report(form, recorded_by))
        evidence = store_evidence(form.evidence.data, Reporter(lodged.case.id), None)
    except DomainError as exc:
        form_errors(form, exc)
        return None, files_lost if has_files else exc.message
    return {"reference": lodged.reference, "receipt": lodged.receipt, "evidence": evidence}, None


#: The receipt just shown, kept only so that choosing another language on the receipt page
#: shows it again in that language (the one page view that is not a reload).
RELANG = "receipt_for_language"


@bp.get("/report/receipt")
def receipt():
    """The reference and receipt, shown once; the URL never holds them."""
    shown = session.pop("receipt_once", None)
    if shown:
        session[RELANG] = shown
    return render_template("reporter/receipt.html", shown=shown)


@bp.before_app_request
def receipt_for_language():
    """The chooser pressed on the receipt page shows the receipt once more, in the language
    chosen; any other page (a reload too) forgets it. Styles and unknown addresses (a
    browser's own favicon request) leave it be."""
    if request.endpoint == "set_language":
        if request.form.get("next") == url_for("reporter.receipt") and RELANG in session:
            session["receipt_once"] = session.pop(RELANG)
    elif request.endpoint not in (None, "static") and RELANG in session:
        session.pop(RELANG)


@bp.route("/return", methods=["GET", "POST"])
def return_():
    """Sign in with reference and receipt."""
    if request.method == "POST":  # counted first, in its own transaction
        ratelimit.hit(runtime(), request.remote_addr, "reporter-session",
                      ratelimit.REPORTER_SESSION)
    form = ReturnForm()
    if form.validate_on_submit():
        ctx = context()
        actor = reporter_sign_in(ctx, form.reference.data, form.receipt.data)
        if actor is not None:
            fresh_session()
            session["reporter_case"] = actor.case_id
            return redirect(url_for("reporter.my_report"), 303)
        form.receipt.errors = [_("That reference and receipt do not match a report. Check "
                                 "both and try again.")]
    status = 422 if request.method == "POST" else 200
    return render_template("reporter/return.html", form=form), status


def fresh_session() -> None:
    """A new session (new id, nothing of the old one) that keeps only the language the person
    chose: signing in must not switch the page back to another language."""
    language = session.get(LANGUAGE_KEY)
    session.clear()
    session.regenerate()
    if language:
        session[LANGUAGE_KEY] = language


def current_reporter() -> Reporter:
    """The reporter signed in with a receipt, or back to the sign-in page."""
    case_id = session.get("reporter_case")
    if not case_id:
        abort(redirect(url_for("reporter.return_")))
    return Reporter(int(case_id))


@bp.get("/my-report")
def my_report():
    """Stage, timeline, messages, the steps open to the reporter and any check-in question."""
    return render_my_report()


def render_my_report(status: int = 200, checkin_form: CheckInForm | None = None):
    """The reporter's page; a check-in answer that did not validate is shown with its errors.
    Only the latest check-in that has come due is asked: an earlier one left unanswered has
    been overtaken by it."""
    actor, ctx = current_reporter(), context()
    view = reporter_view(ctx, actor)
    messages = list_messages(ctx, actor, None)
    record = record_for_reporter(ctx, actor)
    checkins = reporter_checkins(ctx, actor)
    asking = checkins[0] if checkins and checkins[0].answered_at is None else None
    checkin_form = checkin_form or CheckInForm(formdata=None)
    checkin_form.detriment.label.text = _(str(QUESTION))
    return render_template("reporter/my_report.html", view=view, messages=messages,
                           record=record, record_form=RecordForm(),
                           message_form=MessageForm(), evidence_form=EvidenceForm(),
                           action_form=ActionForm(), checkins=checkins, asking=asking,
                           support_form=support_form(ctx.runtime.pack),
                           checkin_form=checkin_form), status


@bp.post("/my-report/message")
def send_message():
    """Reply to the handlers."""
    actor, form = current_reporter(), MessageForm()
    if not form.validate_on_submit():
        raise Invalid(_("Write a message before sending."), {"body": _("required")})
    post_message(context(), actor, None, form.body.data)
    flash(_("Your message was sent."), "success")
    return redirect(url_for("reporter.my_report"), 303)


@bp.post("/my-report/evidence")
def add_evidence():
    """More evidence, cleaned of metadata first."""
    actor, form = current_reporter(), EvidenceForm()
    if not form.validate_on_submit():
        raise Invalid(_("Choose a file to send."), {"evidence": _("required")})
    notes = store_evidence(form.evidence.data, actor, None)
    for note in notes:
        if note["removed"] == _("nothing"):  # a sentence of its own ("rien" moves in French)
            added = _("%(filename)s was added. We removed: nothing.", filename=note["filename"])
        else:
            added = _("%(filename)s was added. We removed: %(removed)s.",
                      filename=note["filename"], removed=note["removed"])
        kept = " " + _("Note: %(kept)s.", kept=note["kept"]) if note["kept"] else ""
        flash(added + kept, "success")
    return redirect(url_for("reporter.my_report"), 303)


@bp.post("/my-report/action")
def take_action():
    """A step open to the reporter (choose an option, resolved, withdraw …)."""
    actor, form, ctx = current_reporter(), ActionForm(), context()
    if not form.validate_on_submit():
        raise Invalid(_("Choose a step."), {"action": _("required")})
    view = reporter_view(ctx, actor)
    step = next((s for s in view["steps"] if s["key"] == form.action.data), None)
    if step and step["confirm"] and request.form.get("confirmed") != "yes":
        return render_template("reporter/confirm_step.html", view=view, step=step,
                               action_form=form)
    fire_transition(ctx, actor, view["reference"], form.action.data, None, {})
    flash(_("Done. Your report has been updated."), "success")
    return redirect(url_for("reporter.my_report"), 303)


@bp.post("/my-report/meeting")
def ask_for_meeting():
    """Ask to meet in person (EU directive art 9(2))."""
    offer = request_meeting(context(), current_reporter())  # CSRF: checked for every POST
    flash(_("You asked to meet in person. The person handling your report will contact you to "
            "arrange it, by %(day)s.", day=format_day(offer.due_on)), "success")
    return redirect(url_for("reporter.my_report"), 303)


def support_form(pack) -> SupportForm:
    """The form naming a support person, offering the pack's kinds."""
    form = SupportForm(formdata=None)
    form.kind.choices = support_kinds(pack, _("Choose one"))
    return form


@bp.post("/my-report/support-person")
def support_person():
    """Name (or change) a support person, where the policy offers one."""
    actor, ctx = current_reporter(), context()
    form = SupportForm()
    form.kind.choices = support_form(ctx.runtime.pack).kind.choices
    if not form.validate_on_submit():
        raise Invalid(_("Say who your support person is and give their name."),
                      {name: errors[0] for name, errors in form.errors.items()})
    name_support_person(ctx, actor, SupportInput(form.kind.data, form.name.data,
                                                 form.contact.data or None))
    flash(_("Your support person was recorded. Those handling your report see that you have "
            "one; who they are is kept sealed, like your own name."), "success")
    return redirect(url_for("reporter.my_report"), 303)


@bp.post("/my-report/record")
def check_record():
    """Confirm or correct a report that staff recorded on the reporter's behalf."""
    actor, form = current_reporter(), RecordForm()
    if not form.validate_on_submit():
        raise Invalid(_("Please try again."), {"correction": _("the form had expired")})
    confirm_record(context(), actor, form.correction.data if form.correct.data else None)
    flash(_("Thank you. Your answer has been added to your report."), "success")
    return redirect(url_for("reporter.my_report"), 303)


@bp.post("/my-report/leave")
def leave():
    """Sign out: forget the session (but not the language chosen)."""
    language = session.get(LANGUAGE_KEY)
    session.clear()
    if language:
        session[LANGUAGE_KEY] = language
    flash(_("You have left your report. Keep your reference and receipt safe."), "success")
    return redirect(url_for("reporter.start"), 303)


from casework.web import reporter_aftercare  # noqa: E402, F401  (registers the check-in answer)
