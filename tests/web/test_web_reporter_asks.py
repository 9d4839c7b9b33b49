"""From the reporter's page: asking to meet in person (EU directive art 9(2)), what a witness
reads instead of the affected person's choices, and the notice before their identity is
released (EU directive art 16(3), NZ Act s 17)."""

from __future__ import annotations

from casework.models import CaseClock
from casework.services.transitions import fire_transition
from tests.web.conftest import page


def sign_in_reporter(browser, reference: str, receipt: str):
    return browser.post("/return", {"reference": reference, "receipt": receipt},
                        token_from="/return")


def test_the_reporter_asks_to_meet_in_person_and_reads_when(browser, make, ctx):
    lodged = make.lodge()
    assert sign_in_reporter(browser, lodged.reference, lodged.receipt).status_code == 303
    mine = page(browser.get("/my-report"))
    assert "Ask to meet in person" in mine and 'action="/my-report/meeting"' in mine
    asked = browser.post("/my-report/meeting", {}, token_from="/my-report")
    assert asked.status_code == 303
    after = page(browser.get("/my-report"))
    assert "You asked to meet in person." in after and "Ask to meet in person" not in after
    assert "should arrange it with you by" in after
    again = browser.post("/my-report/meeting", {}, token_from="/my-report")
    assert again.status_code == 409 and "already asked" in page(again)
    ctx.session.expire_all()
    clocks = ctx.session.query(CaseClock).filter_by(case_id=lodged.case.id, name="meeting")
    assert [c.status for c in clocks] == ["running"]


def test_a_witness_reads_that_the_choice_is_the_affected_persons(browser, make, ctx):
    lodged = make.lodge(route="harassment", category="sexual_harassment", relation="saw")
    boss = make.staff(roles=("intake",), queues=(lodged.case.queue,))
    fire_transition(ctx, boss, lodged.reference, "acknowledge", lodged.case.version)
    assert sign_in_reporter(browser, lodged.reference, lodged.receipt).status_code == 303
    mine = page(browser.get("/my-report"))
    assert "You reported what happened to someone else" in mine
    assert "The person it happened to is being offered their options" in mine
    assert 'value="choose_informal"' not in mine and 'value="withdraw"' in mine
    assert "Ask to meet in person" not in mine  # the directive's meeting: disclosures only


def test_the_reporter_reads_the_notice_before_their_identity_is_released(browser, account,
                                                                         make, ctx):
    lodged = make.lodge(anonymous=False)
    acc = account(("intake",), (lodged.case.queue,))
    assert browser.sign_in(acc).status_code == 303
    ref = lodged.reference
    shown = page(browser.get(f"/staff/cases/{ref}"))
    assert "Tell the reporter their identity is to be released" in shown
    early = browser.post(f"/staff/cases/{ref}/identity/release",
                         {"release-consulted": "consulted"}, token_from=f"/staff/cases/{ref}")
    assert early.status_code == 409 and "Tell the reporter first" in page(early)
    told = browser.post(f"/staff/cases/{ref}/identity/notice", {
        "notice-ground": "legal_obligation",
        "notice-explanation": "The police asked for your name for their investigation."},
        token_from=f"/staff/cases/{ref}")
    assert told.status_code == 303
    assert "Record that it was released" in page(browser.get(f"/staff/cases/{ref}"))

    assert sign_in_reporter(browser, ref, lodged.receipt).status_code == 303
    mine = page(browser.get("/my-report"))
    assert "Before we share who you are" in mine
    assert "the law requires it, for an investigation by the authorities" in mine
    assert "The police asked for your name for their investigation." in mine
    assert "It has not been shared yet." in mine
