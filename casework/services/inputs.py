"""What the edge accepts, in one place for the pages, the API and the CLI: whole numbers a
column can hold, text a database can store and a person can read, and JSON no deeper than a
request needs. A value outside these answers 4xx before any service or query sees it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from casework.i18n import _, _l
from casework.services.errors import Invalid, NotFound

#: Row ids, versions and page numbers are 32-bit integer columns or bounded by them: a larger
#: number can name nothing (and SQLite cannot even bind one past 64 bits).
MAX_ID = 2**31 - 1
#: No request body needs more nesting than this (a report is three levels deep).
MAX_JSON_DEPTH = 32
#: The characters no stored text may hold: NUL (PostgreSQL refuses it) and the other C0
#: controls and DEL, which no person types and which a terminal would obey; tab, line feed
#: and carriage return are text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TEXT_RULE = _l("must be text without control characters (such as NUL) or broken surrogates")


class TooDeep(Invalid):
    """A JSON body nested past MAX_JSON_DEPTH (refused before it is parsed)."""

    code = "too_deep"


def whole_number(value: object, low: int = 1, high: int = MAX_ID) -> int:
    """value as an int within [low, high]; ValueError otherwise (so it works as a form's
    coerce). Only plain decimal digits, so "1e9", " 7" and "٣" are refused too."""
    if isinstance(value, bool):
        raise ValueError(_("not a whole number"))
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        number = int(value)
    else:
        raise ValueError(_("not a whole number"))
    if not low <= number <= high:
        raise ValueError(_("must be from %(low)s to %(high)s", low=low, high=high))
    return number


def row_id(value: object) -> int:
    """A row id (1 to MAX_ID), or ValueError."""
    return whole_number(value)


def choice_id(value: object) -> int:
    """A form's choice of a row, where 0 (or nothing) means none was chosen; ValueError if
    it could name no row."""
    return 0 if value in (None, "", 0, "0") else whole_number(value)


def path_id(text: str, message: str | None = None) -> int:
    """A row id from a URL path; a number that could name no row names nothing (404)."""
    try:
        return row_id(text)
    except ValueError:
        raise NotFound(_("There is no such thing.") if message is None else message) from None


def query_number(args: Mapping[str, str], name: str, default: int = 1,
                 high: int = MAX_ID) -> int:
    """A whole number from a query string (a page number): absent is the default, anything
    else outside 1..high is a 422 naming the parameter."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return whole_number(raw, 1, high)
    except ValueError:
        raise Invalid(_("The %(name)s must be a whole number from 1 to %(high)s.",
                        name=name, high=high),
                      {name: _("must be a whole number from 1 to %(high)s", high=high)}) from None


def storable(text: str) -> bool:
    """Whether a database can store this text and a person can read it back safely."""
    if CONTROL.search(text):
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # half of a surrogate pair
        return False
    return True


def unstorable(value: object, path: str = "") -> str | None:
    """The dotted path of the first string in value that `storable` refuses, or None."""
    if isinstance(value, str):
        return None if storable(value) else (path or "body")
    children = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list | tuple) else ())
    for key, item in children:
        if (found := unstorable(item, f"{path}.{key}" if path else str(key))) is not None:
            return found
    return None


def refuse_unstorable(data: object, message: str) -> None:
    """Raise Invalid naming the first field whose text cannot be stored."""
    if (where := unstorable(data)) is not None:
        raise Invalid(message, {where: TEXT_RULE})


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")


def json_depth_within(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests no deeper than limit; it stops at the first bracket past
    the limit, so a hostile body costs a regular-expression pass, never a deep parse."""
    depth = 0
    for byte in _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw)):
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return False
        else:
            depth -= 1
    return True


def load_json(raw: bytes) -> object:
    """Parse a request body: too deep is refused before parsing (TooDeep); not JSON is a
    ValueError, as json.loads gives."""
    if not json_depth_within(raw):
        raise TooDeep(_("The request body is nested more than %(limit)s levels deep.",
                        limit=MAX_JSON_DEPTH),
                      {"body": _("must nest at most %(limit)s levels", limit=MAX_JSON_DEPTH)})
    return json.loads(raw)
