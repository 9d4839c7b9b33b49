"""Staff pages: sign-in with a second factor, the dashboard, the case list, triage, and
recording a report on a reporter's behalf. The case page and its actions are in staff_case."""

from __future__ import annotations

from math import ceil

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from casework.i18n import _, _l
from casework.services import grants, worklists
from casework.services.access import Power, Staff, handles_cases, has_power, staff_actor
from casework.services.auth import staff_sign_in
from casework.services.escalation import escalated_to
from casework.services.inputs import query_number
from casework.web.accounts import StaffUser
from casework.web.edge import context, runtime
from casework.web.forms import CaseFilterForm, ReportForm, SignInForm
from casework.web.oidc import provider_sign_out_url
from casework.web.reporter import chosen_kind, kind_step, report_form, submit_report
from casework.workflow.policy import RELATIONS
from casework.workflow.texts import choice_words

bp = Blueprint("staff", __name__, url_prefix="/staff")
#: A browser the account signed in on before (services/auth.py, device tokens): a year.
DEVICE_COOKIE, DEVICE_AGE = "casework_device", 365 * 24 * 3600
PER_PAGE = 25
CAPACITY_WORDS = {"handler": _l("Handler"), "investigator": _l("Investigator"),
                  "decision_maker": _l("Decision maker")}
ACTION_WORDS = {"police_referral": _l("A police referral must be made and recorded"),
                "immediate_escalation": _l("Escalate at once to the head of the organisation")}
#: The staff roles (models.users.STAFF_ROLES) in words.
ROLE_WORDS = {"admin": _l("admin"), "intake": _l("intake"), "investigator": _l("investigator"),
              "decision_maker": _l("decision maker"), "hr_analyst": _l("HR analyst"),
              "auditor": _l("auditor"),
              # the directory's roles (workflow.policy.PERSON_ROLES)
              "chief_executive": _l("chief executive"),
              "monitoring_officer": _l("monitoring officer"),
              "head_of_internal_audit": _l("head of internal audit"),
              "hr_manager": _l("hr manager"), "director": _l("director")}


def actor() -> Staff:
    """The signed-in staff member, as the access policy sees them."""
    return staff_actor(current_user, runtime().keyring)


class Labels:
    """Plain words for the keys pages show: routes, stages, categories, queues, outcomes."""

    def __init__(self) -> None:
        self.rt = runtime()

    def route(self, key: str) -> str:
        return self.rt.routes[key].label if key in self.rt.routes else key

    def state(self, route: str, key: str) -> str:
        states = self.rt.routes[route].states if route in self.rt.routes else {}
        return states[key].label if key in states else key.replace("_", " ").capitalize()

    def outcome(self, route: str, key: str) -> str:
        """An outcome as the route file names it for staff ("Merged into another case")."""
        found = self.rt.routes[route].outcome(key) if route in self.rt.routes else None
        return found.label if found else key.replace("_", " ")

    def category(self, key: str) -> str:
        found = self.rt.pack.categories.get(key)
        return found.label if found else key.replace("_", " ")

    def queue(self, key: str) -> str:
        found = self.rt.pack.queues.get(key)
        return found.label if found else key.replace("_", " ")

    def department(self, key: str | None) -> str:
        return self.rt.pack.departments.get(key, key) if key else _("Not given")

    @staticmethod
    def relation(key: str | None, witness: bool) -> str:
        """How the reporter knows, in a handler's words (RELATIONS)."""
        if key in RELATIONS:
            return RELATIONS[key][1]
        return (_("Someone else's matter (asked before the form said how they know)")
                if witness else _("Not asked"))

    @staticmethod
    def words(key: str | None) -> str:
        """A key in words (a role in the language of the page)."""
        return str(ROLE_WORDS[key]) if key in ROLE_WORDS else (key or "").replace("_", " ")

    @classmethod
    def roles(cls, keys) -> str:
        """Roles in words, joined with commas."""
        return ", ".join(cls.words(key) for key in keys)

    #: A route field's choice in plain words, translated by the route file.
    choice = staticmethod(choice_words)

    @staticmethod
    def capacity(key: str) -> str:
        return str(CAPACITY_WORDS.get(key, key.replace("_", " ")))

    @staticmethod
    def action(key: str) -> str:
        return str(ACTION_WORDS.get(key, key.replace("_", " ").capitalize()))


