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


def rollback() -> None:
    """Undo everything this request wrote (a refused request leaves nothing behind)."""
    ctx = g.get("cw_ctx")
    if ctx is not None:
        ctx.session.rollback()


def init_edge(app: Flask) -> None:
    """Commit after a response is made; roll back and close at teardown."""


    @app.after_request
    def commit(response):
        ctx = g.get("cw_ctx")
        if ctx is not None and response.status_code < 500:
            ctx.session.commit()
        return response

    @app.teardown_request
    def close(exc):
        ctx = g.pop("cw_ctx", None)
        if ctx is not None:
            if exc is not None:
                ctx.session.rollback()
            ctx.session.close()
