"""Routing through the services: queue and sealed reasons at lodging, re-routing, and conflicts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.models import Assignment, AuditEvent, CaseEvent, CaseParty
from casework.services.access import open_case
from casework.services.assignments import add_implicated, assign
from casework.services.errors import Forbidden, Invalid, NotFound
from casework.services.reports import ImplicatedInput
from casework.services.views import case_view, list_cases


@pytest.fixture
def org(make):
    """A Chief Executive, a Monitoring Officer, a Director, a line manager and a reporter."""
    ce = make.person("Chief", roles=["chief_executive"])
    mo = make.person("Monitor", roles=["monitoring_officer"], manager_id=ce)
    director = make.person("Director", roles=["director"], manager_id=ce)
    manager = make.person("Manager", manager_id=director)
    reporter = make.person("Reporter", manager_id=manager)
    return {"ce": ce, "mo": mo, "director": director, "manager": manager, "reporter": reporter}


def sealed_routing(ctx, case) -> dict:
    return ctx.vault(case).open_json("routing", case.id, case.routing_ct)


def test_lodging_stores_the_queue_and_sealed_reasons(ctx, make, org):
    case = make.lodge(category="health_and_safety", implicated=[org["ce"]]).case
    assert case.queue == "monitoring_officer"
    assert b"Chief Executive" not in case.routing_ct  # sealed, not plaintext
    officer = make.staff(roles=("intake",), queues=("monitoring_officer",))
    view = case_view(ctx, officer, case.reference)
    assert view.queue == "monitoring_officer"
    assert view.routing_reasons == [
        "routed to Monitoring Officer because: the Chief Executive is implicated "
        "(code of conduct 5.4)"]


@pytest.mark.parametrize("route, category, queue", [
    ("disclosure", "health_and_safety", "intake"),
    ("disclosure", "fraud", "internal_audit"),
    ("disclosure", "criminal_offence", "monitoring_officer"),
    ("harassment", "sexual_harassment", "hr"),
])
def test_lodging_routes_by_category(ctx, make, route, category, queue):
    case = make.lodge(route, category=category).case
    assert case.queue == queue
    member = make.staff(roles=("intake",), queues=(queue,))
    assert case_view(ctx, member, case.reference).routing_reasons[0].startswith(
        f"{ctx.runtime.pack.queues[queue].label}: " if queue in ("intake", "hr")
        else f"routed to {ctx.runtime.pack.queues[queue].label} because: ")


def test_line_manager_implicated_goes_to_hr_with_the_one_up_manager(ctx, make, org):
    """Where staff recorded the report (they met the reporter, so who they are is known);
    a reporter's own claim never moves a case (tests/services/test_svc_typed_names.py)."""
    clerk = make.user(roles=("intake",), queues=("intake",))
    case = make.lodge(category="health_and_safety", implicated=[org["manager"]],
                      reporter_person=org["reporter"], anonymous=False,
                      recorded_by=clerk.id).case
    assert case.queue == "hr"
    assert sealed_routing(ctx, case)["escalate_to"] == org["director"]


def test_a_reporters_own_claim_keeps_the_case_where_it_would_go_but_notes_the_manager(
        ctx, make, org):
    case = make.lodge(category="health_and_safety", implicated=[org["manager"]],
                      reporter_person=org["reporter"], anonymous=False).case
    assert case.queue == "intake"
    assert sealed_routing(ctx, case)["escalate_to"] == org["director"]


def test_an_anonymous_reporters_manager_is_not_looked_up(ctx, make, org):
    case = make.lodge(category="health_and_safety", implicated=[org["manager"]],
                      reporter_person=org["reporter"], anonymous=True).case
    assert case.queue == "intake"
    assert sealed_routing(ctx, case)["escalate_to"] is None


def test_adding_an_implicated_person_routes_the_case_again(ctx, make, org):
    case = make.lodge(category="health_and_safety").case
    handler = make.staff(roles=("intake",), queues=("intake",))
    make.staff(roles=("intake",), queues=("monitoring_officer",))  # someone to take it there
    add_implicated(ctx, handler, case.reference, [ImplicatedInput(person_id=org["ce"])])
    assert case.queue == "monitoring_officer"
    routed = ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "routed")
        .order_by(CaseEvent.seq)).scalars().all()
    assert [e.facts for e in routed] == [
        {"queue": "intake", "from": "intake"},
        {"queue": "monitoring_officer", "from": "intake"}]
    assert "the Chief Executive is implicated" in sealed_routing(ctx, case)["reasons"][0]
    audited = ctx.session.execute(select(AuditEvent.details).where(
        AuditEvent.case_id == case.id, AuditEvent.kind == "case:routing:decide")
        .order_by(AuditEvent.seq)).scalars().all()
    assert audited[-1]["queue"] == "monitoring_officer"
    # The intake officer no longer reaches it through their queue.
    with pytest.raises(NotFound):
        open_case(ctx, handler, case.reference)


def test_adding_the_monitoring_officer_moves_a_ce_case_to_the_external_body(ctx, make, org):
    case = make.lodge(category="health_and_safety", implicated=[org["ce"]]).case
    officer = make.staff(roles=("intake",), queues=("monitoring_officer",))
    add_implicated(ctx, officer, case.reference, [ImplicatedInput(person_id=org["mo"])])
    assert case.queue == "external"


