"""Worlds for the access tables (services and HTTP): one case, one actor in one relation to it,
the capacities the actor should hold there (read from the relation alone, not from the
policy's code), and the outcome the table then gives each action.

The case is a named disclosure implicating the Chief Executive (so in the Monitoring Officer's
queue), with a note, a message, evidence, a report recorded by staff, a check-in due today and
a running deadline that may be extended; it stands in the state from which the actor's
capacity may fire a transition. The pack is New Zealand's: under uk-council no disclosure
deadline may be paused or extended and there is no milestone, so a handler could not manage
clocks successfully at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from casework.models import Assignment, Case, CheckIn, Recusal
from casework.runtime import Runtime
from casework.services.access import Action, Actor, Capacity, Reporter, allowed_actions
from casework.services.access.policy import sees
from casework.services.assignments import assign, recuse
from casework.services.content import add_note, post_message
from casework.services.evidence import accept_evidence
from casework.workflow.policy import load_pack
from tests.confidentiality.test_conf_access_matrix import (
    DEFAULT_STEP,
    NO_SUCH_CASE,
    ROLE_STEP,
    ROLES,
)
from tests.factories import FIELDS

PACK = "nz-public-service"
CATEGORY = "maladministration"  # no flags: the implicated Chief Executive alone routes it
CLOCK = "deal_with"  # extendable, running from lodging
MILESTONE = "told_discloser_timeframe"
BODY = "The Office of the Ombudsman"  # one of the pack's external_bodies, for a referral
NO_SUCH_ID = 2**31 - 1
RELATIONS = ("queue", "assigned", "implicated", "recused", "none")
REPORTER_RELATIONS = ("this_case", "another_case")
WORLDS = [(r, rel) for r in ROLES for rel in RELATIONS] + [
    ("reporter", rel) for rel in REPORTER_RELATIONS]
WORLD_IDS = [f"{r}-{rel}" for r, rel in WORLDS]
REPORTER_STEP = ("withdraw", [])
#: Actions in the table that no service offers yet (a later issue adds them). The access
#: tables assert these through the loader alone; a service that asks the loader for one of
#: them fails the tables until it gets its row there. (Triage, links and hold have theirs.)
NO_SERVICE_YET: frozenset[Action] = frozenset()
DEPARTMENT = "school_operations"  # a department of the pack, for a triage that changes one
#: The contract's reading: intake officers handle, the other two act in their role's name.
HANDLING = {"intake": Capacity.HANDLER, "investigator": Capacity.INVESTIGATOR,
            "decision_maker": Capacity.DECISION_MAKER}


def table_runtime(runtime: Runtime) -> Runtime:
    """The test runtime under the pack these worlds are built for."""
    return replace(runtime, pack=load_pack(PACK, runtime.routes))


def expected_capacities(role: str, relation: str) -> frozenset[Capacity]:
    """What the actor is on the case, from the relation alone (docs/API.md, section 2, and
    docs/ARCHITECTURE.md, "Access"): queue
    members and assignees act in their role's capacity; admin and hr_analyst see nothing; an
    auditor reads the trail of any case they have no conflict with; nobody implicated or
    recused is anything; a reporter is the reporter of their own case only."""
    if role == "reporter":
        return frozenset({Capacity.REPORTER}) if relation == "this_case" else frozenset()
    if relation in {"implicated", "recused"}:
        return frozenset()
    found = {HANDLING[role]} if role in HANDLING and relation in {"queue", "assigned"} else set()
    if role == "auditor":
        found.add(Capacity.AUDITOR)
    return frozenset(found)


def expected(capacities: frozenset[Capacity], action: Action,
             identity_reveal_roles: frozenset[str]) -> str:
    """not_found, forbidden or ok: what the table says these capacities get for the action."""
    if not sees(capacities, action):
        return "not_found"
    if action not in allowed_actions(capacities, identity_reveal_roles):
        return "forbidden"
    return "ok"


@dataclass(frozen=True)
class World:
    """One case, one actor in one relation to it, and what the actions need."""

    role: str
    relation: str
    case_id: int
    reference: str
    version: int
    actor: Actor
    user_id: int | None
    attachment_id: int
    checkin_id: int
    target_user_id: int
    step: str
    fields: dict
    due_on: date
    #: A second case in the same queue that the actor reaches as they reach this one (through
    #: the queue, or assigned the same way): the case a link joins this one to.
    other_reference: str = NO_SUCH_CASE

    @property
    def capacities(self) -> frozenset[Capacity]:
        """What the actor should be on this case."""
        return expected_capacities(self.role, self.relation)

    def missing(self) -> World:
        """The same world aimed at a case (and a check-in) that does not exist."""
        return replace(self, reference=NO_SUCH_CASE, checkin_id=NO_SUCH_ID)


def build_world(make, ctx, role: str, relation: str) -> World:
    """The case in the state the actor's transition fires from, and the actor."""
    chief = make.person("Chief Executive", roles=("chief_executive",))
    step, path = REPORTER_STEP if role == "reporter" else ROLE_STEP.get(role, DEFAULT_STEP)
    case = make.case("disclosure", path=path, category=CATEGORY, implicated=[chief],
                     anonymous=False)
    assert case.queue == "monitoring_officer"
    boss = make.staff(roles=("intake",), queues=(case.queue,))
    add_note(ctx, boss, case.reference, "a note")
    post_message(ctx, Reporter(case.id), None, "a message")
    attachment = accept_evidence(ctx, Reporter(case.id), None, "e.txt", b"evidence")
    case.recorded_by_staff = True  # written down from a call: the reporter checks it
    checkin = CheckIn(case_id=case.id, due_on=ctx.today)
    ctx.session.add(checkin)
    target = make.user(roles=("investigator",), queues=())
    if role == "reporter":
        other = make.lodge(category=CATEGORY).case
        actor, user_id = Reporter(case.id if relation == "this_case" else other.id), None
    else:
        other = make.lodge(category=CATEGORY, implicated=[chief]).case
        actor, user_id = _staff(make, ctx, boss, case, chief, role, relation)
        _reach_alike(ctx, case, other, user_id)
    ctx.session.flush()
    due_on = next(c.due_on for c in case.clocks if c.name == CLOCK)
    fields = {} if role == "reporter" else FIELDS.get(step, {})  # what the step asks of them
    return World(role, relation, case.id, case.reference, case.version, actor, user_id,
                 attachment.id, checkin.id, target.id, step, fields, due_on, other.reference)


