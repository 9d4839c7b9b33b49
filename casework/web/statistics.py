"""The HR analyst's pages: a statistics table as a chart and a table, its CSV, the tables
published so far, and the annual reports the policy pack names. Analysts see counts and
nothing of any case; every table shown or downloaded is a release, stored and audited."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectField, StringField
from wtforms.validators import Length

from casework.i18n import _, _l, format_day
from casework.services import annual, stats
from casework.services.access import Power, has_power, require
from casework.services.errors import Invalid
from casework.services.stats_sql import DIMENSION_LABELS
from casework.stats import PROFILES
from casework.stats.periods import ACCEPTED
from casework.web.charts import bar_chart, crosstab
from casework.web.edge import context, runtime
from casework.web.forms import Form
from casework.web.pdf import render_pdf
from casework.web.staff import actor

bp = Blueprint("statistics", __name__, url_prefix="/staff")
#: The disclosure profiles (casework.stats.PROFILES) in words.
PROFILE_WORDS = {"standard": _l("Standard"), "strict": _l("Strict"),
                 "threshold10": _l("Threshold10")}


class TableForm(Form):
    """Which table: a GET form (it changes nothing a person could be tricked into), so a table
    can be bookmarked. Choices are checked by the statistics service, as for the API."""

    class Meta:
        csrf = False

    by = SelectField(_l("Count cases by"), validate_choice=False)
    by2 = SelectField(_l("And by (optional)"), validate_choice=False, default="")
    period = StringField(_l("Period"), validators=[Length(max=32)])
    profile = SelectField(_l("Disclosure rules"), validate_choice=False)


class AnnualForm(Form):
    """Which year the annual reports cover (a GET form, like the table's)."""

    class Meta:
        csrf = False

    period = StringField(_l("Year"), validators=[Length(max=32)])


@bp.app_context_processor
def inject_statistics_access():
    """The navigation shows the statistics link to analysts only."""
    return {"sees_statistics": bool(current_user.is_authenticated
                                    and has_power(actor(), Power.STATISTICS)),
            "group_words": annual.group_words, "profile_words": PROFILE_WORDS}


def analyst():
    """The signed-in analyst; anyone else is refused before anything is counted."""
    me = actor()
    require(me, Power.STATISTICS)
    return me


def table_form() -> TableForm:
    """The table form from the query string, its choices in plain words."""
    form = TableForm(request.args)
    dims = [(key, str(words)) for key, words in DIMENSION_LABELS.items()]
    form.by.choices = dims
    form.by2.choices = [("", _("Nothing else")), *dims]
    form.profile.choices = [(p.name, _("%(name)s (1 to %(below)s not shown, rounded to "
                                       "%(rounding)s)", name=PROFILE_WORDS.get(p.name, p.name),
                                       below=p.threshold - 1, rounding=p.rounding))
                            for p in PROFILES.values()]
    if not form.profile.data:
        form.profile.data = runtime().pack.stats_profile
    return form


def refused(form: Form, exc: Invalid) -> None:
    """Put the service's field errors on the form's fields (by, period, profile)."""
    for name, message in exc.fields.items():
        getattr(form, name, form.period).errors = [message]


def chosen(form: TableForm) -> tuple[str, ...]:
    """The dimensions asked for, in the order asked (the first one down the table)."""
    return tuple(d for d in (form.by.data, form.by2.data) if d)


def asked(form: TableForm, me) -> dict:
    """The table the form asks for: published now, or as it was published before."""
    return stats.release(context(), me, stats.StatsRequest(
        by=chosen(form), period=form.period.data or "", profile=form.profile.data))


def statistics_page(form: TableForm, view: dict | None, status: int, me):
    """The statistics page, with the tables published so far listed under it."""
    return render_template("staff/statistics.html", form=form, view=view, accepted=ACCEPTED,
                           published=stats.stored_releases(context(), me),
                           labels_of=DIMENSION_LABELS, dims_words=dims_words), status


def dims_words(dims) -> str:
    """Dimensions in plain words: "Kind of conduct and Route"."""
    words = [str(DIMENSION_LABELS.get(d, d)) for d in dims]
    if len(words) == 2:
        return _("%(first)s and %(second)s", first=words[0], second=words[1])
    return ", ".join(words)


@bp.get("/statistics")
@login_required
def statistics():
    """The form, the table asked for (as a chart and a table), and the tables published."""
    form, me = table_form(), analyst()
    if not request.args:
        return statistics_page(form, None, 200, me)
    try:
        return statistics_page(form, present(asked(form, me), chosen(form)), 200, me)
    except Invalid as exc:
        refused(form, exc)
        return statistics_page(form, None, 422, me)


@bp.get("/statistics.csv")
@login_required
def statistics_csv():
    """The table asked for, as CSV in the page's words and nothing but the table (the same
    release, audited again as a download)."""
    form, me = table_form(), analyst()
    try:
        body = asked(form, me)
    except Invalid as exc:
        refused(form, exc)
        return statistics_page(form, None, 422, me)
    name = "-".join(["statistics", body["period"], *body["by"]])
    return attachment(annual.table_csv(context(), body, chosen(form)), f"{name}.csv")


def annual_page(form: AnnualForm, reports, status: int, working: str | None = None):
    """The annual reports page (the form alone until a year is asked for). `working` is the
    address that carries on working them out, while a first showing is computed."""
    month = format_day(date(2000, runtime().pack.fiscal_year_start_month, 1), "MMMM")
    return render_template("staff/annual.html", form=form, reports=reports, fiscal_month=month,
                           measure_labels=annual.MEASURE_LABELS, working=working), status


@bp.get("/statistics/annual")
@login_required
def annual_reports():
    """The annual reports the policy pack names, for the year asked for. Tables published
    before show at once; otherwise the page first says they are being worked out and moves
    itself on (a refresh, no JavaScript) to `work=1`, which works them out while the browser
    keeps showing that, then shows them (and carries on if the checks ran out of time)."""
    form, me = AnnualForm(request.args), analyst()
    if not form.period.data:
        return annual_page(form, None, 200)
    ctx, period = context(), form.period.data
    carry_on = url_for("statistics.annual_reports", period=period, work=1)
    try:
        if not request.args.get("work") and not annual.annual_ready(ctx, me, period):
            return annual_page(form, None, 200, working=carry_on)
        reports = annual.annual_report(ctx, me, period)
        done = annual.annual_ready(ctx, me, period)
    except Invalid as exc:
        refused(form, exc)
        return annual_page(form, None, 422)
    return annual_page(form, reports, 200, working=None if done else carry_on)


def annual_download(make):
    """A download of the year's reports: make(reports, period) gives the response; a bad
    year is the page with its error (422)."""
    form, me = AnnualForm(request.args), analyst()
    try:
        reports = annual.annual_report(context(), me, form.period.data or "")
    except Invalid as exc:
        refused(form, exc)
        return annual_page(form, None, 422)
    return make(reports, annual.annual_period(context(), form.period.data))


@bp.get("/statistics/annual.csv")
@login_required
def annual_reports_csv():
    """The annual reports as one CSV (the table alone: the rule is on the page)."""
    return annual_download(lambda reports, period: attachment(
        annual.table_only(annual.report_csv(reports)), f"annual-report-{period}.csv"))


@bp.get("/statistics/annual.pdf")
@login_required
def annual_reports_pdf():
    """The annual reports as a PDF (the page's tables, made on the server)."""
    from casework.web.auditor import when  # (the auditor's pages import this module's app)

    def pdf(reports, period: str) -> Response:
        data = render_pdf("staff/annual_pdf.html", reports=reports, period=period,
                          measure_labels=annual.MEASURE_LABELS, made_by=current_user.name,
                          made_at=when(context().now))
        return Response(data, mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="annual-report-{period}.pdf"'})

    return annual_download(pdf)


def attachment(text: str, filename: str) -> Response:
    """A CSV download."""
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def present(body: dict, order: tuple[str, ...]) -> dict:
    """What the page shows of a release: the rows (withheld ones back in place), a chart of
    the cells, a two-way table when there are two dimensions, and the measures."""
    ctx = context()
    rows = annual.every_row(ctx, body)
    dims = tuple(d for d in order if d in body["by"]) or tuple(body["by"])

    def label(dim: str, value: str | None) -> str:
        return annual.value_label(ctx, dim, value)

    def words(row: dict) -> str:
        return " · ".join(str(label(d, row[d])) for d in dims) or _("All cases")  # str(): shown

    cells = [r for r in rows if all(r[d] is not None for d in dims) and dims
             and not annual.impossible(ctx, r)]
    return {
        "body": body, "dims": dims, "rows": rows, "words": words, "shown": annual.shown,
        "rule": stats.rule_words(body),
        "chart": bar_chart([(words(r), r["count"] if not r["withheld"] else None,
                             annual.shown(r)) for r in cells]),
        "cross": crosstab(rows, dims[0], dims[1], label, annual.shown) if len(dims) == 2
        else None,
        "measures": [(words(m), m) for m in body.get("measures", [])],
    }
