"""The access table, cell by cell, through the real services: every action × every staff role ×
every relation to a case, and this case's reporter and another case's. Each actor's capacities
are read from the relation alone (tests/access_worlds.py); the table says what they get; the
service must answer exactly that, and a hidden case must look exactly like a missing one.

One world per (role, relation); each action runs in a savepoint rolled back after it, so one
action's writes (a recusal, a transition) never change what the next one finds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from casework.models import Assignment, Case
from casework.services.access import Action, Reporter, forget, open_case, who_can_see
from casework.services.access.cases import derive_capacities
from casework.services.access.policy import TABLE, sees
from casework.services.aftercare import answer_checkin
from casework.services.assignments import add_implicated, assign, recuse
from casework.services.audit_views import case_audit_events
from casework.services.casefile import FileChoice, file_options, make_case_file
from casework.services.casepage import case_page, case_status, list_attachments
from casework.services.clocks import extend_clock, record_milestone
from casework.services.content import (
    Window,
    add_note,
    list_messages,
    list_notes,
    post_message,
    read_attachment,
    reveal_identity,
)
from casework.services.errors import DomainError, Forbidden, NotFound
from casework.services.evidence import accept_evidence
from casework.services.holds import lift_hold, place_hold
from casework.services.links import link_cases
from casework.services.records import confirm_record, record_for_reporter
from casework.services.referrals import record_referral
from casework.services.reporter_page import reporter_view
from casework.services.reports import ImplicatedInput
from casework.services.search import set_title
from casework.services.transitions import fire_transition
from casework.services.triage import triage
from casework.services.views import case_clocks, case_view, list_cases
from tests.access_worlds import (
    BODY,
    CATEGORY,
    CLOCK,
    DEPARTMENT,
    HANDLING,
    MILESTONE,
    NO_SERVICE_YET,
    WORLD_IDS,
    WORLDS,
    World,
    build_world,
    expected,
    table_runtime,
)
from tests.service_source import functions, loader_actions

Call = Callable[[object, World], object]


@pytest.fixture
def runtime(runtime):
    """The worlds' policy pack (a deadline that may be extended, a milestone)."""
    return table_runtime(runtime)


def _w(ctx, w: World):
    return ctx, w.actor, w.reference


