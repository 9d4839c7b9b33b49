"""Referrals through the API (issue 14): GET /cases/{ref} says which referral decisions the
policy still asks for; POST /cases/{ref}/referrals records a referral that keeps the case open,
or the decision not to refer and why; a body the pack does not name, a missing reason, a stale
version and a case out of sight are refused as the contract says."""

from __future__ import annotations

import pytest

from casework.workflow.policy import load_pack

POLICE = "New Zealand Police, where a crime is alleged"


@pytest.fixture
def nz(runtime):
    runtime.pack = load_pack("nz-public-service", runtime.routes)


def test_a_possible_offence_asks_for_the_decision_until_a_referral_is_recorded(
        api, make, sign_in, nz):
    _, token = sign_in(("intake",), ("monitoring_officer", "intake"))
    lodged = make.lodge("disclosure", category="offence")
    case = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    assert case["referral_decisions_due"] == ["possible_offence"] and case["referrals"] == []
    answer = api.post(f"/cases/{lodged.reference}/referrals", token=token, json={
        "matter": "possible_offence", "body": POLICE, "reference": "NZP-1",
        "made_on": "2026-03-02", "version": case["version"]})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["referral_decisions_due"] == []
    [record] = body["referrals"]
    assert {k: record[k] for k in ("referred", "matter", "body", "made_on", "reference")} == {
        "referred": True, "matter": "possible_offence", "body": POLICE,
        "made_on": "2026-03-02", "reference": "NZP-1"}
    after = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    assert after["state"] == "received" and after["outcome"] is None  # still open
    assert after["referrals"] == body["referrals"]


def test_refusals(api, make, sign_in, nz):
    _, token = sign_in(("intake",), ("monitoring_officer", "intake"))
    lodged = make.lodge("disclosure", category="offence")
    url = f"/cases/{lodged.reference}/referrals"
    unknown = api.post(url, token=token, json={"body": "Interpol"})
    assert unknown.status_code == 422 and "body" in unknown.get_json()["error"]["fields"]
    why = api.post(url, token=token, json={"referred": False, "matter": "possible_offence"})
    assert why.status_code == 422 and "reason" in why.get_json()["error"]["fields"]
    stale = api.post(url, token=token, json={"body": POLICE, "version": 99})
    assert stale.status_code == 409
    _, other = sign_in(("intake",), ("hr",))
    assert api.post(url, token=other, json={"body": POLICE}).status_code == 404
    declined = api.post(url, token=token, json={
        "referred": False, "matter": "possible_offence",
        "reason": "The Police already hold this matter from the school."})
    assert declined.status_code == 201
    assert declined.get_json()["referrals"][0]["body"] is None
    assert declined.get_json()["referral_decisions_due"] == []


def test_natural_justice_asks_for_the_response_and_the_case_keeps_it(api, make, handler, nz):
    _, token = handler
    lodged = make.lodge("disclosure", category="maladministration")
    case = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    informed = next(m for m in case["milestones"] if m["key"] == "subject_informed")
    assert informed["note"].startswith("Their response")
    url = f"/cases/{lodged.reference}/milestones"
    missing = api.post(url, token=token, json={"milestone": "subject_informed"})
    assert missing.status_code == 422 and "note" in missing.get_json()["error"]["fields"]
    said = "He says the purchase was approved by his director; the director was told to ask."
    assert api.post(url, token=token, json={"milestone": "subject_informed",
                                            "note": said}).status_code == 200
    after = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    [record] = after["milestones_recorded"]
    assert (record["key"], record["note"]) == ("subject_informed", said) and record["by"]


def test_a_referral_told_to_the_reporter_reaches_their_case(api, make, sign_in, nz):
    """NZ Act s 16: the discloser reads which appropriate authority and when; not the number."""
    _, token = sign_in(("intake",), ("monitoring_officer", "intake"))
    lodged = make.lodge("disclosure", category="offence")
    url = f"/cases/{lodged.reference}/referrals"
    told = api.post(url, token=token, json={
        "matter": "possible_offence", "body": POLICE, "reference": "NZP-9",
        "made_on": "2026-03-02", "tell_reporter": True})
    assert told.status_code == 201 and told.get_json()["referrals"][0]["told_reporter"] is True
    refused = api.post(url, token=token, json={
        "referred": False, "reason": "no", "tell_reporter": True})
    assert refused.status_code == 422
    assert "tell_reporter" in refused.get_json()["error"]["fields"]
    mine = api.reporter_token(lodged.reference, lodged.receipt)
    case = api.get("/reporter/case", token=mine).get_json()
    labels = [t["label"] for t in case["timeline"]]
    assert f"Your report was referred to {POLICE} on 2 March 2026. We are still dealing " \
        "with it." in labels
    assert "NZP-9" not in str(case)
