"""Triage, links and legal hold through the API (docs/API.md, section 3): each answer and each
refusal with the contract's status, and GET /cases/{ref} showing links and the hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.services.retention import purge

WHY = "Expense claims for trips that never happened: fraud, not bullying."


@pytest.fixture
def audit_desk(sign_in):
    """A member of Internal Audit, signed in."""
    return sign_in(("intake", "investigator"), ("internal_audit",))


def test_triage_moves_a_misfiled_fraud_report_and_answers_its_reasons(api, make, handler,
                                                                      audit_desk):
    _, token = handler
    lodged = make.lodge("disclosure", category="bullying")
    version = api.get(f"/cases/{lodged.reference}", token=token).get_json()["version"]
    answer = api.post(f"/cases/{lodged.reference}/triage", token=token, json={
        "version": version, "reason": WHY, "category": "fraud"})
    assert answer.status_code == 200
    assert answer.get_json() == {
        "queue": "internal_audit", "version": version + 1, "routing_reasons": [
            "routed to Internal Audit because: fraud is suspected (code of conduct 5.2)"]}
    assert api.get(f"/cases/{lodged.reference}", token=token).status_code == 404  # moved on
    seen = api.get(f"/cases/{lodged.reference}", token=audit_desk[1]).get_json()
    assert (seen["category"], seen["queue"], seen["version"]) == ("fraud", "internal_audit",
                                                                  version + 1)
    assert seen["routing_reasons"] == answer.get_json()["routing_reasons"]


def test_triage_refusals(api, make, handler, sign_in):
    _, token = handler
    head = make.person("Head of Audit", roles=["head_of_internal_audit"])
    chief = make.person("Chief", roles=["chief_executive"])
    lodged = make.lodge("disclosure", category="policy_breach", implicated=[head])
    ref = lodged.reference
    path = f"/cases/{ref}/triage"
    version = lodged.case.version

    def triage(body, with_token=token):
        return api.post(path, token=with_token, json={"version": version, "reason": WHY,
                                                      **body})

    exposed = triage({"queue": "internal_audit"})
    assert exposed.status_code == 409
    assert "would show it to someone implicated" in exposed.get_json()["error"]["message"]
    assert triage({"category": "sexual_harassment"}).status_code == 422
    assert triage({"reason": ""}).status_code == 422
    assert api.post(path, token=token, json={"reason": WHY, "category": "fraud"}
                    ).status_code == 422  # the version is required
    assert triage({"category": "health_and_safety", "version": version + 5}
                  ).status_code == 409
    _, investigator = sign_in(("investigator",), ("intake",))
    assert triage({"category": "fraud"}, investigator).status_code == 403
    _, outsider = sign_in(("intake",), ("hr",))
    assert triage({"category": "fraud"}, outsider).status_code == 404
    assert api.post(path, json={"version": version, "reason": WHY}).status_code == 401
    ruled = make.lodge("disclosure", category="policy_breach", implicated=[chief])
    _, officer = sign_in(("intake",), ("monitoring_officer",))
    kept = api.post(f"/cases/{ruled.reference}/triage", token=officer, json={
        "version": ruled.case.version, "reason": WHY, "queue": "intake"})
    assert kept.status_code == 409
    assert "the Chief Executive is implicated" in kept.get_json()["error"]["message"]


def test_a_duplicate_is_merged_with_201_and_both_cases_show_the_link(api, make, handler):
    account, token = handler
    dup = make.lodge("disclosure", anonymous=False, notify_by_email=True)
    kept = make.lodge("disclosure")
    answer = api.post(f"/cases/{dup.reference}/links", token=token, json={
        "reference": kept.reference.lower(), "kind": "duplicate"})
    assert answer.status_code == 201
    assert answer.get_json()["reference"] == kept.reference
    merged = api.get(f"/cases/{dup.reference}", token=token).get_json()
    assert (merged["state"], merged["outcome"]) == ("closed", "merged")
    assert [(k["reference"], k["kind"], k["direction"]) for k in merged["links"]] == [
        (kept.reference, "duplicate", "merged_into")]
    survivor = api.get(f"/cases/{kept.reference}", token=token).get_json()
    assert [(k["reference"], k["direction"]) for k in survivor["links"]] == [
        (dup.reference, "merged_from")]
    reporter = api.reporter_token(dup.reference, dup.receipt)
    mine = api.get("/reporter/case", token=reporter).get_json()
    assert (mine["state"], mine["outcome"]) == ("closed", "merged")
    assert api.post("/reporter/messages", token=reporter, json={"body": "Still here"}
                    ).status_code == 201


def test_link_refusals(api, make, handler, sign_in):
    _, token = handler
    case, other = make.lodge("disclosure"), make.lodge("disclosure")
    closed = make.case("disclosure", path=["acknowledge", "no_further_action"])
    hidden = make.lodge("harassment")  # Human Resources: not this handler's

    def link(reference, kind="duplicate", with_token=token, of=case.reference):
        return api.post(f"/cases/{of}/links", token=with_token,
                        json={"reference": reference, "kind": kind})

    assert link(hidden.reference).status_code == 404
    assert link("CW-NOSUCH22").status_code == 404
    assert link(closed.reference).status_code == 409
    assert link(case.reference, "related").status_code == 422
    assert link(other.reference, "sibling").status_code == 422
    _, investigator = sign_in(("investigator",), ("intake",))
    assert link(other.reference, with_token=investigator).status_code == 403
    assert link(other.reference, "related").status_code == 201
    assert link(other.reference, "duplicate").status_code == 409  # linked already
    mine = api.get(f"/cases/{case.reference}", token=token).get_json()
    assert hidden.reference not in str(mine)


def test_a_hold_is_placed_and_lifted_and_retention_skips_it_meanwhile(api, make, handler,
                                                                     ctx, clock):
    account, token = handler
    case = make.case("disclosure", path=["acknowledge", "no_further_action"])
    path = f"/cases/{case.reference}/hold"
    placed = api.post(path, token=token, json={"reason": "tribunal claim"})
    assert placed.status_code == 200
    assert placed.get_json()["held"] is True and placed.get_json()["since"]
    assert api.post(path, token=token, json={"reason": "again"}).status_code == 409
    assert api.get(f"/cases/{case.reference}", token=token).get_json()["legal_hold"] == {
        "since": "2026-03-02T09:00:00Z"}
    clock.now += timedelta(days=ctx.runtime.pack.retention_days + 1)
    assert purge(ctx, dry_run=True) == []
    token = api.staff_token(account)  # seven years on: signed in again
    lifted = api.delete(path, token=token, json={"reason": "decided"})
    assert (lifted.status_code, lifted.get_json()["held"]) == (200, False)
    assert api.delete(path, token=token, json={"reason": "decided"}).status_code == 409
    assert api.delete(path, token=token, json={"reason": ""}).status_code == 422
    assert purge(ctx, dry_run=True) == [case.id]


def test_hold_refusals(api, make, sign_in):
    case = make.lodge("disclosure")
    _, investigator = sign_in(("investigator",), ("intake",))
    _, outsider = sign_in(("intake",), ("hr",))
    path = f"/cases/{case.reference}/hold"
    assert api.post(path, token=investigator, json={"reason": "x"}).status_code == 403
    assert api.post(path, token=outsider, json={"reason": "x"}).status_code == 404
    assert api.delete(path, token=outsider, json={"reason": "x"}).status_code == 404
    assert api.post(path, json={"reason": "x"}).status_code == 401