#: The services for each action, called by staff and, with this case's reference, by reporters.
SERVICES: dict[Action, dict[str, Call]] = {
    Action.SEE: {"case_view": lambda ctx, w: case_view(*_w(ctx, w)),
                 "case_clocks": lambda ctx, w: case_clocks(*_w(ctx, w)),
                 "case_page": lambda ctx, w: case_page(*_w(ctx, w)),
                 "case_status": lambda ctx, w: case_status(*_w(ctx, w))},
    Action.READ_NOTES: {"list_notes": lambda ctx, w: list_notes(*_w(ctx, w))},
    Action.ADD_NOTE: {"add_note": lambda ctx, w: add_note(*_w(ctx, w), "mine")},
    Action.READ_MESSAGES: {"list_messages": lambda ctx, w: list_messages(*_w(ctx, w))},
    Action.SEND_MESSAGE: {"post_message": lambda ctx, w: post_message(*_w(ctx, w), "hello")},
    Action.READ_EVIDENCE: {
        "read_attachment": lambda ctx, w: read_attachment(*_w(ctx, w), w.attachment_id),
        "list_attachments": lambda ctx, w: list_attachments(*_w(ctx, w))},
    Action.ADD_EVIDENCE: {
        "accept_evidence": lambda ctx, w: accept_evidence(*_w(ctx, w), "more.txt", b"more")},
    Action.TRANSITION: {"fire_transition": lambda ctx, w: fire_transition(
        *_w(ctx, w), w.step, w.version, w.fields)},
    Action.ASSIGN: {"assign": lambda ctx, w: assign(*_w(ctx, w), w.target_user_id,
                                                    "investigator")},
    Action.RECUSE: {"recuse": lambda ctx, w: recuse(*_w(ctx, w), "a conflict")},
    Action.REVEAL_IDENTITY: {
        "reveal_identity": lambda ctx, w: reveal_identity(*_w(ctx, w), "to interview them")},
    Action.ADD_IMPLICATED: {"add_implicated": lambda ctx, w: add_implicated(
        *_w(ctx, w), [ImplicatedInput(name="A. Contractor", role="supplier")])},
    Action.MANAGE_CLOCKS: {
        "extend_clock": lambda ctx, w: extend_clock(
            *_w(ctx, w), CLOCK, w.due_on + timedelta(days=14), "more time needed", w.version),
        "record_milestone": lambda ctx, w: record_milestone(
            *_w(ctx, w), MILESTONE, w.version, on=w.due_on + timedelta(days=30)),
        "record_referral": lambda ctx, w: record_referral(*_w(ctx, w), body=BODY,
                                                          version=w.version)},
    Action.TRIAGE: {"triage": lambda ctx, w: triage(*_w(ctx, w), w.version, "misfiled",
                                                   department=DEPARTMENT)},
    Action.LINK: {"link_cases": lambda ctx, w: link_cases(*_w(ctx, w), w.other_reference,
                                                          "related")},
    Action.HOLD: {"place_hold, lift_hold": lambda ctx, w: (
        place_hold(*_w(ctx, w), "litigation"), lift_hold(*_w(ctx, w), "decided"))},
    Action.TITLE: {"set_title": lambda ctx, w: set_title(*_w(ctx, w), "Depot concern",
                                                        w.version)},
    Action.SEE_ACCESS: {"who_can_see": lambda ctx, w: who_can_see(*_w(ctx, w))},
    Action.READ_AUDIT: {
        "case_audit_events": lambda ctx, w: case_audit_events(*_w(ctx, w), Window())},
    Action.EXPORT_FILE: {
        "file_options": lambda ctx, w: file_options(*_w(ctx, w)),
        "make_case_file": lambda ctx, w: make_case_file(*_w(ctx, w), FileChoice(),
                                                        lambda document: b"%PDF")},
}
#: The reporter's own services. They take no reference (the reporter's token is their case),
#: so only the flagged one (a check-in id) can be aimed at another case's thing.
REPORTER_SERVICES: dict[Action, dict[str, tuple[Call, bool]]] = {
    Action.SEE: {"reporter_view": (lambda ctx, w: reporter_view(ctx, w.actor), False)},
    Action.CONFIRM_RECORD: {
        "record_for_reporter": (lambda ctx, w: record_for_reporter(ctx, w.actor), False),
        "confirm_record": (lambda ctx, w: confirm_record(ctx, w.actor), False)},
    Action.ANSWER_CHECKIN: {"answer_checkin": (
        lambda ctx, w: answer_checkin(ctx, w.actor, w.checkin_id, False), True)},
}


def through_loader(action: Action) -> Call:
    """The loader itself, where no service can be aimed at the case by this actor."""
    return lambda ctx, w: open_case(ctx, w.actor, w.reference, action)


def calls_for(world: World, action: Action) -> dict[str, Call]:
    """The calls that put this action to this world's case."""
    if action in NO_SERVICE_YET:
        return {"open_case": through_loader(action)}
    if isinstance(world.actor, Reporter) and action in REPORTER_SERVICES:
        own = world.relation == "this_case"
        return {name if own or aimed else f"open_case for {name}":
                call if own or aimed else through_loader(action)
                for name, (call, aimed) in REPORTER_SERVICES[action].items()}
    if action in SERVICES:
        return SERVICES[action]
    # A reporter's action asked by staff: its service takes no reference, so staff reach it
    # only through the loader.
    return {"open_case": through_loader(action)}


