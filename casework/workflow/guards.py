"""Named guards a route definition may refer to: plain Python, no expression language."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from casework.i18n import _

#: A guard looks at the case's recorded facts and the submitted fields and returns
#: None to allow, or (field, message) to refuse with a 422 naming that field.
Guard = Callable[[Mapping[str, object], Mapping[str, object]], tuple[str, str] | None]

GUARDS: dict[str, Guard] = {}


def guard(name: str) -> Callable[[Guard], Guard]:
    """Register a guard under the name used in definition files."""

    def register(fn: Guard) -> Guard:
        GUARDS[name] = fn
        return fn

    return register


@guard("finding_recorded")
def finding_recorded(facts: Mapping[str, object], fields: Mapping[str, object]):
    """An outcome taken from the finding needs a finding on record."""
    if not facts.get("finding"):
        return ("finding", _("no finding has been recorded for this case"))
    return None

