"""A person named by typing, not picking, is protected as if picked: the case is hidden from
them and routed by their roles, and intake is told which typed name matched whom and why
(audited). A reporter's claim to be a directory person hides the case from that person but
never moves it away from the queue it would otherwise reach."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.models import AuditEvent
from casework.services.access import open_case
from casework.services.assignments import add_implicated
from casework.services.audit import Kind
from casework.services.errors import NotFound
from casework.services.reports import ImplicatedInput, NewReport, ReporterInput, lodge_report
from casework.services.routing import CLAIM_KEPT
from casework.services.views import case_view


@pytest.fixture
def ce(make):
    """The Chief Executive, in the directory and with an account that handles cases."""
    person = make.person("Jonathan Smith", roles=["chief_executive"], position="Chief Executive")
    user = make.user(roles=("intake", "investigator", "decision_maker"),
                     queues=("intake", "monitoring_officer"), person_id=person)
    return person, make.actor(user)


def matches(ctx, case) -> list[dict]:
    return [e.details for e in ctx.session.execute(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.kind == str(Kind.NAME_MATCH))).scalars()]


@pytest.mark.parametrize(("name", "role"), [
    ("Jonathan Smith", "Chief Executive"), ("J. Smith", None), ("jon smith", None),
    ("Someone", "the chief executive"), ("JONATHAN SMITH", "CEO")])
def test_a_typed_name_hides_the_case_from_that_person_as_if_picked(ctx, make, ce, name, role):
    person, ce_actor = ce
    case = make.lodge(category="health_and_safety").case
    lodged = lodge_report(ctx, NewReport(
        route="disclosure", category="health_and_safety", summary="s", details="d",
        implicated=(ImplicatedInput(name=name, role=role),))).case
    picked = make.lodge(category="health_and_safety", implicated=[person]).case
    assert lodged.queue == picked.queue == "monitoring_officer"  # routed by the CE's role
    with pytest.raises(NotFound):
        open_case(ctx, ce_actor, lodged.reference)
    open_case(ctx, ce_actor, case.reference)  # an unrelated case stays visible
    [audited] = matches(ctx, lodged)
    assert audited["typed_party"] and audited["party"] and audited["rules"]
    assert "Smith" not in str(audited)  # the trail holds ids and rule names, never names


def test_intake_is_told_which_typed_name_matched_whom_and_why(ctx, make, ce):
    person, _ = ce
    lodged = make.lodge(category="health_and_safety", implicated=["J. Smith"]).case
    officer = make.staff(roles=("intake",), queues=("monitoring_officer",))
    people = case_view(ctx, officer, lodged.reference).implicated
    found = [p for p in people if p["person_id"] == person]
    assert found and found[0]["name"] == "Jonathan Smith"
    assert found[0]["matched"]["name"] == "J. Smith"
    assert "initial of the first name" in found[0]["matched"]["evidence"]
    assert any(p["name"] == "J. Smith" and p["person_id"] is None for p in people)


def test_a_typed_name_added_later_by_a_handler_is_matched_too(ctx, make, ce):
    _, ce_actor = ce
    case = make.lodge(category="health_and_safety").case
    handler = make.staff(roles=("intake",), queues=("intake",))
    make.staff(roles=("intake",), queues=("monitoring_officer",))
    add_implicated(ctx, handler, case.reference, [ImplicatedInput(name="Jon Smith")])
    assert case.queue == "monitoring_officer"
    with pytest.raises(NotFound):
        open_case(ctx, ce_actor, case.reference)
    assert len(matches(ctx, case)) == 1


def test_a_name_that_matches_nobody_changes_nothing(ctx, make, ce):
    _, ce_actor = ce
    case = make.lodge(category="health_and_safety", implicated=["Peter Smith"]).case
    assert case.queue == "intake" and not matches(ctx, case)
    open_case(ctx, ce_actor, case.reference)


@pytest.fixture
def chain(make):
    """A line manager who holds the HR manager's role, and someone they manage."""
    manager = make.person("Harriet Rule", roles=["hr_manager"])
    worker = make.person("Wendy Worker", manager_id=manager)
    return manager, worker


def claim(ctx, worker, implicated, recorded_by=None):
    return lodge_report(ctx, NewReport(
        route="disclosure", category="health_and_safety", summary="s", details="d",
        anonymous=False, reporter=ReporterInput(name="W", person_id=worker),
        implicated=(ImplicatedInput(person_id=implicated),), recorded_by=recorded_by)).case


def test_a_reporters_claim_never_moves_the_case_from_its_queue(ctx, make, chain):
    manager, worker = chain
    case = claim(ctx, worker, manager)
    assert case.queue == "intake"  # where it goes without the claim
    officer = make.staff(roles=("intake",), queues=("intake",))
    reasons = case_view(ctx, officer, case.reference).routing_reasons
    assert any(CLAIM_KEPT in r for r in reasons)


def test_a_claim_staff_recorded_may_route_by_the_policy(ctx, make, chain):
    manager, worker = chain
    clerk = make.user(roles=("intake",), queues=("intake",))
    case = claim(ctx, worker, manager, recorded_by=clerk.id)
    assert case.queue != "intake"  # the line-manager rule applies (code of conduct 5.3)


def test_a_case_is_hidden_from_the_person_its_reporter_claims_to_be(ctx, make, chain):
    manager, worker = chain
    worker_user = make.user(roles=("intake",), queues=("intake",), person_id=worker)
    case = claim(ctx, worker, manager)
    with pytest.raises(NotFound):
        open_case(ctx, make.actor(worker_user), case.reference)
