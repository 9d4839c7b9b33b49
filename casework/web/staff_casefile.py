"""The case file page: a handler chooses what goes in a case's PDF (notes, messages, what is
withheld) and downloads it. The choosing and the redaction are the service's
(casework.services.casefile); this page only asks and renders."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import render_template, send_file
from flask_login import login_required
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length

from casework import i18n
from casework.i18n import _, _l
from casework.services.casefile import (
    PURPOSES,
    REDACTIONS,
    CaseFileDocument,
    FileChoice,
    file_options,
    make_case_file,
)
from casework.services.errors import Invalid
from casework.services.event_words import moment_words
from casework.web.auditor import when
from casework.web.edge import context, runtime
from casework.web.forms import CheckboxesField, Form
from casework.web.pdf import render_pdf
from casework.web.reporter import form_errors
from casework.web.staff import actor, bp
from casework.web.trail_words import kind_words


class CaseFileForm(Form):
    """What goes in a case file."""

    purpose = RadioField(_l("Who is the case file for?"), choices=list(PURPOSES.items()),
                         default="tribunal")
    notes = CheckboxesField(_l("Confidential notes to include"), coerce=int)
    messages = CheckboxesField(_l("Messages with the reporter to include"), coerce=int)
    redact = CheckboxesField(_l("What to withhold"), choices=list(REDACTIONS.items()),
                             default=list(REDACTIONS))
    identity_reason = TextAreaField(_l("Why does the file need the reporter's identity?"),
                                    validators=[Length(max=2000)])


def _short(text: str, size: int = 90) -> str:
    line = " ".join(text.split())
    return line if len(line) <= size else line[:size - 1] + "…"


def _form(options, form: CaseFileForm | None = None) -> CaseFileForm:
    form = form or CaseFileForm(formdata=None)
    form.notes.choices = [(n["id"], _("%(when)s UTC, %(who)s: %(text)s", when=moment_words(
        n["at"]), who=n["by"], text=_short(n["text"]))) for n in options.notes]
    form.messages.choices = [
        (m["id"], _("%(when)s UTC, %(who)s: %(text)s", when=moment_words(m["at"]),
                    who=_("the reporter") if m["from"] == "reporter" else _("a handler"),
                    text=_short(m["text"]))) for m in options.messages]
    if options.anonymous or not options.may_reveal:  # nothing to give, or not theirs to give
        form.redact.choices = [c for c in form.redact.choices if c[0] != "identity"]
    return form


def render_file(doc: CaseFileDocument) -> bytes:
    """The case file as PDF (the one renderer, for the page and the API)."""
    return render_pdf("staff/case_file_pdf.html", doc=doc, kind_words=kind_words,
                      when=when if i18n.current() == i18n.SOURCE else local_moment)


def local_moment(moment: datetime | str) -> str:
    """A moment in the organisation's time zone, to the second, as the language writes it
    (English keeps the auditor's `when`)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(ZoneInfo(runtime().pack.timezone))
    return f"{i18n.format_moment(local, 'd MMM y, HH:mm:ss')} {local:%Z}"


def choice_of(form: CaseFileForm) -> FileChoice:
    """The form's answers as the service's choice (the identity withheld unless offered)."""
    offered = {c[0] for c in form.redact.choices}
    return FileChoice(purpose=form.purpose.data or "", notes=frozenset(form.notes.data or ()),
                      messages=frozenset(form.messages.data or ()),
                      redact=frozenset(form.redact.data or ()) | ({"identity"} - offered),
                      identity_reason=form.identity_reason.data or None)


@bp.get("/cases/<ref>/file")
@login_required
def case_file(ref: str):
    """Choose what goes in the case file."""
    options = file_options(context(), actor(), ref)
    return render_template("staff/case_file.html", options=options, form=_form(options))


@bp.post("/cases/<ref>/file")
@login_required
def case_file_pdf(ref: str):
    """Make the case file and download it (the export is audited)."""
    options = file_options(context(), actor(), ref)
    form = _form(options, CaseFileForm())
    if form.validate_on_submit():
        try:
            made = make_case_file(context(), actor(), ref, choice_of(form), render_file)
        except Invalid as exc:
            form_errors(form, exc)
        else:
            return send_file(io.BytesIO(made.data), mimetype="application/pdf",
                             as_attachment=True, download_name=made.filename,
                             conditional=False, etag=False, max_age=0)
    return render_template("staff/case_file.html", options=options, form=form), 422
