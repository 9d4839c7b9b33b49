"""Domain errors. Each carries its HTTP status; web and API map them in one place each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


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
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        self.trace = trace


class NotFound(DomainError):
    """No such thing, or one the caller may not see: the two are indistinguishable."""

    status, code = 404, "not_found"

    def __init__(self, message: str = "There is no such case.",
                 trace: Trace | None = None) -> None:
        super().__init__(message, trace=trace)


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
