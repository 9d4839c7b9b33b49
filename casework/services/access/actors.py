"""The two kinds of actor the access policy knows: signed-in staff, and a reporter."""

from __future__ import annotations

from dataclasses import dataclass

from casework.crypto.keys import Keyring
from casework.models import User
from casework.services.vault import person_index


@dataclass(frozen=True)
class Staff:
    """A signed-in staff member, as the policy sees them."""

    user_id: int
    roles: frozenset[str]
    queues: frozenset[str]
    person_index: str | None = None

    @property
    def label(self) -> str:
        """How the audit trail names this actor."""
        return f"user:{self.user_id}"


@dataclass(frozen=True)
class Reporter:
    """A reporter signed in with reference and receipt: one case, nothing else."""

    case_id: int

    @property
    def label(self) -> str:
        """How the audit trail names this actor (never who they are)."""
        return "reporter"


Actor = Staff | Reporter


def staff_actor(user: User, keyring: Keyring) -> Staff:
    """The policy's view of a user account."""
    index = person_index(keyring, user.person_id) if user.person_id else None
    return Staff(user.id, user.roles, user.queues, index)
