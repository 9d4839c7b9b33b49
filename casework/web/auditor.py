"""The auditor's pages: the audit trail, filtered by a GET form and paged newest first, one
case's events, the same events as CSV, and a check of the hash chain.

Auditors only (403 for everyone else). They see events, never case content, and never the
events of a case they are implicated in or recused from: the service applies the access
policy, and a case they may not reach is answered exactly like a made-up reference. Every
page of events shown, every download and every check is on the record."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import DateField, SearchField, SelectField, StringField
from wtforms.validators import Length, Optional

from casework.i18n import _, _l, format_moment
from casework.services.access import Power, has_power, require
from casework.services.audit_filters import TrailQuery
from casework.services.audit_views import TrailPage, export_trail, list_trail, verify_trail
from casework.services.errors import Invalid, NotFound
from casework.services.inputs import query_number
from casework.web.edge import context, runtime
from casework.web.forms import Form
from casework.web.staff import actor
from casework.web.statistics import attachment
from casework.web.trail_words import kind_choices, kind_words

bp = Blueprint("auditor", __name__, url_prefix="/staff/audit")
PER_PAGE = 50
FILTERS = ("case", "actor", "kind", "period", "from", "to")
NO_SUCH_CASE = _l("No case has this reference.")


class TrailForm(Form):
    """The trail's filters: a GET form (it changes nothing), so a view can be bookmarked. The
    service checks them, as for the API; the names are the API's."""

    class Meta:
        csrf = False

    case = SearchField(_l("Case reference"), validators=[Optional(), Length(max=32)])
    actor = StringField(_l("Who acted"), validators=[Optional(), Length(max=64)])
    kind = SelectField(_l("What happened"), validate_choice=False, default="")
    period = StringField(_l("Period"), validators=[Optional(), Length(max=16)])
    since = DateField(_l("From"), name="from", validators=[Optional()])
    until = DateField(_l("To"), name="to", validators=[Optional()])


@bp.before_request
def auditors_only():
    """Signed in, with the auditor's power over the trail."""
    if not current_user.is_authenticated:
        return redirect(url_for("staff.sign_in"))
    require(actor(), Power.AUDIT)
    return None


@bp.app_context_processor
def inject_audit_access():
    """The navigation and the dashboard point auditors to the trail."""
    return {"sees_audit": bool(current_user.is_authenticated
                               and has_power(actor(), Power.AUDIT))}


def trail_form() -> TrailForm:
    """The filters from the query string."""
    form = TrailForm(request.args)
    form.kind.choices = kind_choices()
    return form


def asked(form: TrailForm) -> TrailQuery:
    """The service's question from the form (and the page's cursor)."""
    after = query_number(request.args, "after", default=0)
    return TrailQuery(case=form.case.data, actor=form.actor.data, kind=form.kind.data,
                      period=form.period.data, since=form.since.data, until=form.until.data,
                      after=after or None, per_page=PER_PAGE)


def refused(form: TrailForm, exc: Invalid | NotFound):
    """The page again with the service's refusal on the form's fields: 422, or 404 for a case
    out of reach (worded as no such case, as for a made-up reference)."""
    fields = {"case": str(NO_SUCH_CASE)} if isinstance(exc, NotFound) else exc.fields
    by_name = {f.name: f for f in form}
    for name, message in fields.items():
        by_name.get(name, form.period).errors = [message]
    return trail_page(form, None, 404 if isinstance(exc, NotFound) else 422)


def trail_page(form: TrailForm, found: TrailPage | None, status: int):
    """The trail page: the chain's last check, the filters and the events found."""
    args = {k: request.args[k] for k in FILTERS if request.args.get(k, "").strip()}
    return render_template("auditor/trail.html", form=form, found=found, args=args,
                           check=session.get("trail_check"), when=when, words=kind_words,
                           detail=detail, breakable=breakable), status


@bp.get("/")
def events():
    """The filters, and a page of the events they find, newest first (the read is audited)."""
    form = trail_form()
    if not form.validate():
        return trail_page(form, None, 422)
    try:
        return trail_page(form, list_trail(context(), actor(), asked(form)), 200)
    except (Invalid, NotFound) as exc:
        return refused(form, exc)


@bp.get("/events.csv")
def events_csv():
    """The events the filters find, as CSV (the download is audited)."""
    form = trail_form()
    if not form.validate():
        return trail_page(form, None, 422)
    try:
        return attachment(export_trail(context(), actor(), asked(form)), "audit-events.csv")
    except (Invalid, NotFound) as exc:
        return refused(form, exc)


@bp.post("/verify")
def verify():
    """Walk the whole chain now; the answer is shown on the trail page (and is on the
    record)."""
    result = verify_trail(context(), actor())
    session["trail_check"] = {"ok": result.ok, "events": result.events,
                              "first_bad": result.first_bad, "problem": result.problem,
                              "at": context().now.isoformat()}
    return redirect(url_for("auditor.events", **{k: v for k, v in request.form.items()
                                                 if k in FILTERS and v}, _anchor="chain"), 303)


def when(moment: datetime | str) -> str:
    """A moment in the organisation's time zone, to the second."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(ZoneInfo(runtime().pack.timezone))
    return f"{format_moment(local, 'd MMM y, HH:mm:ss')} {local.strftime('%Z')}"


def detail(value: object) -> str:
    """A detail's value in words: lists joined, maps as "key: value", nothing as "none"."""
    if value is None or value == [] or value == {}:
        return _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(detail(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {detail(v)}" for k, v in sorted(value.items()))
    return str(value)


def breakable(kind: str) -> Markup:
    """A kind of event that may wrap after each colon (never inside a word)."""
    return Markup(":<wbr>").join(escape(kind).split(":"))
