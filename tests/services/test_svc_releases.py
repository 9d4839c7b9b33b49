"""Releasing the reporter's identity: only on a ground the pack names (NZ Act s 17, EU directive
art 16), never before the reporter's page has told them, with the reasons (art 16(3)), and with
the consultation the ground asks for recorded."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from casework.models import CaseEvent
from casework.services.access import Reporter
from casework.services.context import Context
from casework.services.errors import Conflict, Forbidden, Invalid
from casework.services.releases import give_release_notice, record_release
from casework.services.reporter_page import reporter_view
from casework.workflow.policy import load_pack
from tests.factories import Factories


def handler_of(make, case):
    return make.staff(roles=("intake",), queues=(case.queue,))


def released(ctx, case) -> list[dict]:
    return [e.facts for e in ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "identity_released")).scalars()]


def test_the_reporter_is_told_before_their_identity_is_released(ctx, make):
    case = make.lodge(anonymous=False).case
    handler = handler_of(make, case)
    with pytest.raises(Conflict, match="Tell the reporter first"):
        record_release(ctx, handler, case.reference, "consulted")
    give_release_notice(ctx, handler, case.reference, "legal_obligation",
                        "The police asked for your name for their investigation.")
    (notice,) = reporter_view(ctx, Reporter(case.id))["release_notices"]
    assert notice["because"].startswith("the law requires it")
    assert notice["explanation"] == "The police asked for your name for their investigation."
    assert notice["released_on"] is None
    with pytest.raises(Invalid) as refused:
        record_release(ctx, handler, case.reference, None)
    assert set(refused.value.fields) == {"consulted"}
    record_release(ctx, handler, case.reference, "not_practicable")
    assert released(ctx, case) == [{"ground": "legal_obligation", "consulted": "not_practicable"}]
    assert reporter_view(ctx, Reporter(case.id))["release_notices"][0]["released_on"]
    with pytest.raises(Conflict):  # a second release needs a second notice
        record_release(ctx, handler, case.reference, "consulted")


def test_only_the_packs_grounds_and_an_explanation_are_accepted(ctx, make):
    case = make.lodge(anonymous=False).case
    with pytest.raises(Invalid) as refused:
        give_release_notice(ctx, handler_of(make, case), case.reference, "curiosity", " ")
    assert set(refused.value.fields) == {"ground", "explanation"}


def test_consent_needs_no_consultation_and_anonymous_reports_have_nothing_to_release(ctx, make):
    case = make.lodge(anonymous=False).case
    handler = handler_of(make, case)
    give_release_notice(ctx, handler, case.reference, "consent", "You agreed by phone.")
    record_release(ctx, handler, case.reference, None)
    assert released(ctx, case) == [{"ground": "consent"}]
    anonymous = make.lodge().case
    with pytest.raises(Conflict, match="anonymous"):
        give_release_notice(ctx, handler_of(make, anonymous), anonymous.reference, "consent",
                            "x")


def test_an_investigator_who_may_not_see_the_identity_may_not_release_it(ctx, make):
    case = make.lodge(anonymous=False).case
    investigator = make.staff(roles=("investigator",), queues=(case.queue,))
    with pytest.raises(Forbidden):
        give_release_notice(ctx, investigator, case.reference, "consent", "x")


def test_the_nz_pack_names_the_grounds_of_section_17(session, runtime):
    ctx = Context(session, replace(runtime, pack=load_pack("nz-public-service", runtime.routes)))
    grounds = ctx.runtime.pack.release_grounds
    assert list(grounds) == ["consent", "effective_investigation", "serious_risk",
                             "natural_justice", "law_enforcement"]
    assert [g.consult for g in grounds.values()] == [False, True, True, True, True]
    make = Factories(ctx)
    case = make.lodge(anonymous=False).case
    handler = handler_of(make, case)
    give_release_notice(ctx, handler, case.reference, "natural_justice", "So they can answer.")
    record_release(ctx, handler, case.reference, "consulted")
    assert released(ctx, case) == [{"ground": "natural_justice", "consulted": "consulted"}]


#: Each pack's grounds for releasing a discloser's identity, from its statute (EU-09).
STATUTE_GROUNDS = {
    "au-commonwealth-agency": (["purposes_of_act", "oversight_functions", "another_law",
                                "consent", "published"],
                               {"Public Interest Disclosure Act 2013 (Cth), s 20(3)"}),
    "vic-public-sector": (["functions_under_act", "offence_proceeding", "disciplinary_process",
                           "not_a_complaint"],
                          {"Public Interest Disclosures Act 2012 (Vic), s 54(2)(a)",
                           "Public Interest Disclosures Act 2012 (Vic), s 54(2)(c)",
                           "Public Interest Disclosures Act 2012 (Vic), s 54(2)(d)",
                           "Public Interest Disclosures Act 2012 (Vic), s 53(2)(c)"}),
    "canada-federal": (["consent", "another_act", "procedural_fairness"],
                       {"Privacy Act (R.S.C. 1985, c. P-21), s 8(1)",
                        "Public Servants Disclosure Protection Act, s 11(1)(a)"}),
}


@pytest.mark.parametrize("name", sorted(STATUTE_GROUNDS))
def test_the_australian_victorian_and_canadian_packs_release_only_with_notice_on_their_grounds(
        session, runtime, name):
    ctx = Context(session, replace(runtime, pack=load_pack(name, runtime.routes)))
    keys, sources = STATUTE_GROUNDS[name]
    grounds = ctx.runtime.pack.release_grounds
    assert list(grounds) == keys
    assert {g.source for g in grounds.values()} == sources
    assert not any(g.consult for g in grounds.values())  # none of these Acts asks it
    make = Factories(ctx)
    case = make.lodge(anonymous=False).case
    handler = handler_of(make, case)
    with pytest.raises(Conflict, match="Tell the reporter first"):
        record_release(ctx, handler, case.reference, None)
    give_release_notice(ctx, handler, case.reference, keys[-1], "Why, in plain words.")
    (notice,) = reporter_view(ctx, Reporter(case.id))["release_notices"]
    assert notice["because"] == grounds[keys[-1]].reporter_label
    record_release(ctx, handler, case.reference, None)
    assert released(ctx, case) == [{"ground": keys[-1]}]
