"""Domain errors. Each carries its HTTP status; web and API map them in one place each.

Their messages (and the reasons in `fields`) are written for people, so they go through the
catalogs where they are raised: `_()` in a function, `_l()` for a message defined at import
time. An error turns its message and reasons into text when it is raised, in the language of
the moment (the request's: the pages and the API show them as they are); the `fields` KEYS
name fields and are never translated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from casework.i18n import _


@dataclass(frozen=True)
class Trace:
    """An audit event that must outlive the refusal it explains (the edge rolls back the
    refused unit of work, then writes this on its own)."""

    kind: str
    actor: str
    case_id: int | None = None
    details: Mapping[str, object] = field(default_factory=dict)


class DomainError(Exception):
    """A refusal a person should understand."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: Mapping[str, str] | None = None,
                 trace: Trace | None = None) -> None:
        message = str(message)  # a lazy (_l) message becomes text in the language of the moment
        super().__init__(message)
        self.message = message
        self.fields = {key: str(why) for key, why in (fields or {}).items()}
        self.trace = trace


class NotFound(DomainError):
    """No such thing, or one the caller may not see: the two are indistinguishable."""

    status, code = 404, "not_found"

    def __init__(self, message: str | None = None, trace: Trace | None = None) -> None:
        super().__init__(_("There is no such case.") if message is None else message,
                         trace=trace)


class Unauthorized(DomainError):
    """No credentials or bad ones."""

    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    """A visible case, but not this action."""

    status, code = 403, "forbidden"


class Conflict(DomainError):
    """Not from the current state, a stale version, or an assignment that conflicts."""

    status, code = 409, "conflict"


class StaleVersion(Conflict):
    """Someone else changed the case first."""

    code = "stale_version"


class Invalid(DomainError):
    """Fields that do not validate; fields maps each bad field to what is wrong with it."""

    status, code = 422, "invalid"


class TooLarge(DomainError):
    """A body or file over its size limit."""

    status, code = 413, "too_large"


class TooManyAttempts(DomainError):
    """Throttled: wait before trying again."""

    status, code = 429, "too_many_attempts"
