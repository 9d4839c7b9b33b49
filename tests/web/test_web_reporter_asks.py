"""From the reporter's page: asking to meet in person (EU directive art 9(2)), and what a
witness reads instead of the affected person's choices."""

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
