"""The request edge: one service context per request, committed once at the end or rolled back."""

from __future__ import annotations

from flask import Flask, current_app, g, request

from casework.runtime import Runtime
from casework.services.context import Context


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
    refusal), keeping what must be kept; close at teardown."""

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
            if exc is not None:
                ctx.session.rollback()
            ctx.session.close()
