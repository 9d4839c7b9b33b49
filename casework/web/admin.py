"""Administration pages: the people directory, staff accounts (by invitation), and requests for
access waiting for approval. No case content anywhere.

The admin role gets in (403 for everyone else), except to the requests for access, which the
owners of queues see and decide too (the service says who may). Administrators see no case:
the access policy gives their role none, so a case address gives them the usual 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from casework.i18n import _, _l, ngettext
from casework.models import STAFF_ROLES
from casework.services import accounts, grants
from casework.services.access import Power, has_power
from casework.services.directory import list_accounts, list_people, person_choices, require_admin
from casework.services.errors import Conflict, Invalid
from casework.services.people import NewPerson, create_person, update_person
from casework.web.edge import context, runtime
from casework.web.forms import AccessForm, AccountForm, PersonForm
from casework.web.reporter import form_errors
from casework.web.staff import Labels, actor
from casework.workflow.policy import PERSON_ROLES

bp = Blueprint("admin", __name__, url_prefix="/admin")
ROLE_WORDS = {"admin": _l("Administrator (accounts and directory; no case content)"),
              "intake": _l("Intake officer (triage and handling)"),
              "investigator": _l("Investigator"), "decision_maker": _l("Decision maker"),
              "hr_analyst": _l("HR analyst (statistics only)"),
              "auditor": _l("Auditor (audit trail only)")}
#: Pages queue owners use too: the service decides who may see and do what there.
SHARED = frozenset({"admin.grants", "admin.decide"})
#: Where a decision sends the person back to.
BACK = {"grants": "admin.grants", "dashboard": "staff.dashboard", "home": "admin.home"}


@bp.before_request
def admins_only():
    """Signed in, with the admin role (the shared pages check in the service)."""
    if not current_user.is_authenticated:
        return redirect(url_for("staff.sign_in"))
    if request.endpoint not in SHARED:
        require_admin(actor())
    return None


@bp.app_context_processor
def inject_grants_access():
    """The navigation links to requests for access for administrators and queue owners."""
    if not current_user.is_authenticated:
        return {"sees_grants": False}
    me = actor()
    return {"sees_grants": has_power(me, Power.ADMINISTER)
            or bool(grants.owned_queues(context(), me))}


@bp.get("/")
def home():
    """The administrator's landing page: accounts, the directory, requests waiting."""
    ctx = context()
    return render_template("admin/home.html", accounts=list_accounts(ctx, actor()),
                           people=list_people(ctx, actor()),
                           requests=grants.list_grants(ctx, actor()))


def _person_form() -> PersonForm:
    form = PersonForm()
    form.department.choices = [("", _("None"))] + list(runtime().pack.departments.items())
    form.roles.choices = [(r, _first_up(Labels.words(r))) for r in sorted(PERSON_ROLES)]
    form.manager_id.choices = [(0, _("None"))] + person_choices(context())
    return form


def _entry(form: PersonForm) -> NewPerson:
    """The person form's answers as a directory entry."""
    return NewPerson(name=form.name.data, position=form.position.data,
                     email=form.email.data or None, department=form.department.data or None,
                     roles=tuple(form.roles.data or ()), manager_id=form.manager_id.data or None)


def _first_up(words: str) -> str:
    """Words with a capital first letter (and the rest as written: "Responsable RH")."""
    return words[:1].upper() + words[1:]


def _choices(form: AccountForm | AccessForm) -> AccountForm | AccessForm:
    form.roles.choices = [(r, ROLE_WORDS.get(r, r)) for r in STAFF_ROLES]
    form.queues.choices = [(q.key, q.label) for q in runtime().pack.queues.values()]
    return form


