"""A pack's optional questions on the report form (New Zealand, Protected Disclosures Act 2022
s 13(1)(c): has the discloser raised it anywhere else, and with what outcome): the answer is
sealed with the report, shown to those handling it and to the reporter; the handler records
the check with the discloser's answer as the milestone's note."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from casework.models import Case, CaseEvent
from casework.services.access import Reporter
from casework.services.clocks import record_milestone, recorded_milestones
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.reporter_page import reporter_view
from casework.services.views import case_view
from casework.workflow.policy import load_pack
from tests.factories import Factories

ANSWER = "I told the Ombudsman in May; they have not replied yet."


@pytest.fixture
def nz(session, runtime) -> tuple[Context, Factories]:
    ctx = Context(session, replace(runtime, pack=load_pack("nz-public-service", runtime.routes)))
    return ctx, Factories(ctx)


def handler_of(make, case: Case):
    return make.staff(roles=("intake", "investigator", "decision_maker"), queues=(case.queue,))


def test_the_disclosers_answer_on_where_else_is_sealed_and_shown(nz, session):
    ctx, make = nz
    case = make.lodge(answers={"made_elsewhere": f"  {ANSWER} "}).case
    boss = handler_of(make, case)
    view = case_view(ctx, boss, case.reference)
    asked = ctx.runtime.pack.questions["made_elsewhere"].label
    assert view.answers == [{"key": "made_elsewhere", "label": asked, "text": ANSWER}]
    assert reporter_view(ctx, Reporter(case.id))["report"]["answers"] == view.answers
    stored = session.execute(select(Case.content_ct).where(Case.id == case.id)).scalar_one()
    assert ANSWER.encode() not in stored  # sealed with the report
    # The check with the discloser is recorded with their answer (required), sealed.
    with pytest.raises(Invalid) as refused:
        record_milestone(ctx, boss, case.reference, "checked_made_elsewhere", case.version)
    assert set(refused.value.fields) == {"note"}
    said = "Confirmed: the Ombudsman only; no outcome yet."
    record_milestone(ctx, boss, case.reference, "checked_made_elsewhere", case.version, said)
    assert [m.note for m in recorded_milestones(ctx, case)] == [said]
    event = session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                    CaseEvent.kind == "milestone")).scalar_one()
    assert said.encode() not in event.fields_ct and said not in str(event.facts)


def test_a_blank_answer_is_no_answer(nz):
    ctx, make = nz
    case = make.lodge(answers={"made_elsewhere": "   "}).case
    assert case_view(ctx, handler_of(make, case), case.reference).answers == []


@pytest.mark.parametrize("route, answers, problem", [
    ("harassment", {"made_elsewhere": ANSWER}, "another kind of report"),
    ("disclosure", {"made_somewhere": ANSWER}, "not something this form asks"),
    ("disclosure", {"made_elsewhere": "x" * 2001}, "at most 2000"),
])
def test_only_the_packs_questions_on_their_routes_are_answered(nz, route, answers, problem):
    _, make = nz
    with pytest.raises(Invalid) as refused:
        make.lodge(route, answers=answers)
    (field, message), = refused.value.fields.items()
    assert field == f"answers.{next(iter(answers))}" and problem in message


def test_a_pack_without_the_question_refuses_the_answer(make):
    with pytest.raises(Invalid):
        make.lodge(answers={"made_elsewhere": ANSWER})
