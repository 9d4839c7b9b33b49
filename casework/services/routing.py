"""Running the escalation rules on a case, at intake and whenever its implicated people change."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from casework.models import Assignment, Case, CaseParty, Person, User
from casework.services import handoff
from casework.services.access import HIDDEN_FROM, forget
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.events import add_event
from casework.services.vault import IDENTITY, person_index
from casework.workflow.routing import PersonFacts, RoutingDecision, RoutingInput, route_case
from casework.workflow.texts import english


def _directory(ctx: Context, ids: set[int]) -> dict[int, PersonFacts]:
    """The directory entries routing needs: the people named and two levels of their managers."""
    found: dict[int, PersonFacts] = {}
    wanted = set(ids)
    for _ in range(3):
        wanted -= set(found)
        if not wanted:
            break
        rows = ctx.session.execute(select(Person).where(Person.id.in_(wanted))).scalars()
        for p in rows:
            found[p.id] = PersonFacts(p.id, frozenset(p.roles or ()), p.manager_id)
        wanted = {f.manager_id for f in found.values() if f.manager_id}
    return found


def party_details(ctx: Context, case: Case, kind: str) -> list[tuple[CaseParty, dict]]:
    """A case's parties of one kind with their sealed details opened (a system read)."""
    vault = ctx.vault(case)
    purpose = IDENTITY if kind in ("reporter", "support_person") else "content"
    rows = ctx.session.execute(select(CaseParty).where(
        CaseParty.case_id == case.id, CaseParty.kind == kind).order_by(CaseParty.id)).scalars()
    return [(p, vault.open_json("party", p.id, p.details_ct, purpose)) for p in rows]


#: Why a case stays where it is although the reporter's claim would move it.
CLAIM_KEPT = ("stays here although the reporter says they are someone in the directory whose "
              "position would send it elsewhere: a reporter's claim never moves a case. Check "
              "who they are; if the claim holds, move it at triage")


#: The notes of a decision about whom the reporter's claim names rather than where it goes.
NAMING_NOTES = ("the reporter asked to raise it with", "the next senior manager could not")


def routing_for(ctx: Context, case: Case, *, route: str, category: str,
                chosen_queue: str | None) -> RoutingDecision:
    """What the rules decide for this case's people with this route, category and chosen
    queue; nothing is written (triage asks before it moves anything).

    A reporter who says they are a directory person makes a claim: it may keep the case from
    more people (the claimed person is hidden from it, like someone implicated), but it never
    moves the case away from the queue it would reach without the claim, unless staff recorded
    the report (they met the reporter) or chose the queue at triage."""
    implicated_parties = party_details(ctx, case, "implicated")
    implicated = {d["person_id"] for _, d in implicated_parties if d.get("person_id")}
    #: The reporter's line manager, implicated because the reporter said their line manager
    #: is involved and claimed to be someone in the directory (services/reports.py): still
    #: hidden from the case, but left out of the decision the claim may not change.
    by_claim = {d["person_id"] for _, d in implicated_parties
                if d.get("person_id") and d.get("from_claim")}
    reporter = party_details(ctx, case, "reporter")
    details = reporter[0][1] if reporter else {}
    claimed = details.get("person_id")
    directory = _directory(ctx, implicated | ({claimed} if claimed else set()))

    def decide(reporter_person: int | None, people: set[int]) -> RoutingDecision:
        return route_case(ctx.runtime.pack, RoutingInput(
            route, category, frozenset(people), reporter_person, chosen_queue,
            frozenset(case.reporter_says or ()), case.raise_with), directory)

    decision = decide(claimed, implicated)
    if claimed and not details.get("claim_checked"):
        without = decide(None, implicated - by_claim)
        if without.queue != decision.queue:
            label = english(ctx.runtime.pack.queues[without.queue].label)  # kept: English
            # Who the claim names (next senior manager, the person a level names) is shown,
            # with the notes that say so; only the queue is the one without the claim.
            kept = [r for r in without.reasons if "did not say who they are" not in r]
            named = [r for r in decision.reasons if r.startswith(NAMING_NOTES)]
            return replace(without, reasons=(*kept, *named, f"{label} {CLAIM_KEPT}"),
                           escalate_to=decision.escalate_to, asked_for=decision.asked_for)
    return decision


def apply_routing(ctx: Context, case: Case, *, actor: str = "system",
                  decision: RoutingDecision | None = None) -> RoutingDecision:
    """Decide the case's queue from its implicated people and category, and record why (a
    decision triage has just asked for is not asked again)."""
    decision = decision or routing_for(ctx, case, route=case.route, category=case.category,
                                       chosen_queue=case.chosen_queue)
    previous = case.queue
    case.queue = decision.queue
    case.actions = sorted(decision.actions)
    case.routing_ct = ctx.vault(case).seal_json("routing", case.id, {
        "reasons": list(decision.reasons), "escalate_to": decision.escalate_to,
        "asked_for": decision.asked_for})
    _end_conflicted_assignments(ctx, case)
    add_event(ctx, case, "routed", facts={"queue": decision.queue, "from": previous})
    ctx.audit(Kind.CASE_ROUTE, actor, case_id=case.id, queue=decision.queue,
              actions=sorted(decision.actions))
    forget(ctx)  # the queue and the people implicated may have changed who sees the case
    handoff.hand_over_if_outside(ctx, case, actor)
    return decision


def _end_conflicted_assignments(ctx: Context, case: Case) -> None:
    """Anyone now implicated loses their assignment at once."""
    indexes = set(ctx.session.execute(select(CaseParty.person_index).where(
        CaseParty.case_id == case.id, CaseParty.kind.in_(HIDDEN_FROM),
        CaseParty.person_index.is_not(None))).scalars())
    if not indexes:
        return
    rows = ctx.session.execute(select(Assignment, User).join(User, User.id == Assignment.user_id)
                               .where(Assignment.case_id == case.id,
                                      Assignment.ended_at.is_(None))).all()
    for assignment, user in rows:
        if user.person_id and person_index(ctx.runtime.keyring, user.person_id) in indexes:
            assignment.ended_at = ctx.now
