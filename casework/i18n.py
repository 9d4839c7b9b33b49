"""Languages: one set of catalogs for pages, emails, error messages and the packs' own words.

Every string a person reads is written in English in the code and templates, marked for
translation (`_()` here, `_()` / `{% trans %}` in templates, `_l()` for strings defined at import
time such as form labels), and looked up in the catalogs under `casework/translations/<lang>/`
(gettext `.po` files, read and compiled in memory when first needed: there is no build step).
An operator adds a language by adding a folder of `.po` files there, or in the folder named by
`CASEWORK_TRANSLATIONS_DIR` (docs/OPERATIONS.md), and naming it in `CASEWORK_LANGUAGES` or the
pack's `languages`; no code changes.

The packs' and routes' own words (category labels, queue labels, clock names, external bodies,
the organisation's name) carry their translations in the pack and route files, in a
`[translations.<lang>]` table keyed by the English text; `DomainText` values render in the
language of the moment with English as the fallback (casework.workflow reads them).

The language of the moment is a context variable: the web layer sets it for each request (the
reporter's choice in their session, a staff member's profile), mail sets it for each recipient,
and code outside both (the CLI, cron) runs in English. Nothing here imports Flask.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import LazyProxy, NullTranslations, Translations
from babel.units import format_unit
from markupsafe import escape  # Jinja's escaping, not a web framework

#: The language every string is written in, and the fallback for every other.
SOURCE = "en"
#: The catalogs shipped with Casework.
SHIPPED = Path(__file__).resolve().parent / "translations"
#: The languages shipped complete (a test checks each against the code and templates).
COMPLETE = ("en", "fr")
#: What each language calls itself, for the language chooser (a language added by an operator
#: is named by Babel's own data).
NAMES = {"en": "English", "fr": "Français"}

_current: ContextVar[str] = ContextVar("casework_language", default=SOURCE)
#: Domain texts from the pack and route files: language -> English text -> translation.
_domain_texts: dict[str, dict[str, str]] = {}


def catalog_dirs() -> list[Path]:
    """Where catalogs are read from: the operator's folder first (it may add languages or
    override shipped strings), then the shipped one."""
    extra = os.environ.get("CASEWORK_TRANSLATIONS_DIR")
    return [Path(extra), SHIPPED] if extra else [SHIPPED]


def available() -> list[str]:
    """Every language with a catalog (and English, which needs none)."""
    return _available(tuple(catalog_dirs()))


@cache
def _available(folders: tuple[Path, ...]) -> list[str]:
    found = {SOURCE}
    for folder in folders:
        if folder.is_dir():
            found |= {p.name for p in folder.iterdir() if p.is_dir() and any(p.rglob("*.po"))}
    return sorted(found)


def language_name(code: str) -> str:
    """A language's own name for itself ("Français"), for the chooser."""
    if code in NAMES:
        return NAMES[code]
    try:
        return Locale.parse(code).get_display_name(code).capitalize()
    except (ValueError, TypeError):
        return code


@cache
def translations(code: str) -> NullTranslations:
    """The compiled catalog for one language: every .po file of its folders, merged (the
    operator's folder wins), compiled in memory."""
    if code == SOURCE:
        return NullTranslations()
    merged: Translations | None = None
    for folder in reversed(catalog_dirs()):  # shipped first, then the operator's on top
        for path in sorted((folder / code).rglob("*.po")) if (folder / code).is_dir() else ():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=code)
            buffer = BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            compiled = Translations(buffer)
            if merged is None:
                merged = compiled
            else:
                merged.merge(compiled)
                merged.plural = compiled.plural
    return merged or NullTranslations()


def current() -> str:
    """The language of the moment."""
    return _current.get()


def activate(code: str | None):
    """Make code the language of the moment (until reset with the token returned)."""
    return _current.set(code or SOURCE)


def reset(token) -> None:
    _current.reset(token)


@contextmanager
def language(code: str | None) -> Iterator[None]:
    """Run a block in one language (an email in its recipient's language)."""
    token = activate(code)
    try:
        yield
    finally:
        reset(token)


def gettext(message: str, **variables) -> str:
    """message in the language of the moment, with %(name)s placeholders filled in."""
    text = translations(current()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The singular or plural form for num (available as %(num)s), in the language of the
    moment."""
    variables.setdefault("num", num)
    return translations(current()).ungettext(singular, plural, num) % variables


def lazy_gettext(message: str, **variables) -> LazyProxy:
    """A string translated when it is shown, for text defined at import time."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


def N_(message: str) -> str:  # noqa: N802  (gettext's own name for it)
    """Mark a string for the catalogs without translating it here: the English stays a plain
    string (a table of words by key), and is translated where it is shown, with _(value)."""
    return message


_ = gettext
_l = lazy_gettext


# ---- the packs' and routes' own words --------------------------------------------------

def add_domain_texts(table: Mapping[str, Mapping[str, str]]) -> None:
    """Register a pack's or route's [translations.<lang>] tables (English -> translation)."""
    for code, texts in table.items():
        _domain_texts.setdefault(code, {}).update(
            {str(k): str(v) for k, v in texts.items()})


def domain_text(english: str) -> str:
    """A pack or route text in the language of the moment, English where it has none."""
    code = current()
    if code == SOURCE:
        return english
    return _domain_texts.get(code, {}).get(english, english)


class DomainText(str):
    """A text from a pack or route file: compares, hashes and serialises (JSON, the API) as its
    English self, and shows (str(), f-strings, templates) in the language of the moment."""

    __slots__ = ()

    def __str__(self) -> str:
        return domain_text(str.__str__(self))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __html__(self) -> str:
        return str(escape(str(self)))

    @property
    def english(self) -> str:
        return str.__str__(self)


# ---- dates and numbers in the language of the moment ----------------------------------

def format_day(value: date | datetime | None, form: str = "long") -> str:
    """A date as people write it in the language of the moment (2 March 2026, 2 mars 2026)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return babel_format_date(value, format=form, locale=_locale())


def format_moment(value: datetime | None, form: str = "medium") -> str:
    if value is None:
        return ""
    return babel_format_datetime(value, format=form, locale=_locale())


def format_number(value: int | float) -> str:
    return format_decimal(value, locale=_locale())


def format_size(size: int) -> str:
    """A file's size as people write it in the language of the moment (12.3 kB, 12,3 ko)."""
    for unit, scale in (("digital-gigabyte", 10**9), ("digital-megabyte", 10**6),
                        ("digital-kilobyte", 10**3)):
        if size >= scale:
            return format_unit(size / scale, unit, length="short", format="#,##0.0",
                               locale=_locale())
    return format_unit(size, "digital-byte", length="short", locale=_locale())


def _locale() -> str:
    code = current()
    return "en_GB" if code == SOURCE else code
