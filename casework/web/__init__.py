"""Pages: thin handlers that parse, call one service, and render; no JavaScript needed."""

from __future__ import annotations

from flask import Flask, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from casework.models import User
from casework.runtime import Runtime
from casework.services.oidc import check as check_sso
from casework.web.accounts import StaffUser
from casework.web.edge import context
from casework.web.errors import init_errors
from casework.web.sessions import DatabaseSessionInterface

csrf = CSRFProtect()
login = LoginManager()
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def runtime_of(app: Flask) -> Runtime:
    """The runtime bound to an app."""
    return app.extensions["casework"]


@login.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """The signed-in staff member, if the account is still active."""
    from flask import session

    user = context().session.get(User, int(user_id))
    if user is None or not user.active or session.get("epoch") != user.session_epoch:
        return None
    return StaffUser(user)


def init_web(app: Flask) -> None:
    """Sessions, CSRF, sign-in, security headers, error pages and the blueprints."""
    from casework.web import admin, auditor, enrol, oidc, reporter, staff, statistics

    app.session_interface = DatabaseSessionInterface(runtime_of(app))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the session bounds the token's life
    csrf.init_app(app)
    login.init_app(app)
    login.login_view = "staff.sign_in"
    login.login_message = "Please sign in to continue."
    from casework.api import api

    csrf.exempt(api)  # bearer tokens, no cookies
    app.register_blueprint(reporter.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(enrol.bp)
    app.register_blueprint(oidc.bp)
    if (sso := runtime_of(app).settings.oidc) is not None:
        check_sso(sso, runtime_of(app).pack.queues)
    app.register_blueprint(statistics.bp)
    app.register_blueprint(auditor.bp)
    _headers(app)
    init_errors(app)


def _headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), "
                                    "geolocation=(), interest-cohort=()")
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
