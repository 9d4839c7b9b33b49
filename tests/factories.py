"""Callable factories for tests: people, staff, cases in any state."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from sqlalchemy import select

from casework.models import Case, CaseEvent, User
from casework.services.access import Staff, staff_actor
from casework.services.accounts import NewUser, create_user
from casework.services.context import Context
from casework.services.people import NewPerson, create_person
from casework.services.reports import (
    ImplicatedInput,
    Lodged,
    NewReport,
    ReporterInput,
    lodge_report,
)
from casework.services.transitions import fire_transition

_counter = itertools.count(1)

#: Valid fields for each transition that needs any, for walking cases forward in tests.
FIELDS = {
    "accept_for_investigation": {"protected": True, "reason": "in scope"},
    "refer": {"destination": "police", "reason": "a crime"},
    "no_further_action": {"reason": "not in scope",
                          "reporter_reason": "It is not something this policy covers."},
    "record_findings": {"finding": "substantiated", "reason": "evidence"},
    "record_action": {"action": "disciplinary process started"},
    "give_feedback": {"message": "thank you; action was taken"},
    "resolved": {},
    "decide_to_investigate": {"reason": "serious"},
    "decline_investigation": {"reason": "out of time"},
    # A handler records the reporter's own exit with what they asked and how
    # (docs/API.md, section 3).
    "withdraw": {"reason": "the reporter asked us to stop", "channel": "phone"},
    "external_route": {"reason": "the reporter has gone to a tribunal", "channel": "email"},
}


class Factories:
    """Make what a test needs in one call."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def person(self, name: str | None = None, roles: Sequence[str] = (),
               manager_id: int | None = None, position: str = "Officer") -> int:
        """A directory person; returns the id."""
        n = next(_counter)
        return create_person(self.ctx, "test", NewPerson(
            name=name or f"Person {n}", position=position, roles=tuple(roles),
            manager_id=manager_id)).id

    def user(self, roles: Sequence[str] = ("intake",), queues: Sequence[str] = ("intake",),
             person_id: int | None = None) -> User:
        """A staff account."""
        n = next(_counter)
        return create_user(self.ctx, "test", NewUser(
            email=f"user{n}@test.example", name=f"User {n}", password="correct horse battery",
            roles=tuple(roles), queues=tuple(queues), person_id=person_id)).user

    def staff(self, *args, **kwargs) -> Staff:
        """A staff actor (the policy's view of a new account)."""
        return staff_actor(self.user(*args, **kwargs), self.ctx.runtime.keyring)

    def actor(self, user: User) -> Staff:
        """The policy's view of an existing account."""
        return staff_actor(user, self.ctx.runtime.keyring)

    def lodge(self, route: str = "disclosure", category: str | None = None,
              implicated: Sequence[int | str] = (), reporter_person: int | None = None,
              anonymous: bool = True, summary: str = "A summary", details: str = "Details",
              **extra) -> Lodged:
        """Lodge a report; implicated items are person ids or free-text names."""
        pack = self.ctx.runtime.pack
        category = category or pack.categories_for(route)[-1].key
        people = tuple(ImplicatedInput(person_id=i) if isinstance(i, int)
                       else ImplicatedInput(name=i) for i in implicated)
        reporter = None
        if reporter_person is not None or not anonymous:
            reporter = ReporterInput(name="Rep Orter", email="rep@example.org",
                                     person_id=reporter_person)
        return lodge_report(self.ctx, NewReport(
            route=route, category=category, summary=summary, details=details,
            anonymous=anonymous, reporter=reporter, implicated=people, **extra))

    def case(self, route: str = "disclosure", path: Sequence[str] = (), **kwargs) -> Case:
        """A case walked along a path of transitions by an all-powerful handler of its queue."""
        case = self.lodge(route, **kwargs).case
        if path:
            boss = self.staff(roles=("intake", "investigator", "decision_maker"),
                              queues=(case.queue,))
            for key in path:
                fire_transition(self.ctx, boss, case.reference, key, case.version,
                                FIELDS.get(key, {}))
        return case


def transition_event(ctx: Context, case: Case, key: str) -> CaseEvent:
    """The one stored event of the transition called key on a case, as the database has it."""
    ctx.session.expire_all()
    return ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "transition",
        CaseEvent.transition == key)).scalar_one()
