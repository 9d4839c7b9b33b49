"""Triage through the service: a misfiled case put right, routing run again with its reasons,
and the moves refused because they would expose the case, or a rule keeps it elsewhere."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework.models import AuditEvent, CaseEvent, User
from casework.services.access import open_case, who_can_see
from casework.services.assignments import add_implicated
from casework.services.errors import Conflict, Forbidden, Invalid, NotFound, StaleVersion
from casework.services.reports import ImplicatedInput
from casework.services.transitions import fire_transition
from casework.services.triage import triage, triage_history
from casework.services.views import case_view

WHY = "The report describes false expense claims: this is fraud, not bullying."


@pytest.fixture
def desk(make):
    """An intake handler, and a member of each queue a case may move to."""
    return {q: make.staff(roles=("intake", "investigator"), queues=(q,))
            for q in ("intake", "internal_audit", "monitoring_officer", "hr")}


def events(ctx, case, kind):
    return ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == kind).order_by(CaseEvent.seq)
        ).scalars().all()


def test_a_misfiled_fraud_report_moves_to_internal_audit_with_its_reasons(ctx, make, desk):
    case = make.lodge("disclosure", category="bullying").case
    assert case.queue == "intake"
    version = case.version
    done = triage(ctx, desk["intake"], case.reference, version, WHY, category="fraud")
    assert (done.queue, case.category, case.queue) == ("internal_audit", "fraud",
                                                       "internal_audit")
    assert done.routing_reasons == (
        "routed to Internal Audit because: fraud is suspected (code of conduct 5.2)",)
    assert done.version == case.version == version + 1
    (event,) = events(ctx, case, "triaged")
    assert event.facts == {
        "from": {"route": "disclosure", "category": "bullying", "department": None,
                 "queue": "intake"},
        "to": {"route": "disclosure", "category": "fraud", "department": None,
               "queue": "internal_audit"}}
    assert WHY.encode() not in event.fields_ct
    assert ctx.vault(case).open_json("event", event.id, event.fields_ct) == {"reason": WHY}
    assert events(ctx, case, "routed")[-1].facts == {"queue": "internal_audit",
                                                     "from": "intake"}
    audit = ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == "case:triage:apply")).scalar_one()
    assert audit.details == {"category": ["bullying", "fraud"],
                             "queue": ["intake", "internal_audit"]}
    with pytest.raises(NotFound):  # out of the intake queue: out of the handler's hands
        open_case(ctx, desk["intake"], case.reference)
    view = case_view(ctx, desk["internal_audit"], case.reference)
    assert view.routing_reasons == list(done.routing_reasons)
    assert view.timeline[-1]["label"] == (
        "Triage: category from “Bullying, threats or discrimination” to “Fraud, false claims "
        "or financial deception”; queue from “Senior officer for internal disclosure” to "
        "“Internal Audit”")
    labels = [item["label"] for item in view.timeline]
    assert labels[-2] == "Routed to Internal Audit"
    (record,) = triage_history(ctx, case)
    assert record.by == ctx.session.get(User, desk["intake"].user_id).name
    assert record.reason == WHY and record.changes == {
        "category": ("bullying", "fraud"), "queue": ("intake", "internal_audit")}


def test_a_queue_whose_owner_is_implicated_is_refused_and_nothing_changes(ctx, make, desk):
    """The Head of Internal Audit is implicated: Internal Audit would decide who sees it."""
    head = make.person("Head of Audit", roles=["head_of_internal_audit"])
    case = make.lodge("disclosure", category="policy_breach", implicated=[head]).case
    with pytest.raises(Conflict) as refused:
        triage(ctx, desk["intake"], case.reference, case.version, WHY, queue="internal_audit")
    assert "would show it to someone implicated" in refused.value.message
    assert "head of internal audit" in refused.value.message
    assert (case.queue, case.chosen_queue) == ("intake", None)
    assert events(ctx, case, "triaged") == []


def test_an_implicated_member_of_the_queue_does_not_stop_a_move_and_still_sees_nothing(
        ctx, make, desk):
    """A member (not the owner) who is implicated is hidden from the case by the filter."""
    clerk = make.person("Audit Clerk")
    implicated = make.staff(roles=("intake",), queues=("internal_audit",), person_id=clerk)
    case = make.lodge("disclosure", category="policy_breach", implicated=[clerk]).case
    done = triage(ctx, desk["intake"], case.reference, case.version, WHY,
                  queue="internal_audit")
    assert done.queue == "internal_audit"
    assert done.routing_reasons == ("Internal Audit: chosen at triage by a handler",)
    seers = {s.user_id for s in who_can_see(ctx, desk["internal_audit"], case.reference)}
    assert desk["internal_audit"].user_id in seers and implicated.user_id not in seers
    with pytest.raises(NotFound):
        open_case(ctx, implicated, case.reference)


def test_a_rule_keeps_the_case_with_the_monitoring_officer(ctx, make, desk):
    """The Chief Executive implicated: the case may not go back to intake, and says why."""
    chief = make.person("Chief", roles=["chief_executive"])
    case = make.lodge("disclosure", category="policy_breach", implicated=[chief]).case
    assert case.queue == "monitoring_officer"
    with pytest.raises(Conflict) as refused:
        triage(ctx, desk["monitoring_officer"], case.reference, case.version, WHY,
               queue="intake")
    assert "keep this case with Monitoring Officer" in refused.value.message
    assert "the Chief Executive is implicated" in refused.value.message
    done = triage(ctx, desk["monitoring_officer"], case.reference, case.version, WHY,
                  department="finance")  # the rest may still change
    assert (done.queue, case.department) == ("monitoring_officer", "finance")


def test_a_chosen_queue_survives_routing_again(ctx, make, desk):
    """Naming someone implicated later keeps the handler's choice while no rule overrides it."""
    case = make.lodge("disclosure", category="policy_breach").case
    triage(ctx, desk["intake"], case.reference, case.version, WHY, queue="hr")
    add_implicated(ctx, desk["hr"], case.reference, [ImplicatedInput(name="A. Contractor")])
    assert (case.queue, case.chosen_queue) == ("hr", "hr")


