"""What a pack asks and tells reporters, through the API: New Zealand's optional question on
where else the disclosure was made (Protected Disclosures Act 2022 s 13(1)(c))."""

from __future__ import annotations

import pytest

ANSWER = "I told the Ombudsman in May; no reply yet."
NZ_REPORT = {"route": "disclosure", "category": "maladministration", "anonymous": True,
             "summary": "Tenders steered", "details": "Contracts went to a friend's firm."}


def test_the_nz_question_is_listed_answered_and_read_back(api, use_pack, runtime, handler):
    use_pack("nz-public-service")
    question = runtime.pack.questions["made_elsewhere"]
    meta = api.get("/meta").get_json()
    assert meta["questions"] == [{"key": "made_elsewhere", "label": question.label,
                                  "hint": question.hint, "routes": ["disclosure"]}]
    sent = api.post("/reports", json={**NZ_REPORT, "answers": {"made_elsewhere": ANSWER}})
    assert sent.status_code == 201
    lodged = sent.get_json()
    expected = [{"key": "made_elsewhere", "label": question.label, "text": ANSWER}]
    _, token = handler
    assert api.get(f"/cases/{lodged['reference']}", token=token).get_json()["answers"] == (
        expected)
    mine = api.reporter_token(lodged["reference"], lodged["receipt"])
    assert api.get("/reporter/case", token=mine).get_json()["report"]["answers"] == expected


def test_an_answer_to_a_question_the_route_does_not_ask_is_a_422(api, use_pack):
    use_pack("nz-public-service")
    refused = api.post("/reports", json={**NZ_REPORT, "route": "harassment",
                                         "category": "bullying",
                                         "answers": {"made_elsewhere": ANSWER}})
    assert refused.status_code == 422
    assert "answers.made_elsewhere" in refused.get_json()["error"]["fields"]


def test_a_pack_without_questions_lists_none_and_refuses_answers(api, report):
    assert api.get("/meta").get_json()["questions"] == []
    refused = api.post("/reports", json={**report, "answers": {"made_elsewhere": ANSWER}})
    assert refused.status_code == 422


@pytest.mark.parametrize("name, body", [
    ("uk-council", "Protect (the whistleblowing charity): advice line"),
    ("nz-public-service", "The Office of the Ombudsman")])
def test_meta_and_the_reporters_case_say_where_else_to_go(api, use_pack, runtime, make, name,
                                                          body):
    # EU directive art 9(1)(g); NZ Act, appropriate authorities: the pack's external_bodies.
    use_pack(name)
    bodies = list(runtime.pack.external_bodies)
    assert body in bodies
    assert api.get("/meta").get_json()["external_bodies"] == bodies
    lodged = make.lodge()
    mine = api.reporter_token(lodged.reference, lodged.receipt)
    assert api.get("/reporter/case", token=mine).get_json()["external_bodies"] == bodies


# Seed 003, Sexual Harassment Guidelines, "Who to approach": a support person.
SUPPORTER = "Tama Union-Delegate"


def test_a_support_person_is_offered_named_and_seen_only_as_a_fact(api, use_pack, runtime,
                                                                   sign_in):
    use_pack("nz-public-service")
    support = api.get("/meta").get_json()["support"]
    assert support["routes"] == ["harassment"]
    assert {"key": "union", "label": "Union representative"} in support["kinds"]
    sent = api.post("/reports", json={
        "route": "harassment", "category": "bullying", "anonymous": True,
        "summary": "Shouted at", "details": "Every morning meeting.",
        "support_person": {"kind": "union", "name": SUPPORTER}})
    assert sent.status_code == 201
    lodged = sent.get_json()
    _, token = sign_in(("intake", "investigator", "decision_maker"), ("hr",))
    case = api.get(f"/cases/{lodged['reference']}", token=token)
    assert case.get_json()["support_person"] is True and SUPPORTER not in case.get_data(True)
    mine = api.reporter_token(lodged["reference"], lodged["receipt"])
    offer = api.get("/reporter/case", token=mine).get_json()["support"]
    assert offer["named"] == "Union representative" and offer["may_name"]
    assert any("Employee Assistance Programme" in line for line in offer["information"])
    changed = api.post("/reporter/support-person", token=mine,
                       json={"kind": "friend", "name": "A friend"})
    assert changed.status_code == 201 and changed.get_json()["named"] == (
        "Friend or family member")
    wrong = api.post("/reporter/support-person", token=mine,
                     json={"kind": "lawyer", "name": "A lawyer"})
    assert wrong.status_code == 422 and "support_person.kind" in wrong.get_json()["error"][
        "fields"]


def test_no_support_person_where_the_pack_offers_none(api, report, make):
    assert api.get("/meta").get_json()["support"] is None
    refused = api.post("/reports", json={**report, "support_person": {"kind": "union",
                                                                     "name": SUPPORTER}})
    assert refused.status_code == 422
    lodged = make.lodge("harassment")
    mine = api.reporter_token(lodged.reference, lodged.receipt)
    assert api.post("/reporter/support-person", token=mine,
                    json={"kind": "union", "name": SUPPORTER}).status_code == 409
