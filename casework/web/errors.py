"""Domain errors and HTTP errors become answers here, in one place: the contract's JSON error
body under /api/, a plain-language page elsewhere. Whatever the request wrote is rolled back."""

from __future__ import annotations

import re

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from casework.i18n import _, _l
from casework.services.errors import DomainError
from casework.web.edge import context, undo

API_PREFIX = "/api/"
PAGE_MESSAGES = {
    403: _l("You are not allowed to see this page."),
    404: _l("There is no such page."),
    405: _l("That is not allowed here."),
    413: _l("That upload is too large. Nothing was saved; please send a smaller file."),
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The contract's error shape."""
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


#: Free text someone may have spent time writing (never a password, code or receipt).
TYPED = re.compile(r"(^|[-_])(body|details|summary|reason|explanation|correction|note|"
                   r"witnesses|implicated_names)$|^answer-|^f_")


def typed_text() -> list[tuple[str, str]]:
    """What a refused form carried that someone wrote, to show back so it is not lost."""
    if request.method != "POST":
        return []
    return [(name, value) for name, value in request.form.items(multi=True)
            if TYPED.search(name) and value.strip()]


def _is_api() -> bool:
    return request.path.startswith(API_PREFIX)


def init_errors(app: Flask) -> None:
    """Register the mapping for every refusal."""

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        undo()
        if exc.trace is not None:  # the refusal itself is on the record (kept by the edge)
            t = exc.trace
            context().audit(t.kind, t.actor, case_id=t.case_id, **dict(t.details))
        if _is_api():
            return error_body(exc.code, exc.message, exc.fields), exc.status
        return render_template("error.html", status=exc.status, message=exc.message,
                               current=g.get("current_case")), exc.status

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        # Most often the session ended while someone was writing: never lose their text.
        # The report form comes back filled in; any other form's text is shown to copy.
        undo()
        if request.endpoint == "reporter.report" and request.method == "POST":
            from casework.web.reporter import report_again

            return report_again()
        return render_template("error.html", status=400, typed=typed_text(), message=_(
            "This form had expired or was sent from somewhere else. Nothing was saved. "
            "Please go back, reload the page and try again.")), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        undo()
        # Keep the exception's own headers (Allow on a 405); the body is ours.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if _is_api():
            code = (exc.name or "error").lower().replace(" ", "_")
            return error_body(code, exc.description or exc.name), exc.code, headers
        return render_template("error.html", status=exc.code, message=PAGE_MESSAGES.get(
            exc.code, exc.description)), exc.code, headers
