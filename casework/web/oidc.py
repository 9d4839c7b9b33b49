"""Staff sign-in through the organisation's OpenID Connect provider (services/oidc.py): off
unless configured, and then offered beside the local form."""

from __future__ import annotations

import time

from flask import Blueprint, abort, render_template, request, session, url_for
from flask import redirect as _redirect
from flask_login import login_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from casework.i18n import _, _l
from casework.services import oidc, oidc_protocol
from casework.web.accounts import StaffUser
from casework.web.edge import context, runtime
from casework.web.forms import Form

bp = Blueprint("oidc", __name__, url_prefix="/staff/sign-in/oidc")
#: The session keys: the sign-in under way at the provider, and the account awaiting its code.
PENDING, AWAITING, METHOD = "oidc_pending", "oidc_awaiting", "signed_in_with"


class CodeForm(Form):
    """The account's own TOTP code, when the provider showed no second factor."""

    totp = StringField(_l("Code from your authenticator app"), validators=[
        DataRequired(_l("Enter the code your authenticator app shows")), Length(max=12)])


def configured():
    """The single sign-on settings, or 404 when it is off."""
    config = runtime().settings.oidc
    if config is None:
        abort(404)
    return config


def redirect_uri() -> str:
    config = configured()
    return config.redirect_url or url_for("oidc.callback", _external=True)


@bp.app_context_processor
def offer():
    """The sign-in page names the provider when single sign-on is on."""
    config = runtime().settings.oidc
    if config is None:
        return {"oidc_name": None}
    elsewhere = session.pop("provider_sign_out", None) if request.endpoint == \
        "staff.sign_in" else None
    return {"oidc_name": config.name, "provider_sign_out": elsewhere}


@bp.get("")
def start():
    """Off to the provider, with a fresh `state`, `nonce` and PKCE verifier in the session."""
    config = configured()
    try:
        url, pending = oidc_protocol.begin(config, redirect_uri())
    except oidc_protocol.ProviderError:
        return _refusal(oidc.Outcome(None, message=_("The sign-in provider cannot be reached "
                                                     "now. Try again later, or sign in with "
                                                     "your password.")),
                        503)
    session[PENDING] = pending
    return _redirect(url, 303)


@bp.get("/callback")
def callback():
    """Back from the provider: the pending sign-in is used up whatever happens (a replayed
    `state` finds nothing)."""
    config = configured()
    pending = session.pop(PENDING, None)
    ctx = context()
    outcome = oidc.finish(ctx, config, pending, request.args.to_dict(), redirect_uri())
    if outcome.user is None:
        status = 403 if outcome.reason in ("no_account", "deactivated",
                                           "identity_replaced") else 400
        return _refusal(outcome, status)
    if outcome.needs_code:
        session[AWAITING] = {"id": outcome.user.id, "at": int(time.time())}
        return _redirect(url_for("oidc.code"), 303)
    oidc.signed_in(ctx, outcome.user, "provider")
    return _complete(outcome.user)


@bp.route("/code", methods=["GET", "POST"])
def code():
    """The account's own second factor, after the provider proved who it is without one."""
    configured()
    awaiting = session.get(AWAITING)
    if not awaiting or awaiting.get("at", 0) + oidc.PENDING_FOR < time.time():
        session.pop(AWAITING, None)
        return _redirect(url_for("staff.sign_in"), 303)
    form = CodeForm()
    if form.validate_on_submit():
        ctx = context()
        outcome = oidc.second_step(ctx, awaiting["id"], form.totp.data)
        if outcome.user is not None:
            oidc.signed_in(ctx, outcome.user, "totp")
            return _complete(outcome.user)
        form.totp.errors = [outcome.message]
        if outcome.reason != "bad_second_factor":
            session.pop(AWAITING, None)
            return _refusal(outcome, 403)
    status = 422 if request.method == "POST" else 200
    return render_template("staff/oidc_code.html", form=form), status


def _complete(user):
    session.clear()
    session.regenerate()
    session["epoch"] = user.session_epoch
    session[METHOD] = "oidc"
    login_user(StaffUser(user))
    return _redirect(url_for("staff.dashboard"), 303)


def _refusal(outcome: oidc.Outcome, status: int):
    return render_template("staff/oidc_refused.html", message=outcome.message), status


def provider_sign_out_url(was_oidc: bool) -> str | None:
    """After the local session has ended: the provider's sign-out address, if the session
    came through it and the provider advertises one."""
    config = runtime().settings.oidc
    if not was_oidc or config is None:
        return None
    return oidc_protocol.sign_out_url(config, url_for("staff.sign_in", _external=True))
