"""Enrolling with an invitation, in two pages: the invitation, then the authenticator app (a QR
code drawn on the server, and the secret as text) with a password and a first code. Nothing is
saved until the first code proves the app was set up, so a mistyped secret locks nobody out.
Between the two pages the invitation and the new secret wait in the server-side session."""

from __future__ import annotations

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from markupsafe import Markup

from casework.i18n import _
from casework.services import invitations, totp
from casework.services.errors import Invalid, Unauthorized
from casework.web.edge import context, runtime
from casework.web.forms import EnrolForm, InvitationForm
from casework.web.reporter import form_errors

bp = Blueprint("enrol", __name__, url_prefix="/staff/enrol")
KEY = "enrolment"


@bp.route("", methods=["GET", "POST"])
def start():
    """Step 1: the invitation an administrator gave."""
    form = InvitationForm()
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            opened = invitations.open_invitation(context(), form.invitation.data)
        except Unauthorized as exc:
            form.invitation.errors, status = [exc.message], exc.status
        else:
            session[KEY] = {"code": form.invitation.data, "purpose": opened.purpose,
                            "email": opened.user.email, "secret": totp.new_secret()}
            return redirect(url_for("enrol.app"), 303)
    return render_template("staff/enrol_start.html", form=form), status


@bp.route("/app", methods=["GET", "POST"])
def app():
    """Step 2: set up the authenticator app, choose a password, confirm with a first code."""
    state = session.get(KEY)
    if not state:
        return redirect(url_for("enrol.start"), 303)
    form, status = EnrolForm(), 422 if request.method == "POST" else 200
    form.password.label.text = (_("Your current password") if state["purpose"] == "reset"
                                else _("Choose a password"))
    if state["purpose"] == "reset":
        form.password.render_kw = {"autocomplete": "current-password"}
    if form.validate_on_submit() and _same_password(form, state["purpose"]):
        try:
            invitations.enrol(context(), state["code"], form.password.data,
                              secret=state["secret"], first_code=form.code.data)
        except Invalid as exc:
            form_errors(form, exc)
        except Unauthorized as exc:
            form.password.errors, status = [exc.message], exc.status
        else:
            session.pop(KEY, None)
            flash(_("Your account is ready. Sign in with your email, your password and the "
                    "next code your app shows."), "success")
            return redirect(url_for("staff.sign_in"), 303)
    uri = totp.otpauth_uri(state["secret"], state["email"], runtime().pack.organisation)
    return render_template("staff/enrol_app.html", form=form, state=state,
                           qr=qr_svg(uri)), status


def _same_password(form: EnrolForm, purpose: str) -> bool:
    if purpose == "enrol" and form.password.data != form.password_again.data:
        form.password_again.errors = [_("Type the same password twice")]
        return False
    return True


def qr_svg(uri: str) -> Markup:
    """The address as a QR code, inline SVG drawn here (no script, no third party)."""
    drawn = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title="QR code for your authenticator app",
        svgclass="qr")
    return Markup(drawn.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 (our own SVG)
