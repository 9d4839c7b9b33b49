"""Administration lists: the people directory and staff accounts, for administrators only.

Nothing here touches a case: separation of duties keeps administrators away from content.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from casework.models import Person, User
from casework.services.access import Power, Staff, require
from casework.services.context import Context


@dataclass(frozen=True)
class PersonRow:
    """A directory entry as listed."""

    id: int
    name: str
    position: str
    email: str | None
    department: str | None
    roles: tuple[str, ...]
    manager: str | None
    manager_id: int | None = None


@dataclass(frozen=True)
class AccountRow:
    """A staff account as listed (never its password hash or second-factor secret)."""

    id: int
    email: str
    name: str
    roles: tuple[str, ...]
    queues: tuple[str, ...]
    active: bool
    person: str | None
    second_factor: bool
    enrolled: bool


def require_admin(actor: Staff) -> None:
    """Administration is for the admin role only."""
    require(actor, Power.ADMINISTER)


def list_people(ctx: Context, actor: Staff) -> list[PersonRow]:
    """The whole directory, by name, with each person's manager."""
    require_admin(actor)
    manager = aliased(Person)
    rows = ctx.session.execute(select(Person, manager.name).outerjoin(
        manager, manager.id == Person.manager_id).order_by(Person.name, Person.id)).all()
    return [PersonRow(p.id, p.name, p.position, p.email, p.department, tuple(p.roles or ()),
                      boss, p.manager_id) for p, boss in rows]


def list_accounts(ctx: Context, actor: Staff, user_id: int | None = None) -> list[AccountRow]:
    """Every staff account, by name (or just the one with this id)."""
    require_admin(actor)
    query = select(User, Person.name).outerjoin(Person, Person.id == User.person_id)
    if user_id is not None:
        query = query.where(User.id == user_id)
    rows = ctx.session.execute(query.order_by(User.name, User.id)).all()
    return [AccountRow(u.id, u.email, u.name, tuple(sorted(u.roles)), tuple(sorted(u.queues)),
                       u.active, person, u.totp_secret_ct is not None, u.enrolled)
            for u, person in rows]


def person_choices(ctx: Context) -> list[tuple[int, str]]:
    """The directory as (id, "name, position") for a select."""
    rows = ctx.session.execute(select(Person.id, Person.name, Person.position)
                               .order_by(Person.name, Person.id)).all()
    return [(pid, f"{name}, {position}") for pid, name, position in rows]