def test_nobody_working_the_queue_is_refused(ctx, make, desk):
    case = make.lodge("disclosure", category="policy_breach").case
    with pytest.raises(Conflict) as refused:
        triage(ctx, desk["intake"], case.reference, case.version, WHY, queue="chief_executive")
    assert "Nobody could see this case in Chief Executive" in refused.value.message


def test_the_route_changes_before_the_first_step_with_the_new_intake_deadlines(
        ctx, make, desk, clock):
    """A harassment complaint filed as a disclosure: the harassment deadlines count from the
    day it was received, not from the day it was put right."""
    case = make.lodge("disclosure", category="bullying").case
    assert {c.name for c in case.clocks} == {"acknowledge", "feedback"}
    clock.now += timedelta(days=3)
    version = case.version
    done = triage(ctx, desk["intake"], case.reference, version, WHY,
                  route="harassment", category="sexual_harassment")
    assert (case.route, case.state, done.queue) == ("harassment", "reported", "hr")
    assert done.version == version + 1
    (ack,) = case.clocks
    spec = ctx.runtime.pack.clock("harassment", "acknowledge")
    assert (ack.name, ack.started_on, ack.status) == ("acknowledge", date(2026, 3, 2),
                                                      "running")
    assert ack.due_on == date(2026, 3, 9) and spec.days == 5  # five working days
    assert case.next_due_on == ack.due_on
    (event,) = events(ctx, case, "triaged")
    assert (event.facts["from"]["route"], event.facts["to"]["route"]) == ("disclosure",
                                                                          "harassment")


def test_the_route_cannot_change_once_a_step_is_taken(ctx, make, desk):
    case = make.case("disclosure", path=["acknowledge"], category="bullying")
    with pytest.raises(Conflict) as refused:
        triage(ctx, desk["intake"], case.reference, case.version, WHY, route="harassment",
               category="sexual_harassment")
    assert "before its first step" in refused.value.message
    assert "Assessment" in refused.value.message
    triage(ctx, desk["intake"], case.reference, case.version, WHY, category="policy_breach")
    assert case.category == "policy_breach"


@pytest.mark.parametrize(("changes", "field"), [
    ({"category": "sexual_harassment"}, "category"),  # not a disclosure category
    ({"route": "complaint"}, "route"),
    ({"route": "harassment"}, "category"),  # bullying fits; fraud does not
    ({"department": "marketing"}, "department"),
    ({"queue": "legal"}, "queue"),
    ({"category": "fraud", "reason": " "}, "reason"),
])
def test_what_the_pack_does_not_know_is_invalid(ctx, make, desk, changes, field):
    case = make.lodge("disclosure", category="fraud").case
    reason = changes.pop("reason", WHY)
    with pytest.raises(Invalid) as refused:
        triage(ctx, desk["internal_audit"], case.reference, case.version, reason, **changes)
    assert field in refused.value.fields


def test_nothing_to_change_is_invalid(ctx, make, desk):
    case = make.lodge("disclosure", category="policy_breach").case
    with pytest.raises(Invalid, match="Nothing would change"):
        triage(ctx, desk["intake"], case.reference, case.version, WHY,
               category="policy_breach", queue="intake")


def test_a_stale_version_is_a_conflict(ctx, make, desk):
    case = make.lodge("disclosure", category="bullying").case
    stale = case.version
    fire_transition(ctx, desk["intake"], case.reference, "acknowledge", stale)
    with pytest.raises(StaleVersion):
        triage(ctx, desk["intake"], case.reference, stale, WHY, category="fraud")


def test_only_the_handlers_triage(ctx, make, desk):
    case = make.lodge("disclosure", category="bullying").case
    investigator = make.staff(roles=("investigator",), queues=("intake",))
    with pytest.raises(Forbidden):
        triage(ctx, investigator, case.reference, case.version, WHY, category="fraud")
    with pytest.raises(NotFound):
        triage(ctx, desk["hr"], case.reference, case.version, WHY, category="fraud")
