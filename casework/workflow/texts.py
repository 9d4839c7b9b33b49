"""The words of the pack and route files that people read, in their language.

A pack or route file may carry `[translations.<lang>]` tables keyed by its own English texts:

    [translations.fr]
    "Fraud or financial misconduct" = "Fraude ou inconduite financière"

On loading, the tables are registered with casework.i18n and every reader-facing text field
becomes a DomainText: it compares and is stored as the English text (keys, JSON and the API stay
as they are) and shows in the language of the moment, English where no translation is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casework.i18n import DomainText, add_domain_texts

#: The fields whose values people read (citations, keys, time zones and dates are not; a
#: milestone's `date` is the question a date answers, not a date).
TEXT_FIELDS = frozenset({
    "label", "reporter_label", "reason", "external_bodies", "done_label",
    "internal_procedures", "handler_label", "organisation", "recipient", "hint",
    "witness_label", "reporter_confirm", "information", "note", "date", "eap", "union",
    "colleague", "friend", "description", "prompt", "question",
})
#: Tables whose every value people read, whatever its key ([support.kinds]: key = label).
TEXT_TABLES = frozenset({"kinds"})


def localise(data: Mapping[str, Any]) -> dict[str, Any]:
    """A parsed file with its translations registered and its texts made DomainText."""
    data = dict(data)
    table = data.pop("translations", None) or {}
    if table:
        add_domain_texts(table)
    return _walk(data, None)


def _walk(value: Any, key: str | None) -> Any:
    if isinstance(value, Mapping):
        return {k: _walk(v, "label" if key in TEXT_TABLES else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, key) for v in value]
    if isinstance(value, str) and key in TEXT_FIELDS:
        return DomainText(value)
    return value


def choice_words(key: str) -> DomainText:
    """A choice a route's field offers (a key such as "in_person") in plain words ("In
    person"): a text like the others, translated by the route file's table."""
    return DomainText(key.replace("_", " ").capitalize())


def english(text: str) -> str:
    """The English of a pack or route text (what forms post, rows store and programs read),
    whatever the language of the moment; any other string as it is."""
    return str.__str__(text)
