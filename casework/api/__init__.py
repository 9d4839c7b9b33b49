"""JSON API v1 (CONTRACT.md section 3): thin handlers over the same services as the pages."""

from __future__ import annotations

from flask import Blueprint, Flask, g, request
from werkzeug.exceptions import HTTPException

from casework.services.access import Reporter, Staff
from casework.services.errors import DomainError, Unauthorized
from casework.services.tokens import authenticate
from casework.web.edge import context, rollback

api = Blueprint("api", __name__, url_prefix="/api/v1")


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The contract's error shape."""
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def bearer() -> str | None:
    """The bearer token in the Authorization header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _actor(kind: type):
    if "cw_actor" not in g:  # looked up once per request
        token = bearer()
        g.cw_actor = authenticate(context(), token) if token else None
    actor = g.cw_actor
    if not isinstance(actor, kind):
        raise Unauthorized("Sign in first: send a valid bearer token.")
    return actor


def staff() -> Staff:
    """The staff member behind the request's token, or 401."""
    return _actor(Staff)


def reporter() -> Reporter:
    """The reporter behind the request's token (one case), or 401."""
    return _actor(Reporter)


@api.errorhandler(DomainError)
def domain_error(exc: DomainError):
    """Every domain refusal, as its status and the contract's error body."""
    rollback()
    return error_body(exc.code, exc.message, exc.fields), exc.status


def init_api(app: Flask) -> None:
    """Register the API and its error mapping (one place for every status). The blueprint is
    set up once, at import; each app (tests make one per test) only registers it."""
    from casework.api import admin, cases, public, reporter_api  # noqa: F401  (registers)

    app.register_blueprint(api)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not request.path.startswith(api.url_prefix):
            return exc
        rollback()
        code = (exc.name or "error").lower().replace(" ", "_")
        # Keep the exception's own headers (Allow on a 405), but the body is JSON.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return error_body(code, exc.description or exc.name), exc.code, headers
