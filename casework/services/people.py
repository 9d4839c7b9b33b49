"""The people directory (administration, no case content); accounts are in services.accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from casework.i18n import _
from casework.models import Person
from casework.services.access import Power, Staff, require
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Invalid, NotFound
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
    _check(ctx, new)
    person = Person(name=new.name.strip(), position=new.position.strip(), email=new.email,
                    department=new.department, roles=sorted(set(new.roles)),
                    manager_id=new.manager_id)
    ctx.session.add(person)
    ctx.session.flush()
    ctx.audit(Kind.PERSON_CREATE, actor, person_id=person.id)
    return person


#: The fields of an entry an administrator may change (all of them).
FIELDS = ("name", "position", "email", "department", "roles", "manager_id")


def update_person(ctx: Context, actor: Staff, person_id: int, new: NewPerson) -> Person:
    """Change someone's directory entry (administrators only); audited with the names of
    the fields changed, never their values. Routing reads the entry as it is when it next
    runs; who may see a case is unchanged (implication is keyed by the person, not their
    name). A line manager must be someone else, and not anyone they manage."""
    require(actor, Power.ADMINISTER)
    person = ctx.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("There is no such person in the directory."))
    _check(ctx, new)
    if new.manager_id is not None and person_id in _managers_up(ctx, new.manager_id):
        raise Invalid(_("Some answers need attention."), {
            "manager_id": _("cannot be this person or anyone they manage")})
    values = {"name": new.name.strip(), "position": new.position.strip(), "email": new.email,
              "department": new.department, "roles": sorted(set(new.roles)),
              "manager_id": new.manager_id}
    changed = [f for f in FIELDS if getattr(person, f) != values[f]
               and not (f == "roles" and sorted(person.roles or ()) == values[f])]
    for name in changed:
        setattr(person, name, values[name])
    if changed:
        ctx.session.flush()
        ctx.audit(Kind.PERSON_UPDATE, actor.label, person_id=person.id, changed=changed)
    return person


def _managers_up(ctx: Context, person_id: int) -> set[int]:
    """A person and everyone above them in the line (a loop stops the walk)."""
    seen: set[int] = set()
    current: int | None = person_id
    while current is not None and current not in seen:
        seen.add(current)
        found = ctx.session.get(Person, current)
        current = found.manager_id if found else None
    return seen


def _check(ctx: Context, new: NewPerson) -> None:
    errors = {}
    if not new.name.strip():
        errors["name"] = _("required")
    if not new.position.strip():
        errors["position"] = _("required")
    if bad := set(new.roles) - PERSON_ROLES:
        errors["roles"] = _("unknown roles %(roles)s; allowed: %(allowed)s",
                            roles=sorted(bad), allowed=sorted(PERSON_ROLES))
    if new.department and new.department not in ctx.runtime.pack.departments:
        errors["department"] = _("not a department of this organisation")
    if new.manager_id is not None and ctx.session.get(Person, new.manager_id) is None:
        errors["manager_id"] = _("no such person in the directory")
    if new.email and not EMAIL.match(new.email):
        errors["email"] = _("not an email address")
    if errors:
        raise Invalid(_("Some answers need attention."), errors)
