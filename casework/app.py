"""The Flask application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from casework.config import Settings
from casework.runtime import Runtime, build_runtime

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_UPLOAD = 25 * 1024 * 1024


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the Flask app; definitions, keys and the database are checked before it serves."""
    from casework.api import init_api
    from casework.web import init_web
    from casework.web.edge import init_edge
    from casework.web.i18n import init_i18n

    settings = (settings or Settings.from_env()).ensure_secret_key()
    runtime = runtime or build_runtime(settings)
    app = Flask(__name__, template_folder=str(TEMPLATES),
                instance_path=str(settings.instance_dir))
    app.config.update(SECRET_KEY=settings.secret_key, TESTING=settings.testing,
                      MAX_CONTENT_LENGTH=MAX_UPLOAD, SESSION_COOKIE_SECURE=settings.secure_cookies,
                      QUICK_EXIT_URL=settings.quick_exit_url)
    if settings.proxy_hops:  # behind a TLS-terminating proxy: trust its forwarded headers
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops,
                                x_proto=settings.proxy_hops)
    app.extensions["casework"] = runtime
    init_i18n(app)  # first: the request's language is set before anything can answer
    init_edge(app)
    init_api(app)
    init_web(app)
    return app
