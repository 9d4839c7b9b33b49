"""Zero tolerance and referrals (issue 14): an `immediate` category alerts the queue's owner and
the head of the organisation at once (never someone implicated); a referral is a record that
keeps the case open; a possible offence, or a report found malicious, asks for the referral
decision until it is recorded; a malicious finding schedules no check-ins to its reporter."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from casework.models import AuditEvent, CaseEvent, CheckIn, Notification, User
from casework.services.clocks import record_milestone
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.escalation import escalated_to
from casework.services.mail import compose
from casework.services.referrals import decisions_due, record_referral, referrals_of
from casework.services.transitions import fire_transition
from casework.services.triage import triage
from casework.services.views import case_view
from casework.workflow.policy import load_pack
from tests.factories import FIELDS, Factories

POLICE = "New Zealand Police, where a crime is alleged"
NUMBER = "P0123456789"
RESPONSE = ("Told on 3 March by General Counsel, who judged it safe to; she denies it and "
            "says she was not at the school that day.")
WHY_NOT = "The money was returned before anyone knew: the Police said they would not act."


@pytest.fixture
def nz(session, runtime):
    """A context and factories under the New Zealand pack."""
    ctx = Context(session, replace(runtime, pack=load_pack("nz-public-service",
                                                           runtime.routes)))
    return ctx, Factories(ctx)


def people(make):
    """The Chief Executive, the General Counsel and a handler of the intake queue, with
    accounts in the queues they own (as the directory and grants would set them up)."""
    ce = make.person("Chief Executive", roles=("chief_executive",))
    mo = make.person("General Counsel", roles=("monitoring_officer",))
    ce_user = make.user(roles=("intake",), queues=("chief_executive",), person_id=ce)
    mo_user = make.user(roles=("intake",), queues=("monitoring_officer",), person_id=mo)
    return ce, mo, ce_user, mo_user


def alerts(ctx, case) -> dict[int, str]:
    return dict(ctx.session.execute(select(Notification.user_id, Notification.kind).where(
        Notification.case_id == case.id, Notification.kind == "case_escalated")).all())


def test_a_zero_tolerance_report_alerts_the_head_of_the_organisation_at_once(nz):
    ctx, make = nz
    _, _, ce_user, _ = people(make)
    case = make.lodge(category="child_abuse").case
    assert case.queue == "chief_executive"
    assert alerts(ctx, case) == {ce_user.id: "case_escalated"}
    board = escalated_to(ctx, make.actor(ce_user))
    assert [(e.reference, e.category) for e in board] == [(case.reference, "child_abuse")]
    letter = compose("case_escalated", {}, "https://cw.example")
    assert "escalated at once" in letter.body and case.reference not in letter.body
    kinds = ctx.session.execute(select(AuditEvent.kind).where(
        AuditEvent.case_id == case.id)).scalars().all()
    assert "case:escalate:immediate" in kinds
    labels = [t["label"] for t in case_view(ctx, make.actor(ce_user), case.reference).timeline]
    assert any(label.startswith("Escalated at once") for label in labels)


def test_an_implicated_head_of_the_organisation_is_never_alerted(nz):
    ctx, make = nz
    ce, _, ce_user, mo_user = people(make)
    case = make.lodge(category="theft", implicated=[ce]).case
    assert case.queue == "monitoring_officer"
    assert alerts(ctx, case) == {mo_user.id: "case_escalated"}  # the queue's owner only
    assert escalated_to(ctx, make.actor(ce_user)) == []


def test_only_categories_the_pack_flags_immediate_alert(nz):
    ctx, make = nz
    people(make)
    flagged = {c.key for c in ctx.runtime.pack.categories.values() if "immediate" in c.flags}
    # The Code of Conduct's Zero Tolerance list: removing the flag from the pack fails this.
    assert flagged == {"child_abuse", "theft", "information_disclosure"}
    case = make.lodge(category="offence").case
    assert alerts(ctx, case) == {}


@pytest.mark.parametrize(("pack", "categories"), [
    ("nz-public-service", {"offence", "child_abuse", "theft", "information_disclosure",
                           "sexual_assault"}),
    ("uk-council", {"bribery_corruption", "criminal_offence", "abuse_of_vulnerable"}),
    ("vic-public-sector", {"corrupt_conduct", "criminal_offence"}),
    ("au-commonwealth-agency", {"corruption", "contravention_of_law"}),
    ("canada-federal", {"contravention_of_law"}),
])
def test_each_pack_flags_its_possible_offences(runtime, pack, categories):
    found = load_pack(pack, runtime.routes).categories.values()
    assert {c.key for c in found if "possible_offence" in c.flags} == categories


def test_a_police_referral_is_recorded_and_the_case_stays_open(nz, clock):
    ctx, make = nz
    _, _, ce_user, _ = people(make)
    ce = make.actor(ce_user)
    case = make.lodge(category="child_abuse").case
    assert decisions_due(ctx, case) == ["possible_offence"]
    assert case_view(ctx, ce, case.reference).referrals_due == ["possible_offence"]
    record_referral(ctx, ce, case.reference, body=POLICE, number=NUMBER,
                    matter="possible_offence", version=case.version)
    assert case.is_open and case.state == "received"
    assert decisions_due(ctx, case) == []
    [record] = referrals_of(ctx, case)
    assert (record.referred, record.body, record.reference, record.made_on, record.by) == (
        True, POLICE, NUMBER, clock.now.date(), ce_user.name)
    event = ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "referral")).scalar_one()
    assert NUMBER.encode() not in event.fields_ct and NUMBER not in str(event.facts)
    labels = [t["label"] for t in case_view(ctx, ce, case.reference).timeline]
    assert f"Referred to {POLICE}; the case stays open" in labels
    assert "case:referral:record" in ctx.session.execute(select(AuditEvent.kind).where(
        AuditEvent.case_id == case.id)).scalars().all()


def test_not_referring_needs_a_reason_and_a_referral_a_body_the_pack_names(nz):
    ctx, make = nz
    _, _, ce_user, _ = people(make)
    ce = make.actor(ce_user)
    case = make.lodge(category="theft").case
    with pytest.raises(Invalid) as refused:
        record_referral(ctx, ce, case.reference, referred=False, matter="possible_offence")
    assert refused.value.fields == {"reason": "required"}
    with pytest.raises(Invalid) as refused:
        record_referral(ctx, ce, case.reference, body="Interpol", matter="possible_offence")
    assert set(refused.value.fields) == {"body"}
    assert decisions_due(ctx, case) == ["possible_offence"]
    record_referral(ctx, ce, case.reference, referred=False, reason=WHY_NOT,
                    matter="possible_offence")
    [record] = referrals_of(ctx, case)
    assert (record.referred, record.body, record.reason) == (False, None, WHY_NOT)
    assert decisions_due(ctx, case) == []


def test_sexual_assault_on_the_harassment_route_asks_for_the_police_decision(nz):
    ctx, make = nz
    case = make.lodge(route="harassment", category="sexual_assault").case
    assert decisions_due(ctx, case) == ["possible_offence"]
    assert decisions_due(ctx, make.lodge(route="harassment",
                                         category="sexual_harassment").case) == []


@pytest.mark.parametrize(("pack", "category", "body"), [
    # NZ Code of Conduct, Our Role: a third party to resolve issues, the case still open.
    ("nz-public-service", "maladministration",
     "A mediator or other third party agreed with the parties (Our Role)"),
    # NACC Act 2022 (Cth), s 33: the referral to the Commission does not end the agency's case.
    ("au-commonwealth-agency", "corruption", "The National Anti-Corruption Commission"),
    # TBS guide for Senior Officials: the Ombudsperson supports them (seed 004).
    ("canada-federal", "gross_mismanagement", "The Ombudsperson"),
])
def test_a_referral_from_the_packs_list_keeps_the_case_open(session, runtime, pack, category,
                                                             body):
    ctx = Context(session, replace(runtime, pack=load_pack(pack, runtime.routes)))
    make = Factories(ctx)
    case = make.case(path=["acknowledge"], category=category)
    boss = make.staff(roles=("intake",), queues=(case.queue,))
    assert body in ctx.runtime.pack.referral_bodies
    due = decisions_due(ctx, case)
    record_referral(ctx, boss, case.reference, body=body, number="EA/77",
                    matter=due[0] if due else None)
    assert case.is_open and case.state == "assessment"
    assert [(r.body, r.reference) for r in referrals_of(ctx, case)] == [(body, "EA/77")]
    assert decisions_due(ctx, case) == []


OMBUDSMAN = "The Office of the Ombudsman"


def test_the_reporter_is_told_of_a_referral_only_when_the_handler_chooses(nz, clock):
    """NZ Act s 13(1)(e), s 16: a referral to an appropriate authority from the pack's own list
    keeps the case open, and the discloser can be told where it went and when (never the body's
    reference number or the handler's note)."""
    from casework.services.reporter_page import reporter_timeline

    ctx, make = nz
    case = make.case(path=["acknowledge"], category="maladministration")
    boss = make.staff(roles=("intake",), queues=(case.queue,))
    record_referral(ctx, boss, case.reference, body=OMBUDSMAN, number="OMB-1",
                    reason="a private note for colleagues")
    route = ctx.route(case.route)
    told = [t["label"] for t in reporter_timeline(ctx, case, route)]
    assert not [t for t in told if "referred" in t]
    record_referral(ctx, boss, case.reference, body=OMBUDSMAN, number="OMB-2",
                    reason="a private note for colleagues", tell_reporter=True)
    told = [t["label"] for t in reporter_timeline(ctx, case, route)]
    assert [t for t in told if "referred" in t] == [
        f"Your report was referred to {OMBUDSMAN} on 2 March 2026. We are still dealing with it."]
    assert not [t for t in told if "OMB" in t or "private note" in t]
    assert case.is_open and case.state == "assessment"
    assert [r.told_reporter for r in referrals_of(ctx, case)] == [False, True]
    with pytest.raises(Invalid) as refused:
        record_referral(ctx, boss, case.reference, referred=False, reason=WHY_NOT,
                        tell_reporter=True)
    assert set(refused.value.fields) == {"tell_reporter"}


MALICIOUS = ["acknowledge", "accept_for_investigation"]


def _malicious(ctx, make):
    case = make.case(path=MALICIOUS, anonymous=False)
    boss = make.staff(roles=("intake", "investigator", "decision_maker"), queues=(case.queue,))
    for key, fields in [("record_findings", {"finding": "malicious", "reason": "invented"}),
                        ("record_action", FIELDS["record_action"]),
                        ("give_feedback", FIELDS["give_feedback"])]:
        fire_transition(ctx, boss, case.reference, key, case.version, fields)
    return case, boss


def test_a_malicious_finding_schedules_no_check_ins_and_asks_the_disciplinary_decision(ctx,
                                                                                      make):
    case, boss = _malicious(ctx, make)
    assert case.outcome == "malicious" and not case.is_open
    assert ctx.session.execute(select(CheckIn).where(CheckIn.case_id == case.id)).all() == []
    assert decisions_due(ctx, case) == ["malicious_report"]
    record_referral(ctx, boss, case.reference, body="The disciplinary procedure",
                    matter="malicious_report")
    assert decisions_due(ctx, case) == []


def test_another_finding_still_schedules_check_ins(ctx, make):
    case = make.case(path=[*MALICIOUS, "record_findings", "record_action", "give_feedback"],
                     anonymous=False)
    assert len(ctx.session.execute(select(CheckIn).where(
        CheckIn.case_id == case.id)).all()) == len(set(ctx.runtime.pack.aftercare_months))
    assert decisions_due(ctx, case) == []


@pytest.mark.parametrize("route", ["disclosure", "harassment"])
def test_natural_justice_is_a_milestone_on_both_routes(nz, route):
    ctx, make = nz
    case = make.lodge(route=route).case
    boss = make.staff(roles=("intake",), queues=(case.queue,))
    with pytest.raises(Invalid) as refused:
        record_milestone(ctx, boss, case.reference, "subject_informed", case.version)
    assert refused.value.fields == {"note": "required"}
    record_milestone(ctx, boss, case.reference, "subject_informed", case.version, RESPONSE)
    [event] = ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "milestone")).scalars().all()
    assert event.facts == {"milestone": "subject_informed"}
    assert RESPONSE.encode() not in event.fields_ct
    [record] = case_view(ctx, boss, case.reference).milestones_recorded
    name = ctx.session.get(User, boss.user_id).name
    assert (record.key, record.by, record.note, record.at) == (
        "subject_informed", name, RESPONSE, event.at)


def test_a_report_put_right_at_triage_as_zero_tolerance_escalates_then(nz):
    ctx, make = nz
    _, _, ce_user, _ = people(make)
    case = make.lodge(category="public_funds").case
    assert alerts(ctx, case) == {}
    boss = make.staff(roles=("intake",), queues=(case.queue,))
    triage(ctx, boss, case.reference, case.version, "It is theft of Ministry money",
           category="theft")
    assert case.queue == "chief_executive"
    assert alerts(ctx, case) == {ce_user.id: "case_escalated"}
