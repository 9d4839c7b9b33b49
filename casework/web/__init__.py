"""Flask blueprints: thin handlers that parse, call one service, and render."""

from __future__ import annotations

from flask import Flask, render_template

from casework.runtime import Runtime


def runtime_of(app: Flask) -> Runtime:
    """The runtime bound to an app."""
    return app.extensions["casework"]


def init_web(app: Flask) -> None:
    """Register the pages."""

    @app.get("/")
    def index():
        runtime = runtime_of(app)
        return render_template("index.html", pack=runtime.pack, routes=runtime.routes)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; frame-ancestors 'none'")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
