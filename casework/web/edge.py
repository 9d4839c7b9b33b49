"""The request edge: one service context per request, committed once at the end or rolled back."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from werkzeug.routing import IntegerConverter

from casework.i18n import _
from casework.runtime import Runtime
from casework.services.context import Context
from casework.services.errors import NotFound
from casework.services.inputs import MAX_ID, unstorable


class RowId(IntegerConverter):
    """`<int:…>` in a URL: a row id a column can hold (1 to MAX_ID), else the URL matches
    nothing (404), before any query sees it."""

    def __init__(self, map, **kwargs) -> None:  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, **kwargs)


def runtime() -> Runtime:
    """The runtime of the current app."""
    return current_app.extensions["casework"]


def context() -> Context:
    """This request's service context (one session, one transaction)."""
    if "cw_ctx" not in g:
        rt = runtime()
        g.cw_ctx = Context(rt.sessions(), rt, client=request.remote_addr)
    return g.cw_ctx


def undo() -> None:
    """Undo what this request wrote, keeping audited reads and recorded refusals (for the
    error handlers, before they render; the edge does it again at the end)."""
    ctx = g.get("cw_ctx")
    if ctx is not None:
        ctx.undo()


def init_edge(app: Flask) -> None:
    """Commit an answer under 400; undo every other (nothing half-written survives a
    refusal), keeping what must be kept; close at teardown, so a request that failed in any
    way holds no transaction (on SQLite, no write lock) past its end."""
    app.url_map.converters["int"] = RowId

    @app.url_value_preprocessor
    def storable_path(endpoint, values):
        # A page's path names a stored key (a reference): text no key holds names nothing.
        # (The API checks its paths after the credentials, in casework.api.spec.)
        if values and not request.path.startswith("/api/") and unstorable(values):
            raise NotFound(_("There is no such page."))

    @app.after_request
    def settle(response):
        ctx = g.get("cw_ctx")
        if ctx is not None:
            if response.status_code < 400:
                ctx.commit()
            else:
                ctx.undo()
                ctx.session.commit()  # only the kept writes are left to commit
        return response

    @app.teardown_request
    def close(exc):
        ctx = g.pop("cw_ctx", None)
        if ctx is not None:
            ctx.session.rollback()  # whatever is still open (nothing, after settle)
            ctx.session.close()
