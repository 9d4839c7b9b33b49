"""The access policy, in one place: who may do what to which case, and who holds which power.

- `policy`: the vocabulary (Action, Capacity, Power) and the table, pure data;
- `actors`: Staff and Reporter as the policy sees them;
- `cases`: the one loader (`open_case`), the one list filter (`visible_filter`), capacities;
- `people`: who can see a case now.
"""

from __future__ import annotations

from casework.i18n import _l
from casework.services.access.actors import Actor, Reporter, Staff, staff_actor
from casework.services.access.cases import (
    HIDDEN_FROM,
    active_assignments,
    audit_trail_filter,
    capacities,
    forget,
    held_capacities,
    implicated_clause,
    is_implicated,
    is_recused,
    may,
    open_case,
    visible_filter,
    visible_parts,
)
from casework.services.access.people import Seer, seers_of, who_can_see
from casework.services.access.policy import (
    ROLE_CAPACITY,
    Action,
    Capacity,
    Power,
    allowed_actions,
    powers_of,
)
from casework.services.errors import Forbidden

POWER_REFUSALS = {Power.ADMINISTER: _l("Only administrators may do that."),
                  Power.AUDIT: _l("Only auditors may read the audit trail."),
                  Power.STATISTICS: _l("Your role has no access to statistics.")}


def has_power(actor: Actor, power: Power) -> bool:
    """Whether a staff member's roles give this power (a reporter has none)."""
    return isinstance(actor, Staff) and power in powers_of(actor.roles)


def handles_cases(actor: Actor) -> bool:
    """Whether a staff member's roles give any capacity on cases (what the case lists, triage
    and recording a report are for); which cases, the filter and the loader decide."""
    return isinstance(actor, Staff) and bool(held_capacities(actor))


def require(actor: Actor, power: Power) -> None:
    """Refuse (403) unless the actor holds the power."""
    if not has_power(actor, power):
        raise Forbidden(POWER_REFUSALS[power])


__all__ = [
    "HIDDEN_FROM", "ROLE_CAPACITY", "Action", "Actor", "Capacity", "Power", "Reporter", "Seer",
    "Staff",
    "active_assignments", "allowed_actions", "audit_trail_filter", "capacities", "forget",
    "handles_cases", "has_power", "held_capacities", "implicated_clause", "is_implicated",
    "is_recused", "may", "open_case", "powers_of", "require", "seers_of", "staff_actor",
    "visible_filter", "visible_parts", "who_can_see",
]