@bp.route("/people", methods=["GET", "POST"])
def people():
    """The directory, and a form to add someone to it."""
    form = _person_form()
    if form.validate_on_submit():
        try:
            create_person(context(), actor().label, _entry(form))
        except Invalid as exc:
            form_errors(form, exc)
        else:
            flash(_("%(name)s was added to the directory.", name=form.name.data), "success")
            return redirect(url_for("admin.people"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/people.html", form=form,
                           rows=list_people(context(), actor())), status


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
def person(person_id: int):
    """Change someone's directory entry (audited)."""
    entry = next((p for p in list_people(context(), actor()) if p.id == person_id), None)
    if entry is None:
        abort(404)
    form = _person_form()
    form.manager_id.choices = [c for c in form.manager_id.choices if c[0] != person_id]
    if request.method == "GET":
        form.process(data={"name": entry.name, "position": entry.position,
                           "email": entry.email or "", "department": entry.department or "",
                           "roles": list(entry.roles), "manager_id": entry.manager_id or 0})
    elif form.validate_on_submit():
        try:
            update_person(context(), actor(), person_id, _entry(form))
        except Invalid as exc:
            form_errors(form, exc)
        else:
            flash(_("%(name)s's entry was changed.", name=form.name.data), "success")
            return redirect(url_for("admin.people", _anchor="directory"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/person.html", form=form, entry=entry), status


@bp.route("/users", methods=["GET", "POST"])
def users():
    """Staff accounts, and a form to invite someone (the invitation is shown once)."""
    form = _choices(AccountForm())
    form.person_id.choices = [(0, _("None"))] + person_choices(context())
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            invited = accounts.invite_user(context(), actor(), accounts.NewAccount(
                email=form.email.data, name=form.name.data, roles=tuple(form.roles.data),
                queues=tuple(form.queues.data or ()), person_id=form.person_id.data or None))
        except Conflict as exc:
            form.email.errors, status = [exc.message], exc.status
        except Invalid as exc:
            form_errors(form, exc)
        else:
            return render_template("admin/invited.html", user=invited.user,
                                   issued=invited.invitation,
                                   pending=grants.described(context(), actor(), invited.pending))
    return render_template("admin/users.html", form=form, role_words=ROLE_WORDS,
                           rows=list_accounts(context(), actor())), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def account(user_id: int):
    """One account: its roles and queues (changes ask for approval), a new invitation or a
    second-factor reset, and deactivation."""
    found = list_accounts(context(), actor(), user_id)
    if not found:
        abort(404)
    requests = grants.list_grants(context(), actor(), None, user_id)
    form = _access_form(found[0], [r for r in requests if r.state == grants.PENDING])
    if form.validate_on_submit():
        try:
            change = accounts.change_access(context(), actor(), user_id, form.roles.data or (),
                                            form.queues.data or ())
        except Invalid as exc:
            form_errors(form, exc)
        else:
            flash(_changed(len(change.pending)), "success")
            return redirect(url_for("admin.account", user_id=user_id), 303)
    return render_template("admin/account.html", row=found[0], form=form, me=actor(),
                           requests=requests, role_words=ROLE_WORDS), (
        422 if form.errors else 200)


def _access_form(row, waiting: list[grants.GrantRow]) -> AccessForm:
    """The account's roles and queues ticked, and those waiting for approval ticked and
    marked (unticking one withdraws its request)."""
    form = _choices(AccessForm(data={
        "roles": [*row.roles, *(r.role for r in waiting if r.role)],
        "queues": [*row.queues, *(r.queue for r in waiting if r.queue)]}))
    for field, held in ((form.roles, {r.role for r in waiting}),
                        (form.queues, {r.queue for r in waiting})):
        field.choices = [(key, _("%(words)s (waiting for approval)", words=words) if key in held
                          else words)
                         for key, words in field.choices]
    return form


def _changed(waiting: int) -> str:
    if not waiting:
        return _("The account was changed.")
    return ngettext("The account was changed. What it adds that reaches cases (%(num)s "
                    "request) takes effect only once approved.",
                    "The account was changed. What it adds that reaches cases (%(num)s "
                    "requests) takes effect only once approved.", waiting)


@bp.post("/users/<int:user_id>/invitation")
def invitation(user_id: int):
    """A new invitation (or a second-factor reset), shown once."""
    issued = accounts.reinvite(context(), actor(), user_id)
    found = list_accounts(context(), actor(), user_id)
    return render_template("admin/invited.html", user=found[0], issued=issued, pending=[])


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int):
    """Close an account at once."""
    user = accounts.deactivate(context(), actor(), user_id)
    flash(_("%(name)s's account was deactivated; their sessions have ended.", name=user.name),
          "success")
    return redirect(url_for("admin.account", user_id=user_id), 303)


@bp.get("/grants", endpoint="grants")
def grants_page():
    """Requests for access: waiting ones first; administrators see all, owners their queues'."""
    state = None if request.args.get("state") == "all" else grants.PENDING
    return render_template("admin/grants.html", state=state,
                           requests=grants.list_grants(context(), actor(), state))


@bp.post("/grants/<int:grant_id>/<any(approve, refuse):decision>")
def decide(grant_id: int, decision: str):
    """Approve or refuse one request for access, then back where the person came from."""
    grant = grants.decide(context(), actor(), grant_id, approve=decision == "approve")
    what = (_("the %(queue)s queue", queue=Labels().queue(grant.queue)) if grant.queue
            else _("the %(role)s role", role=Labels.words(grant.role)))
    flash(_("Approved: the account now has %(what)s.", what=what) if grant.state == "approved"
          else _("Refused: the account does not get %(what)s.", what=what), "success")
    back = BACK.get(request.form.get("back", ""), "admin.grants")
    return redirect(url_for(back), 303)
