"""Triage, links and legal hold on the staff case page: the forms (closed until needed), each
success and each refusal with its status, and the merged reporter's own page."""

from __future__ import annotations

import re

import pytest

from casework.models import Case
from tests.web.conftest import page

WHY = "Expense claims for trips that never happened: fraud, not bullying."


@pytest.fixture
def staff_on(account, browser):
    """Sign someone in who works a queue (with the given roles)."""

    def signed_in(*queues: str, roles=("intake", "investigator")):
        acc = account(roles, queues)
        assert browser.sign_in(acc).status_code == 303
        return acc

    return signed_in


def version(body: str) -> str:
    return re.search(r'name="version" value="(\d+)"', body).group(1)


def triage_form(body: str) -> str:
    return body.split('<details id="triage"')[1].split("</details>")[0]


def case_row(ctx, reference: str) -> Case:
    ctx.session.expire_all()
    return ctx.session.query(Case).filter_by(reference=reference).one()


def test_triage_moves_a_misfiled_fraud_report_to_internal_audit(browser, staff_on, account,
                                                                make, ctx):
    lodged = make.lodge("disclosure", category="bullying")
    ref = lodged.reference
    audit = account(("intake", "investigator"), ("internal_audit",))
    staff_on("intake")
    body = page(browser.get(f"/staff/cases/{ref}"))
    form = triage_form(body)
    assert form.startswith(">")  # closed by default
    assert "<summary>Change category, route, department or queue</summary>" in form
    assert 'name="triage-route"' in form and 'name="triage-queue"' in form
    moved = browser.post(f"/staff/cases/{ref}/triage", {
        "version": version(body), "triage-route": "disclosure", "triage-category": "fraud",
        "triage-department": "", "triage-queue": "", "triage-reason": WHY})
    assert moved.status_code == 303 and moved.location.endswith("/staff/")
    assert "no longer in your hands" in page(browser.get("/staff/"))
    assert browser.get(f"/staff/cases/{ref}").status_code == 404
    assert case_row(ctx, ref).queue == "internal_audit"
    browser.sign_in(audit)
    seen = page(browser.get(f"/staff/cases/{ref}"))
    reasons = seen.split('id="routing"')[1].split("</ul>")[0]
    assert "routed to Internal Audit because: fraud is suspected (code of conduct 5.2)" \
        in reasons
    history = seen.split('id="triage-history"')[1].split("</ul>")[0]
    assert "category from <strong>Bullying, threats or discrimination</strong> to <strong>" \
        "Fraud, false claims or financial deception</strong>" in history
    assert WHY in history
    assert "Triage: category from" in seen.split('id="timeline"')[1]


def test_a_move_that_would_expose_the_case_is_a_409_with_the_form_open(browser, staff_on,
                                                                       make, ctx):
    head = make.person("Head of Audit", roles=["head_of_internal_audit"])
    ref = make.lodge("disclosure", category="policy_breach", implicated=[head]).reference
    staff_on("intake")
    body = page(browser.get(f"/staff/cases/{ref}"))
    refused = browser.post(f"/staff/cases/{ref}/triage", {
        "version": version(body), "triage-route": "disclosure",
        "triage-category": "policy_breach", "triage-department": "",
        "triage-queue": "internal_audit", "triage-reason": WHY})
    html = page(refused)
    assert refused.status_code == 409 and "<title>Error: " in html
    assert "would show it to someone implicated" in html.split('class="error-summary"')[1]
    assert triage_form(html).startswith(" open>")
    assert case_row(ctx, ref).queue == "intake"


def test_a_triage_without_a_reason_is_a_422_linked_from_the_summary(browser, staff_on, make):
    ref = make.lodge("disclosure", category="bullying").reference
    staff_on("intake")
    body = page(browser.get(f"/staff/cases/{ref}"))
    refused = browser.post(f"/staff/cases/{ref}/triage", {
        "version": version(body), "triage-route": "disclosure", "triage-category": "fraud",
        "triage-department": "", "triage-queue": "", "triage-reason": ""})
    html = page(refused)
    assert refused.status_code == 422
    assert re.search(r'<a href="#triage-reason">[^<]*: Say why you are changing it', html)
    assert triage_form(html).startswith(" open>")


def test_the_route_select_goes_once_the_first_step_is_taken(browser, staff_on, make):
    received = make.lodge("disclosure").reference
    stepped = make.case("disclosure", path=["acknowledge"]).reference
    staff_on("intake")
    first = triage_form(page(browser.get(f"/staff/cases/{received}")))
    assert 'id="triage-route" name="triage-route"><option selected value="disclosure">' in first
    assert first.count(" selected ") == 4  # kind, category (listed once), department, queue
    later = triage_form(page(browser.get(f"/staff/cases/{stepped}")))
    assert 'id="triage-route"' not in later
    assert "can no longer change: the first step has been taken" in later