@bp.app_context_processor
def inject_labels():
    """Every page can turn keys into words; the navigation offers cases to those who handle
    them."""
    signed_in = current_user.is_authenticated
    return {"labels": Labels(), "handles_cases": signed_in and handles_cases(actor()),
            "administers": signed_in and has_power(actor(), Power.ADMINISTER)}


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Email, password and (for roles that see case content) the authenticator code."""
    form = SignInForm()
    if form.validate_on_submit():
        result = staff_sign_in(context(), form.email.data, form.password.data, form.totp.data,
                               request.cookies.get(DEVICE_COOKIE))
        if result.user is not None:
            session.clear()
            session.regenerate()
            session["epoch"] = result.user.session_epoch
            login_user(StaffUser(result.user))
            response = redirect(url_for("staff.dashboard"), 303)
            if result.device:  # this browser's own count of failures from now on
                response.set_cookie(DEVICE_COOKIE, result.device, max_age=DEVICE_AGE,
                                    path="/staff/sign-in", httponly=True, samesite="Strict",
                                    secure=current_app.config.get("SESSION_COOKIE_SECURE")
                                    or request.is_secure)
            return response
        form.password.errors = [
            _("This account signs in with %(provider)s: use the button below the form.",
              provider=runtime().settings.oidc.name)
            if result.reason == "use_provider" else
            _("Those sign-in details are not right. Check your email, password and code, "
              "and try again.")]
    status = 422 if request.method == "POST" else 200
    return render_template("staff/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out():
    """Forget the session (and offer the provider's sign-out, after single sign-on)."""
    elsewhere = provider_sign_out_url(session.get("signed_in_with") == "oidc")
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    if elsewhere:
        session["provider_sign_out"] = elsewhere
    return redirect(url_for("staff.sign_in"), 303)


@bp.get("/")
@login_required
def dashboard():
    """Reports escalated to me at once (zero tolerance); what is assigned to me, my queues,
    due soon and overdue, newly arrived; requests for access to my queues (or, for
    administrators, every one) waiting for a decision."""
    me = actor()
    return render_template("staff/dashboard.html", me=me,
                           board=worklists.dashboard(context(), me) if handles_cases(me)
                           else None, requests=grants.news_for(context(), me),
                           escalated=escalated_to(context(), me))


def _filter_form() -> CaseFilterForm:
    rt = runtime()
    form = CaseFilterForm(request.args)
    states = {}
    for route in rt.routes.values():
        for key, state in route.states.items():
            states.setdefault(key, state.label)
    any_ = _("Any")
    form.route.choices = [("", any_)] + [(r.key, r.label) for r in rt.routes.values()]
    form.state.choices = [("", any_)] + list(states.items())
    form.queue.choices = [("", any_)] + [(q.key, q.label) for q in rt.pack.queues.values()]
    form.category.choices = [("", any_)] + [(c.key, c.label)
                                            for c in rt.pack.categories.values()]
    search_choices(form)
    return form


def _pages(total: int, per_page: int) -> int:
    return max(ceil(total / per_page), 1)


@bp.get("/cases")
@login_required
def cases():
    """Visible cases, filtered by a GET form, sorted and paged; filters kept in the links.
    "Next page" carries the cursor of this page's last case (`after`, keyset: as quick on page
    200 as on page 1); the numbered links page by offset (`page`), which still works."""
    form = _filter_form()
    if not form.validate():
        return render_template("staff/cases.html", form=form, listing=None, args={}), 422
    page = query_number(request.args, "page")
    listing = worklists.find_cases(context(), actor(), worklists.CaseQuery(
        reference=form.reference.data or None, state=form.state.data or None,
        route=form.route.data or None,
        queue=form.queue.data or None, category=form.category.data or None,
        assigned_to_me=form.assigned.data, overdue=form.overdue.data, sort=form.sort.data,
        page=page, per_page=PER_PAGE, after=request.args.get("after"), **search_query(form)))
    args = {k: v for k, v in request.args.items() if k not in ("page", "after") and v}
    return render_template("staff/cases.html", form=form, listing=listing, args=args,
                           pages=_pages(listing.total, PER_PAGE), **list_extras(args))


@bp.get("/triage")
@login_required
def triage():
    """Newly arrived cases in my queues, oldest first, with their clocks."""
    page = query_number(request.args, "page")
    rows, total, more = worklists.triage(context(), actor(), page, 50)
    return render_template("staff/triage.html", rows=rows, total=total, more=more, page=page,
                           pages=_pages(total, 50))


@bp.route("/record", methods=["GET", "POST"])
@login_required
def record():
    """Record a report on someone's behalf (an oral or paper report), same form as theirs."""
    if not handles_cases(actor()):
        abort(403)
    kind = chosen_kind()
    if kind is None and request.method == "GET":
        return kind_step("staff/record.html", action_endpoint="staff.record")
    form = report_form(ReportForm(), kind, directory=True)
    shown, problem = submit_report(form, recorded_by=current_user.id)
    if shown:
        session["recorded_once"] = shown
        return redirect(url_for("staff.recorded"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("staff/record.html", form=form, problem=problem, kind=kind,
                           action_endpoint="staff.record"), status


@bp.get("/record/receipt")
@login_required
def recorded():
    """The reference and receipt of a recorded report, shown once, to hand to the reporter."""
    return render_template("staff/recorded.html", shown=session.pop("recorded_once", None))


from casework.web import staff_case  # noqa: E402, F401  (registers the case page on bp)
from casework.web.staff_search import list_extras, search_choices, search_query  # noqa: E402