def _reach_alike(ctx, case: Case, other: Case, user_id: int) -> None:
    """The user's assignments to the case, on the other case too (the queue is the same)."""
    assert other.queue == case.queue
    ctx.session.flush()
    for row in ctx.session.query(Assignment).filter_by(case_id=case.id, user_id=user_id):
        ctx.session.add(Assignment(case_id=other.id, user_id=user_id, capacity=row.capacity,
                                   assigned_at=ctx.now, ended_at=row.ended_at))


def _staff(make, ctx, boss, case: Case, chief: int, role: str, relation: str
           ) -> tuple[Actor, int]:
    """A staff account in the relation: in the case's queue or another, assigned, implicated
    (through its directory person) or recused."""
    queues = (case.queue,) if relation in {"queue", "implicated", "recused"} else ("hr",)
    user = make.user(roles=(role,), queues=queues,
                     person_id=chief if relation == "implicated" else None)
    actor = make.actor(user)
    capacity = HANDLING.get(role, Capacity.HANDLER)
    if relation in {"assigned", "recused"} and role in HANDLING:
        assign(ctx, boss, case.reference, user.id, capacity.value)
    elif relation in {"assigned", "implicated", "recused"}:
        # The service refuses these: the row, as if the role went or the conflict came later.
        ctx.session.add(Assignment(case_id=case.id, user_id=user.id, capacity=capacity.value,
                                   assigned_at=ctx.now))
    if relation == "recused" and role in HANDLING:
        recuse(ctx, actor, case.reference, "my brother-in-law")
    elif relation == "recused":
        ctx.session.add(Recusal(case_id=case.id, user_id=user.id, at=ctx.now))
    return actor, user.id
