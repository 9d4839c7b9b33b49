"""The Flask application factory."""

from __future__ import annotations

from flask import Flask

from casework.config import Settings
from casework.runtime import Runtime, build_runtime


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the Flask app; definitions, keys and the database are checked before it serves."""
    from casework.web import init_web

    settings = (settings or Settings.from_env()).ensure_secret_key()
    runtime = runtime or build_runtime(settings)
    app = Flask(__name__, template_folder=str(_templates()), instance_path=str(
        settings.instance_dir))
    app.config.update(SECRET_KEY=settings.secret_key, TESTING=settings.testing,
                      MAX_CONTENT_LENGTH=25 * 1024 * 1024)
    app.extensions["casework"] = runtime
    init_web(app)
    return app


def _templates():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "templates"