def attempt(ctx, call: Call, world: World) -> tuple[str, DomainError | None]:
    """ok, forbidden, not_found (or another refusal's name), in a savepoint rolled back."""
    savepoint = ctx.session.begin_nested()
    ctx.session.connection()  # the SAVEPOINT now, whatever the call touches first
    try:
        call(ctx, world)
    except NotFound as exc:
        return "not_found", exc
    except Forbidden as exc:
        return "forbidden", exc
    except DomainError as exc:
        return f"{type(exc).__name__}: {exc}", exc
    finally:
        savepoint.rollback()
        forget(ctx)
        ctx.kept.clear()
    return "ok", None


def signature(exc: DomainError | None) -> tuple:
    """What a refusal tells its caller (and what the edge would write for it)."""
    return type(exc), str(exc), exc.fields, exc.trace


@pytest.mark.parametrize(("role", "relation"), WORLDS, ids=WORLD_IDS)
def test_every_action_answers_as_the_table_says(make, ctx, role, relation):
    world = build_world(make, ctx, role, relation)
    case = ctx.session.get(Case, world.case_id)
    assert derive_capacities(ctx.session, world.actor, case) == world.capacities
    reveal = ctx.runtime.pack.identity_reveal_roles
    wrong = {}
    for action in Action:
        want = expected(world.capacities, action, reveal)
        for name, call in calls_for(world, action).items():
            got, exc = attempt(ctx, call, world)
            if got != want:
                wrong[f"{action}: {name}"] = f"{got}, the table says {want}"
            elif got == "not_found":
                _, missing = attempt(ctx, call, world.missing())
                if signature(exc) != signature(missing):
                    wrong[f"{action}: {name}"] = f"{signature(exc)} != {signature(missing)}"
    assert not wrong, "\n".join(f"{cell}: {what}" for cell, what in wrong.items())


@pytest.mark.parametrize(("role", "relation"), [w for w in WORLDS if w[0] != "reporter"],
                         ids=[i for i in WORLD_IDS if not i.startswith("reporter")])
def test_the_list_shows_the_case_exactly_when_it_opens(make, ctx, role, relation):
    world = build_world(make, ctx, role, relation)
    listed = {c["reference"] for c in list_cases(ctx, world.actor, per_page=1000).items}
    assert (world.reference in listed) == sees(world.capacities, Action.SEE)


def test_each_action_has_a_service_row_or_is_named_as_having_none_yet():
    rows = set(SERVICES) | set(REPORTER_SERVICES)
    assert rows | NO_SERVICE_YET == set(Action)
    assert not rows & NO_SERVICE_YET
    assert all(any(a in actions for actions in TABLE.values()) for a in NO_SERVICE_YET)


def test_no_service_asks_the_loader_for_an_action_without_a_row():
    asked = loader_actions(functions("casework/services"))
    assert not asked & NO_SERVICE_YET, "a new service needs its row in SERVICES"


@pytest.mark.parametrize("ended", [False, True], ids=["role_gone", "assignment_ended"])
@pytest.mark.parametrize("role", sorted(HANDLING))
def test_an_assignment_counts_only_while_it_runs_in_a_role_still_held(make, ctx, role, ended):
    case = make.case("disclosure", category=CATEGORY)
    user = make.user(roles=(role,), queues=("hr",))
    other = next(c for r, c in HANDLING.items() if r != role)
    capacity = HANDLING[role] if ended else other
    ctx.session.add(Assignment(case_id=case.id, user_id=user.id, capacity=capacity.value,
                               assigned_at=ctx.now, ended_at=ctx.now if ended else None))
    ctx.session.flush()
    actor = make.actor(user)
    assert derive_capacities(ctx.session, actor, case) == frozenset()
    assert case.reference not in {c["reference"] for c in list_cases(ctx, actor).items}
    with pytest.raises(NotFound):
        case_view(ctx, actor, case.reference)
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    assert user.id not in {s.user_id for s in who_can_see(ctx, handler, case.reference)}
