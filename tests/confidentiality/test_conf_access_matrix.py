"""The access matrix: every staff role × relation to a case × action, against an independent
reading of the policy in docs/API.md (section 2) and docs/ARCHITECTURE.md; an invisible
case looks exactly like no case at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from casework.models import Assignment, Recusal
from casework.services.access import Reporter, Staff
from casework.services.assignments import add_implicated, assign, recuse
from casework.services.content import (
    add_note,
    list_messages,
    list_notes,
    post_message,
    read_attachment,
    reveal_identity,
)
from casework.services.errors import Conflict, Forbidden, NotFound
from casework.services.evidence import accept_evidence
from casework.services.reports import ImplicatedInput
from casework.services.transitions import allowed_for, fire_transition
from casework.services.views import case_view, list_cases
from tests.factories import FIELDS

ROLES = ("admin", "intake", "investigator", "decision_maker", "hr_analyst", "auditor")
RELATIONS = ("queue", "assigned", "implicated", "recused", "none")
ACTIONS = ("list", "view", "notes_read", "notes_add", "messages_read", "messages_post",
           "transition", "assign", "recuse", "identity", "attachment")
NO_SUCH_CASE = "CW-ZZZZZZZZ"

# The transition each role fires, and the state a case must be in for it.
ROLE_STEP = {"intake": ("acknowledge", []),
             "investigator": ("record_findings", ["acknowledge", "accept_for_investigation"]),
             "decision_maker": ("record_action", ["acknowledge", "accept_for_investigation",
                                                  "record_findings"])}
DEFAULT_STEP = ("acknowledge", [])


def expected(role: str, relation: str, action: str, reveal_roles: frozenset[str]) -> str:
    """docs/API.md, section 2: queue members and assignees see a case; no one implicated or
    recused does; admin, hr_analyst and auditor see no content through their role. Handlers
    (intake) assign; identity goes only to the roles the policy pack names."""
    sees = role not in {"admin", "hr_analyst", "auditor"} and relation in {"queue", "assigned"}
    if action == "list":
        return "listed" if sees else "absent"
    if not sees:
        return "not_found"
    if action == "assign":
        return "ok" if role == "intake" else "forbidden"
    if action == "identity":
        return "ok" if role in reveal_roles else "forbidden"
    return "ok"


@dataclass
class World:
    """One case, one actor in one relation to it, and what the actions need."""

    reference: str
    actor: Staff
    attachment_id: int
    target_user_id: int
    step: str


def build_world(make, ctx, role: str, relation: str) -> World:
    """A disclosure implicating the Chief Executive (so in the Monitoring Officer's queue)."""
    chief = make.person("Chief Executive", roles=("chief_executive",))
    step, path = ROLE_STEP.get(role, DEFAULT_STEP)
    case = make.case("disclosure", path=path, category="policy_breach", implicated=[chief],
                     anonymous=False)
    assert case.queue == "monitoring_officer"
    boss = make.staff(roles=("intake",), queues=(case.queue,))
    add_note(ctx, boss, case.reference, "a note")
    post_message(ctx, Reporter(case.id), None, "a message")
    attachment = accept_evidence(ctx, Reporter(case.id), None, "e.txt", b"evidence")
    queues = (case.queue,) if relation in {"queue", "implicated", "recused"} else ("hr",)
    person = chief if relation == "implicated" else None
    user = make.user(roles=(role,), queues=queues, person_id=person)
    actor = make.actor(user)
    if relation in {"assigned", "implicated", "recused"}:
        _assign(ctx, boss, case, user, role, directly=relation == "implicated")
    if relation == "recused":
        if role in ROLE_STEP:
            recuse(ctx, actor, case.reference, "my brother-in-law")
        else:
            ctx.session.add(Recusal(case_id=case.id, user_id=user.id, at=ctx.now))
    ctx.session.flush()
    target = make.user(roles=("investigator",), queues=())
    return World(case.reference, actor, attachment.id, target.id, step)


def _assign(ctx, boss, case, user, role, directly: bool) -> None:
    """Assign through the service where it allows it; otherwise write the row (as if stale)."""
    if role in ROLE_STEP and not directly:
        capacity = {"intake": "handler"}.get(role, role)
        assign(ctx, boss, case.reference, user.id, capacity)
    else:
        ctx.session.add(Assignment(case_id=case.id, user_id=user.id, capacity="handler",
                                   assigned_at=ctx.now))


def act(ctx, world: World, action: str, reference: str) -> Callable[[], object]:
    """The call for one action on a reference."""
    actor = world.actor
    calls = {
        "view": lambda: case_view(ctx, actor, reference),
        "notes_read": lambda: list_notes(ctx, actor, reference),
        "notes_add": lambda: add_note(ctx, actor, reference, "mine"),
        "messages_read": lambda: list_messages(ctx, actor, reference),
        "messages_post": lambda: post_message(ctx, actor, reference, "hello"),
        "transition": lambda: fire_transition(ctx, actor, reference, world.step, None,
                                              FIELDS.get(world.step, {})),
        "assign": lambda: assign(ctx, actor, reference, world.target_user_id, "investigator"),
        "recuse": lambda: recuse(ctx, actor, reference, "a conflict"),
        "identity": lambda: reveal_identity(ctx, actor, reference, "to interview them"),
        "attachment": lambda: read_attachment(ctx, actor, reference, world.attachment_id),
    }
    return calls[action]


def outcome(call: Callable[[], object]) -> tuple[str, Exception | None]:
    """ok, forbidden or not_found, and the exception raised."""
    try:
        call()
    except NotFound as exc:
        return "not_found", exc
    except Forbidden as exc:
        return "forbidden", exc
    return "ok", None


CELLS = [(r, rel, a) for r in ROLES for rel in RELATIONS for a in ACTIONS]


@pytest.mark.parametrize(("role", "relation", "action"), CELLS,
                         ids=[f"{r}-{rel}-{a}" for r, rel, a in CELLS])
def test_access_matrix_cell(make, ctx, role, relation, action):
    world = build_world(make, ctx, role, relation)
    want = expected(role, relation, action, ctx.runtime.pack.identity_reveal_roles)
    if action == "list":
        listed = {c["reference"] for c in list_cases(ctx, world.actor, per_page=1000).items}
        assert ("listed" if world.reference in listed else "absent") == want
        return
    got, exc = outcome(act(ctx, world, action, world.reference))
    assert got == want
    if got == "not_found":
        _, none = outcome(act(ctx, world, action, NO_SUCH_CASE))
        assert (type(exc), str(exc), exc.fields) == (type(none), str(none), none.fields)
    elif got == "ok":
        _after_success(ctx, world, action)


def _after_success(ctx, world: World, action: str) -> None:
    """What a successful action must have changed."""
    if action == "recuse":
        with pytest.raises(NotFound):
            case_view(ctx, world.actor, world.reference)
    elif action == "transition":
        view = case_view(ctx, world.actor, world.reference)
        assert view.timeline[-1]["transition"] == world.step
    elif action == "view":
        view = case_view(ctx, world.actor, world.reference)
        assert world.step in {t.key for t in view.allowed}


@pytest.mark.parametrize("person_roles", [(), ("chief_executive",), ("monitoring_officer",),
                                          ("head_of_internal_audit",), ("hr_manager",),
                                          ("director",)])
@pytest.mark.parametrize("staff_role", ["intake", "investigator", "decision_maker"])
def test_an_implicated_person_never_sees_their_case_whatever_their_position(
        make, ctx, person_roles, staff_role):
    person = make.person(roles=person_roles)
    case = make.case("disclosure", category="policy_breach", implicated=[person])
    user = make.user(roles=(staff_role,), queues=tuple(ctx.runtime.pack.queues),
                     person_id=person)
    actor = make.actor(user)
    bystander = make.staff(roles=(staff_role,), queues=tuple(ctx.runtime.pack.queues))
    assert case.reference in {c["reference"] for c in list_cases(ctx, bystander).items}
    assert case.reference not in {c["reference"] for c in list_cases(ctx, actor).items}
    with pytest.raises(NotFound):
        case_view(ctx, actor, case.reference)
    boss = make.staff(roles=("intake",), queues=(case.queue,))
    capacity = {"intake": "handler"}.get(staff_role, staff_role)
    with pytest.raises(Conflict):
        assign(ctx, boss, case.reference, user.id, capacity)


def test_becoming_implicated_takes_away_access_at_once(make, ctx):
    person = make.person()
    case = make.case("disclosure", category="policy_breach")
    boss = make.staff(roles=("intake",), queues=(case.queue,))
    user = make.user(roles=("investigator",), queues=(), person_id=person)
    assign(ctx, boss, case.reference, user.id, "investigator")
    actor = make.actor(user)
    assert case_view(ctx, actor, case.reference).reference == case.reference
    assert [t.key for t in allowed_for(ctx, actor, case)] == []
    add_implicated(ctx, boss, case.reference, [ImplicatedInput(person_id=person)])
    with pytest.raises(NotFound):
        case_view(ctx, actor, case.reference)
    assert case.reference not in {c["reference"] for c in list_cases(ctx, actor).items}
