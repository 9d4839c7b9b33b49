"""JSON API v1 (docs/API.md, section 3): thin handlers over the same services as the pages."""

from __future__ import annotations

from flask import Blueprint, Flask, g, request

from casework.i18n import _
from casework.services.access import Reporter, Staff
from casework.services.errors import Unauthorized
from casework.services.tokens import authenticate
from casework.web.edge import context

api = Blueprint("api", __name__, url_prefix="/api/v1")




def bearer() -> str | None:
    """The bearer token in the Authorization header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _actor(kind: type | tuple[type, ...]):
    if "cw_actor" not in g:  # looked up once per request
        token = bearer()
        g.cw_actor = authenticate(context(), token) if token else None
    actor = g.cw_actor
    if not isinstance(actor, kind):
        raise Unauthorized(_("Sign in first: send a valid bearer token."))
    return actor


def staff() -> Staff:
    """The staff member behind the request's token, or 401."""
    return _actor(Staff)


def reporter() -> Reporter:
    """The reporter behind the request's token (one case), or 401."""
    return _actor(Reporter)


def anyone() -> Staff | Reporter:
    """The staff member or reporter behind the request's token, or 401."""
    return _actor((Staff, Reporter))




def init_api(app: Flask) -> None:
    """Register the API (its errors are mapped with the pages' in casework.web.errors). The
    blueprint is set up once, at import; each app (tests make one per test) registers it."""
    from casework.api import admin, audit, cases, inbox, public, reporter_api, stats  # noqa: F401

    app.register_blueprint(api)
