"""Languages on the web: which language a request is in, the chooser on every page, and
Flask-Babel wired to Casework's catalogs (casework.i18n reads and compiles them).

The language of a request, first match wins:
1. the person's choice in this session (the chooser on every page posts to /language; it is kept
   in the server-side session, never in a URL a receipt could end up beside);
2. a signed-in staff member's own language (the chooser saves it to their account, so emails
   go in it too);
3. the browser's Accept-Language (the API's clients too), among the languages offered;
4. the first language offered.

The languages offered are CASEWORK_LANGUAGES if set, else the pack's `languages` (English
alone unless the pack names more: canada-federal offers English and French).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session
from flask_babel import Babel, Domain, get_locale
from flask_login import current_user

from casework import i18n

COOKIE_KEY = "lang"


class CatalogDomain(Domain):
    """Flask-Babel's domain, answered from casework.i18n's catalogs (compiled in memory)."""

    def get_translations(self):
        return i18n.translations(i18n.current())


def offered(app: Flask | None = None) -> tuple[str, ...]:
    """The languages this site offers, in the order the chooser lists them."""
    from flask import current_app

    runtime = (app or current_app).extensions["casework"]
    chosen = runtime.settings.languages or runtime.pack.languages
    known = set(i18n.available())
    return tuple(code for code in chosen if code in known) or (i18n.SOURCE,)


def choose() -> str:
    """This request's language (see the module's docstring for the order)."""
    languages = offered()
    picked = session.get(COOKIE_KEY)
    if picked in languages:
        return picked
    if not request.path.startswith("/api/") and current_user and \
            current_user.is_authenticated:
        own = getattr(current_user, "language", None)
        if own in languages:
            return own
    return request.accept_languages.best_match(languages) or languages[0]


def init_i18n(app: Flask) -> None:
    """Flask-Babel (the template gettext, date and number filters), the request's language,
    the chooser and its route."""
    babel = Babel(app, locale_selector=lambda: g.get("language", i18n.SOURCE))
    babel.__dict__["domain_instance"] = CatalogDomain()
    app.jinja_env.install_gettext_callables(  # Jinja fills in the placeholders (escaped)
        gettext=i18n.gettext, newstyle=True,
        ngettext=lambda s, p, n: i18n.translations(i18n.current()).ungettext(s, p, n))
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # as i18n_tools extracts {% trans %}
    app.jinja_env.filters.update(day=i18n.format_day, moment=i18n.format_moment,
                                 number=i18n.format_number, size=i18n.format_size)

    @app.url_value_preprocessor
    def pick_language(endpoint, values):  # runs before every other preprocessor and handler
        g.language = i18n.SOURCE if endpoint == "static" else choose()
        g.language_token = i18n.activate(g.language)

    @app.teardown_request
    def drop_language(exc):
        token = g.pop("language_token", None)
        if token is not None:
            i18n.reset(token)

    @app.after_request
    def say_language(response):
        response.headers.setdefault("Content-Language", g.get("language", i18n.SOURCE))
        response.vary.add("Accept-Language")
        return response

    @app.context_processor
    def languages():
        codes = offered()
        return {"current_language": str(get_locale() or i18n.SOURCE),
                "languages": [(code, i18n.language_name(code)) for code in codes]
                if len(codes) > 1 else []}

    @app.post("/language")
    def set_language():
        """The chooser: remember the language in the session (and on a staff account), and go
        back to the page it was chosen on."""
        code = request.form.get("language", "")
        if code in offered():
            session[COOKIE_KEY] = code
            if current_user and current_user.is_authenticated:
                from casework.services.accounts import set_language as save
                from casework.web.edge import context
                from casework.web.staff import actor
                save(context(), actor(), code)
        return redirect(_same_site(request.form.get("next", "")), 303)


def _same_site(path: str) -> str:
    """Only a path on this site (never another host, never a query string) to go back to."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or \
            parts.path.startswith("//"):
        return "/"
    return parts.path