def test_adding_an_implicated_person_ends_their_assignment(ctx, make, org):
    case = make.lodge(category="health_and_safety").case
    handler = make.staff(roles=("intake",), queues=("intake",))
    suspect_person = make.person("Investigator Suspect")
    suspect = make.user(roles=("investigator",), queues=(), person_id=suspect_person)
    other = make.user(roles=("investigator",), queues=())
    assign(ctx, handler, case.reference, suspect.id)
    assign(ctx, handler, case.reference, other.id)
    open_case(ctx, make.actor(suspect), case.reference)  # visible while assigned

    add_implicated(ctx, handler, case.reference, [ImplicatedInput(person_id=suspect_person)])
    ended = {a.user_id: a.ended_at for a in ctx.session.execute(
        select(Assignment).where(Assignment.case_id == case.id)).scalars()}
    assert ended[suspect.id] == ctx.now and ended[other.id] is None
    assert case.queue == "intake"  # a plain person changes no queue
    with pytest.raises(NotFound):
        open_case(ctx, make.actor(suspect), case.reference)
    open_case(ctx, make.actor(other), case.reference)


def test_free_text_implicated_names_do_not_reroute(ctx, make):
    case = make.lodge(category="health_and_safety").case
    handler = make.staff(roles=("intake",), queues=("intake",))
    add_implicated(ctx, handler, case.reference,
                   [ImplicatedInput(name="Someone", role="Chief Executive")])
    assert case.queue == "intake"


def test_a_case_implicating_the_ce_is_invisible_to_the_ce_account(ctx, make, org):
    ce_user = make.user(roles=("intake", "investigator", "decision_maker"),
                        queues=("intake", "monitoring_officer"), person_id=org["ce"])
    ce = make.actor(ce_user)
    hidden = make.lodge(category="health_and_safety", implicated=[org["ce"]]).case
    plain = make.lodge(category="health_and_safety").case
    illegal = make.lodge(category="criminal_offence").case
    assert hidden.queue == illegal.queue == "monitoring_officer"

    with pytest.raises(NotFound):
        open_case(ctx, ce, hidden.reference)
    with pytest.raises(NotFound):
        case_view(ctx, ce, hidden.reference)
    listed = {i["reference"] for i in list_cases(ctx, ce, per_page=500).items}
    assert hidden.reference not in listed
    assert {plain.reference, illegal.reference} <= listed
    in_mo = list_cases(ctx, ce, queue="monitoring_officer", per_page=500)
    assert illegal.reference in {i["reference"] for i in in_mo.items}
    assert hidden.reference not in {i["reference"] for i in in_mo.items}
    assert in_mo.total == len(in_mo.items)  # the count does not betray the hidden case


def test_the_ce_loses_a_case_the_moment_they_are_implicated(ctx, make, org):
    ce = make.staff(roles=("intake",), queues=("intake", "monitoring_officer"),
                    person_id=org["ce"])
    handler = make.staff(roles=("intake",), queues=("intake",))
    case = make.lodge(category="health_and_safety").case
    open_case(ctx, ce, case.reference)
    add_implicated(ctx, handler, case.reference, [ImplicatedInput(person_id=org["ce"])])
    with pytest.raises(NotFound):
        open_case(ctx, ce, case.reference)
    assert case.reference not in {i["reference"] for i in list_cases(ctx, ce).items}


@pytest.mark.parametrize("person, field", [
    (ImplicatedInput(person_id=987654), "implicated[0].person_id"),
    (ImplicatedInput(name="   "), "implicated[0]"),
])
def test_adding_someone_unknown_is_refused_and_changes_nothing(ctx, make, person, field):
    case = make.lodge(category="health_and_safety").case
    handler = make.staff(roles=("intake",), queues=("intake",))
    version = case.version
    with pytest.raises(Invalid) as info:
        add_implicated(ctx, handler, case.reference, [person])
    assert field in info.value.fields
    assert case.version == version
    assert not ctx.session.execute(select(CaseParty).where(
        CaseParty.case_id == case.id, CaseParty.kind == "implicated")).first()


def test_naming_the_same_person_twice_adds_one_party(ctx, make, org):
    case = make.lodge(category="health_and_safety", implicated=[org["manager"]]).case
    handler = make.staff(roles=("intake",), queues=("intake",))
    add_implicated(ctx, handler, case.reference, [ImplicatedInput(person_id=org["manager"])] * 2)
    assert len(ctx.session.execute(select(CaseParty).where(
        CaseParty.case_id == case.id, CaseParty.kind == "implicated")).all()) == 1


def test_only_a_handler_may_name_people(ctx, make, org):
    case = make.lodge(category="health_and_safety").case
    investigator = make.user(roles=("investigator",), queues=())
    assign(ctx, make.staff(roles=("intake",), queues=("intake",)), case.reference,
           investigator.id)
    with pytest.raises(Forbidden):
        add_implicated(ctx, make.actor(investigator), case.reference,
                       [ImplicatedInput(person_id=org["ce"])])
    assert case.queue == "intake"
