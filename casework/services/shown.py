"""Words shown in place of content (a damaged record, an unreadable reason): stored, exported
and compared as their English selves, shown in the language of the moment."""

from __future__ import annotations

from babel.support import LazyProxy

from casework.i18n import DomainText, gettext


class ShownText(DomainText):
    """A marker from the catalogs (`ShownText(_l("…"))`): it serialises (JSON, a case file)
    as its English text, and str(), f-strings and templates show it translated."""

    __slots__ = ()

    def __new__(cls, text: str | LazyProxy) -> ShownText:
        english = object.__getattribute__(text, "_args")[0] if isinstance(text, LazyProxy) \
            else text
        return super().__new__(cls, english)

    def __str__(self) -> str:
        return gettext(str.__str__(self))
