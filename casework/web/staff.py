"""Staff pages: sign-in with a second factor, the dashboard, cases and what can be done."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from casework.services.access import Staff, staff_actor
from casework.services.auth import staff_sign_in
from casework.web.edge import context, runtime
from casework.web.forms import SignInForm

bp = Blueprint("staff", __name__, url_prefix="/staff")


def actor() -> Staff:
    """The signed-in staff member, as the access policy sees them."""
    return staff_actor(current_user, runtime().keyring)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Email, password and (for roles that see case content) the authenticator code."""
    form = SignInForm()
    if form.validate_on_submit():
        result = staff_sign_in(context(), form.email.data, form.password.data, form.totp.data)
        if result.user is not None:
            session.clear()
            session.regenerate()
            session["epoch"] = result.user.session_epoch
            login_user(result.user)
            return redirect(url_for("staff.dashboard"), 303)
        form.password.errors = ["Those sign-in details are not right. Check your email, "
                                "password and code, and try again."]
    status = 422 if request.method == "POST" else 200
    return render_template("staff/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out():
    """Forget the session."""
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("staff.sign_in"), 303)


@bp.get("/")
@login_required
def dashboard():
    """What is assigned to me, my queues, due soon and overdue, newly arrived."""
    return render_template("staff/dashboard.html", me=actor())
