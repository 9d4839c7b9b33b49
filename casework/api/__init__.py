"""JSON API v1 (CONTRACT.md section 3): thin handlers over the same services as the pages."""

from __future__ import annotations

from flask import Blueprint, Flask, request
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
    token = bearer()
    actor = authenticate(context(), token) if token else None
    if not isinstance(actor, kind):
        raise Unauthorized("Sign in first: send a valid bearer token.")
    return actor


def staff() -> Staff:
    """The staff member behind the request's token, or 401."""
    return _actor(Staff)


def reporter() -> Reporter:
    """The reporter behind the request's token (one case), or 401."""
    return _actor(Reporter)


def init_api(app: Flask) -> None:
    """Register the API and its error mapping (one place for every status)."""
    from casework.api import admin, cases, public, reporter_api  # noqa: F401  (registers)

    @api.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        rollback()
        return error_body(exc.code, exc.message, exc.fields), exc.status

    app.register_blueprint(api)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not request.path.startswith(api.url_prefix):
            return exc
        rollback()
        code = (exc.name or "error").lower().replace(" ", "_")
        return error_body(code, exc.description or exc.name), exc.code
