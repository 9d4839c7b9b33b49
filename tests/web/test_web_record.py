"""The case record on the pages: decisions and feedback for staff, feedback and a confirmed
withdrawal for the reporter."""

from __future__ import annotations

from casework.models import Case
from tests.factories import FIELDS
from tests.web.conftest import page

FEEDBACK = "Thank you. The contract was re-tendered."


def version_of(ctx, case) -> str:
    ctx.session.expire_all()
    return str(ctx.session.get(Case, case.id).version)


def sign_in_reporter(browser, reference: str, receipt: str):
    return browser.post("/return", {"reference": reference, "receipt": receipt},
                        token_from="/return")


def test_feedback_written_by_a_handler_reaches_the_reporter(browser, handler, make, ctx):
    lodged = make.lodge("disclosure", category="policy_breach")
    case = lodged.case
    for key in ("acknowledge", "accept_for_investigation", "record_findings", "record_action"):
        fields = {f"f_{k}": ("yes" if v is True else v) for k, v in FIELDS.get(key, {}).items()}
        done = browser.post(f"/staff/cases/{case.reference}/transition", {
            "transition": key, "version": version_of(ctx, case),
            **fields}, token_from=f"/staff/cases/{case.reference}")
        assert done.status_code == 303, (key, page(done)[:500])
    done = browser.post(f"/staff/cases/{case.reference}/transition", {
        "transition": "give_feedback", "version": version_of(ctx, case),
        "f_message": FEEDBACK}, token_from=f"/staff/cases/{case.reference}")
    assert done.status_code == 303
    staff = page(browser.get(f"/staff/cases/{case.reference}"))
    decisions = staff.split('id="decisions"')[1].split('id="timeline"')[0]
    assert "Reasons for the finding" in decisions and FEEDBACK in decisions
    assert "the reporter reads this" in decisions
    assert "Web User" in staff.split('id="timeline"')[1]  # who took each step
    assert sign_in_reporter(browser, lodged.reference, lodged.receipt).status_code == 303
    mine = page(browser.get("/my-report"))
    assert FEEDBACK in mine.split('id="feedback"')[1]
    assert "the concern was found to be true" in mine
    assert "Web User" not in mine


def test_the_reporter_confirms_before_withdrawing(browser, make, ctx):
    lodged = make.lodge("disclosure")
    assert sign_in_reporter(browser, lodged.reference, lodged.receipt).status_code == 303
    asked = browser.post("/my-report/action", {"action": "withdraw"}, token_from="/my-report")
    assert asked.status_code == 200 and "Withdrawing closes your report" in page(asked)
    assert ctx.session.get(Case, lodged.case.id).state == "received"
    done = browser.post("/my-report/action", {"action": "withdraw", "confirmed": "yes"},
                        token_from="/my-report")
    assert done.status_code == 303
    ctx.session.expire_all()
    assert ctx.session.get(Case, lodged.case.id).outcome == "withdrawn"
    assert "(you withdrew it)" in page(browser.get("/my-report"))


def test_a_withdrawal_recorded_by_a_handler_reads_right_on_both_sides(browser, handler, make,
                                                                    ctx):
    lodged = make.lodge("disclosure")
    ref = lodged.reference
    refused = browser.post(f"/staff/cases/{ref}/transition", {
        "transition": "withdraw", "version": str(lodged.case.version)},
        token_from=f"/staff/cases/{ref}")
    assert refused.status_code == 422 and ctx.session.get(Case, lodged.case.id).is_open
    done = browser.post(f"/staff/cases/{ref}/transition", {
        "transition": "withdraw", "version": str(lodged.case.version),
        "f_reason": "She rang to say it is resolved", "f_channel": "phone"},
        token_from=f"/staff/cases/{ref}")
    assert done.status_code == 303
    staff = page(browser.get(f"/staff/cases/{ref}"))
    assert "She rang to say it is resolved" in staff and "Stopped (case closed)" in staff
    assert sign_in_reporter(browser, ref, lodged.receipt).status_code == 303
    mine = page(browser.get("/my-report"))
    assert "recorded by the person handling your report, as you asked" in mine
    assert "She rang" not in mine