def test_a_duplicate_is_merged_and_each_case_says_so(browser, staff_on, make, ctx):
    dup, kept = make.lodge("disclosure"), make.lodge("disclosure")
    staff_on("intake")
    merged = browser.post(f"/staff/cases/{dup.reference}/links", {
        "link-reference": kept.reference, "link-kind": "duplicate"})
    assert merged.status_code == 303
    assert merged.location.endswith(f"/staff/cases/{kept.reference}#links")
    survivor = page(browser.get(f"/staff/cases/{kept.reference}"))
    assert f"Merged from {dup.reference}" in survivor
    assert "A duplicate report was merged into this one" in survivor.split('id="timeline"')[1]
    closed = page(browser.get(f"/staff/cases/{dup.reference}"))
    assert f"This report was merged into <a href=\"/staff/cases/{kept.reference}\">" in closed
    assert "Outcome: <strong>Merged into another case</strong>" in closed
    assert case_row(ctx, dup.reference).outcome == "merged"


def test_a_case_out_of_sight_is_a_404_on_the_link_form(browser, staff_on, make, ctx):
    case = make.lodge("disclosure")
    hidden = make.lodge("harassment")  # Human Resources
    staff_on("intake")
    refused = browser.post(f"/staff/cases/{case.reference}/links", {
        "link-reference": hidden.reference, "link-kind": "duplicate"})
    html = page(refused)
    assert refused.status_code == 404
    assert "There is no case you can see with this reference." in html
    assert hidden.reference in html  # only what was typed, in the form
    assert case_row(ctx, case.reference).is_open


def test_merging_into_a_closed_case_is_a_409(browser, staff_on, make, ctx):
    case = make.lodge("disclosure")
    closed = make.case("disclosure", path=["acknowledge", "no_further_action"])
    staff_on("intake")
    refused = browser.post(f"/staff/cases/{case.reference}/links", {
        "link-reference": closed.reference, "link-kind": "duplicate"})
    assert refused.status_code == 409
    assert "cannot be merged into a closed case" in page(refused)
    assert case_row(ctx, case.reference).is_open


def test_a_legal_hold_is_placed_shown_and_lifted(browser, staff_on, make, ctx):
    ref = make.lodge("disclosure").reference
    staff_on("intake")
    assert "Place a legal hold" in page(browser.get(f"/staff/cases/{ref}"))
    placed = browser.post(f"/staff/cases/{ref}/hold", {"hold-reason": "Tribunal claim"})
    assert placed.status_code == 303 and placed.location.endswith("#hold")
    body = page(browser.get(f"/staff/cases/{ref}"))
    assert "Legal hold since 02 March 2026: retention will not destroy this case" in body
    assert "Lift the legal hold" in body
    assert browser.post(f"/staff/cases/{ref}/hold", {"hold-reason": "again"}
                        ).status_code == 409
    assert browser.post(f"/staff/cases/{ref}/hold/lift", {"unhold-reason": ""}
                        ).status_code == 422
    lifted = browser.post(f"/staff/cases/{ref}/hold/lift", {"unhold-reason": "Decided"})
    assert lifted.status_code == 303
    assert case_row(ctx, ref).legal_hold_since is None
    assert "Legal hold lifted" in page(browser.get(f"/staff/cases/{ref}"))


def test_an_investigator_gets_no_forms_and_a_403(browser, staff_on, make):
    ref = make.lodge("disclosure").reference
    staff_on("intake", roles=("investigator",))
    body = page(browser.get(f"/staff/cases/{ref}"))
    assert 'id="triage"' not in body and "Link this case" not in body
    assert "Place a legal hold" not in body
    assert browser.post(f"/staff/cases/{ref}/hold", {"hold-reason": "x"}).status_code == 403


def test_the_merged_reporter_reads_why_and_can_still_write(browser, staff_on, make):
    dup, kept = make.lodge("disclosure"), make.lodge("disclosure")
    staff_on("intake")
    browser.post(f"/staff/cases/{dup.reference}/links", {
        "link-reference": kept.reference, "link-kind": "duplicate"})
    for lodged in (dup, kept):
        signed = browser.post("/return", {"reference": lodged.reference,
                                          "receipt": lodged.receipt}, token_from="/return")
        assert signed.status_code == 303
        sent = browser.post("/my-report/message", {"body": "Any news?"},
                            token_from="/my-report")
        assert sent.status_code == 303
        mine = page(browser.get("/my-report"))
        assert "Any news?" in mine
        merged = "joined to another report about the same matter" in mine
        assert merged == (lodged is dup)
