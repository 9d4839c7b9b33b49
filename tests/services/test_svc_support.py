"""A complainant's support person (seed 003, NZ Sexual Harassment Guidelines, "Who to approach":
the EAP, a union representative, a colleague or a friend): named on the form or from the
reporter's page where the pack offers it, sealed like the reporter's identity; handlers see only
that there is one; the reporter reads where to find support."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from casework.models import AuditEvent, CaseEvent, CaseParty
from casework.services.access import Reporter
from casework.services.context import Context
from casework.services.errors import Conflict, Invalid
from casework.services.reporter_page import reporter_view
from casework.services.support import SupportInput, name_support_person
from casework.services.transitions import fire_transition
from casework.services.views import case_view
from casework.workflow.policy import load_pack
from tests.factories import Factories

NAME = "Tama Union-Delegate"


@pytest.fixture
def nz(session, runtime) -> tuple[Context, Factories]:
    ctx = Context(session, replace(runtime, pack=load_pack("nz-public-service", runtime.routes)))
    return ctx, Factories(ctx)


def handler_of(make, case):
    return make.staff(roles=("intake", "investigator", "decision_maker"), queues=(case.queue,))


def sealed_party(session, case) -> CaseParty:
    return session.execute(select(CaseParty).where(
        CaseParty.case_id == case.id, CaseParty.kind == "support_person")).scalar_one()


def test_a_support_person_named_on_the_form_is_sealed_and_handlers_see_only_that_there_is_one(
        nz, session):
    ctx, make = nz
    case = make.lodge("harassment", category="sexual_harassment",
                      support_person=SupportInput("union", NAME, "021 555 0100")).case
    assert NAME.encode() not in sealed_party(session, case).details_ct
    view = case_view(ctx, handler_of(make, case), case.reference)
    assert view.support_person is True
    assert NAME not in str(vars(view))
    assert "The reporter named a support person" in " ".join(e["label"] for e in view.timeline)
    mine = reporter_view(ctx, Reporter(case.id))["support"]
    assert mine.named == "Union representative" and mine.may_name
    assert any("Employee Assistance Programme" in line for line in mine.information)
    assert NAME not in str(session.execute(select(CaseEvent.facts).where(
        CaseEvent.case_id == case.id)).scalars().all())


def test_the_reporter_names_or_changes_their_support_person_from_their_page(nz, session):
    ctx, make = nz
    case = make.lodge("harassment", category="bullying").case
    me = Reporter(case.id)
    assert case_view(ctx, handler_of(make, case), case.reference).support_person is False
    assert reporter_view(ctx, me)["support"].named is None
    offer = name_support_person(ctx, me, SupportInput("friend", "A friend"))
    assert offer.named == "Friend or family member"
    offer = name_support_person(ctx, me, SupportInput("eap", "EAP counsellor"))
    assert offer.named == "Employee Assistance Programme (EAP) counsellor"
    sealed_party(session, case)  # still one support person
    assert case_view(ctx, handler_of(make, case), case.reference).support_person is True
    assert "You named a support person." in [
        i["label"] for i in reporter_view(ctx, me)["timeline"]]
    assert session.execute(select(AuditEvent.kind).where(
        AuditEvent.case_id == case.id, AuditEvent.kind == "case:support:name")).first()


@pytest.mark.parametrize("person, field", [
    (SupportInput("lawyer", NAME), "support_person.kind"),
    (SupportInput("union", "  "), "support_person.name"),
    (SupportInput("union", "x" * 201), "support_person.name"),
])
def test_a_support_person_is_one_of_the_packs_kinds_with_a_name(nz, person, field):
    _, make = nz
    with pytest.raises(Invalid) as refused:
        make.lodge("harassment", category="bullying", support_person=person)
    assert field in refused.value.fields


def test_only_the_routes_the_pack_offers_it_on_and_only_while_open(nz, make):
    ctx, nz_make = nz
    with pytest.raises(Invalid) as refused:  # NZ: support on the harassment route only
        nz_make.lodge("disclosure", support_person=SupportInput("union", NAME))
    assert "support_person" in refused.value.fields
    disclosure = nz_make.lodge("disclosure").case
    assert reporter_view(ctx, Reporter(disclosure.id))["support"].information == ()
    with pytest.raises(Conflict):
        name_support_person(ctx, Reporter(disclosure.id), SupportInput("union", NAME))
    closed = nz_make.lodge("harassment", category="bullying").case
    fire_transition(ctx, Reporter(closed.id), None, "withdraw", None, {})
    with pytest.raises(Conflict):
        name_support_person(ctx, Reporter(closed.id), SupportInput("union", NAME))
    uk = make.lodge("harassment").case  # a pack without [support]
    assert make.ctx.runtime.pack.support is None
    with pytest.raises(Conflict):
        name_support_person(make.ctx, Reporter(uk.id), SupportInput("union", NAME))
