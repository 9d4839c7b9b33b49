"""Administration pages: the people directory and staff accounts (no case content).

Only the admin role gets in (403 for everyone else). Administrators see no case anywhere:
the access policy gives their role no case, so a case address gives them the usual 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from casework.models import STAFF_ROLES
from casework.services.directory import list_accounts, list_people, otpauth_uri, person_choices
from casework.services.errors import Conflict, Invalid
from casework.services.people import NewPerson, NewUser, create_person, create_user
from casework.web.edge import context, runtime
from casework.web.forms import AccountForm, PersonForm
from casework.web.reporter import form_errors
from casework.web.staff import actor
from casework.workflow.policy import PERSON_ROLES

bp = Blueprint("admin", __name__, url_prefix="/admin")
ROLE_WORDS = {"admin": "Administrator (accounts and directory; no case content)",
              "intake": "Intake officer (triage and handling)", "investigator": "Investigator",
              "decision_maker": "Decision maker", "hr_analyst": "HR analyst (statistics only)",
              "auditor": "Auditor (audit trail only)"}


@bp.before_request
def admins_only():
    """Signed in, with the admin role; anyone else is refused."""
    if not current_user.is_authenticated:
        return redirect(url_for("staff.sign_in"))
    if "admin" not in current_user.roles:
        abort(403)
    return None


def _person_form() -> PersonForm:
    form = PersonForm()
    form.department.choices = [("", "None")] + list(runtime().pack.departments.items())
    form.roles.choices = [(r, r.replace("_", " ").capitalize()) for r in sorted(PERSON_ROLES)]
    form.manager_id.choices = [(0, "None")] + person_choices(context())
    return form


def _account_form() -> AccountForm:
    form = AccountForm()
    form.roles.choices = [(r, ROLE_WORDS.get(r, r)) for r in STAFF_ROLES]
    form.queues.choices = [(q.key, q.label) for q in runtime().pack.queues.values()]
    form.person_id.choices = [(0, "None")] + person_choices(context())
    return form


@bp.route("/people", methods=["GET", "POST"])
def people():
    """The directory, and a form to add someone to it."""
    form = _person_form()
    if form.validate_on_submit():
        try:
            create_person(context(), actor().label, NewPerson(
                name=form.name.data, position=form.position.data, email=form.email.data or None,
                department=form.department.data or None, roles=tuple(form.roles.data or ()),
                manager_id=form.manager_id.data or None))
        except Invalid as exc:
            form_errors(form, exc)
        else:
            flash(f"{form.name.data} was added to the directory.", "success")
            return redirect(url_for("admin.people"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/people.html", form=form,
                           rows=list_people(context(), actor())), status


@bp.route("/users", methods=["GET", "POST"])
def users():
    """Staff accounts, and a form to create one (its second-factor secret is shown once)."""
    form = _account_form()
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            created = create_user(context(), actor().label, NewUser(
                email=form.email.data, name=form.name.data, password=form.password.data,
                roles=tuple(form.roles.data), queues=tuple(form.queues.data or ()),
                person_id=form.person_id.data or None))
        except Conflict as exc:
            form.email.errors = [exc.message]
            status = exc.status
        except Invalid as exc:
            form_errors(form, exc)
        else:
            secret = created.totp_secret
            return render_template("admin/user_created.html", user=created.user, secret=secret,
                                   uri=secret and otpauth_uri(
                                       secret, created.user.email,
                                       f"{runtime().pack.organisation} Casework"))
    return render_template("admin/users.html", form=form, role_words=ROLE_WORDS,
                           rows=list_accounts(context(), actor())), status
