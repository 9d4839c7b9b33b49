"""The people directory (administration, no case content); accounts are in services.accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from casework.models import Person
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.workflow.policy import PERSON_ROLES

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class NewPerson:
    """A directory entry to add."""

    name: str
    position: str
    email: str | None = None
    department: str | None = None
    roles: tuple[str, ...] = ()
    manager_id: int | None = None


def create_person(ctx: Context, actor: str, new: NewPerson) -> Person:
    """Add someone to the directory."""
    errors = {}
    if not new.name.strip():
        errors["name"] = "required"
    if not new.position.strip():
        errors["position"] = "required"
    if bad := set(new.roles) - PERSON_ROLES:
        errors["roles"] = f"unknown roles {sorted(bad)}; allowed: {sorted(PERSON_ROLES)}"
    if new.department and new.department not in ctx.runtime.pack.departments:
        errors["department"] = "not a department of this organisation"
    if new.manager_id is not None and ctx.session.get(Person, new.manager_id) is None:
        errors["manager_id"] = "no such person in the directory"
    if new.email and not EMAIL.match(new.email):
        errors["email"] = "not an email address"
    if errors:
        raise Invalid("Some answers need attention.", errors)
    person = Person(name=new.name.strip(), position=new.position.strip(), email=new.email,
                    department=new.department, roles=sorted(set(new.roles)),
                    manager_id=new.manager_id)
    ctx.session.add(person)
    ctx.session.flush()
    ctx.audit(Kind.PERSON_CREATE, actor, person_id=person.id)
    return person
