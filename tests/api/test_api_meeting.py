"""POST /reporter/meeting (EU directive art 9(2)) and what GET /reporter/case says of it."""

from __future__ import annotations


def test_a_reporter_asks_for_a_meeting_once(api, make):
    lodged = make.lodge()
    token = api.reporter_token(lodged.reference, lodged.receipt)
    assert api.get("/reporter/case", token=token).get_json()["meeting"] == {
        "offered": True, "requested_on": None, "due_on": None}
    asked = api.post("/reporter/meeting", token=token)
    assert asked.status_code == 201
    body = asked.get_json()
    assert body["offered"] is False and body["requested_on"] and body["due_on"]
    assert api.get("/reporter/case", token=token).get_json()["meeting"] == body
    assert api.post("/reporter/meeting", token=token).status_code == 409


def test_a_witness_is_told_so_in_the_case_answer(api, make):
    lodged = make.lodge(route="harassment", category="sexual_harassment", relation="told")
    token = api.reporter_token(lodged.reference, lodged.receipt)
    body = api.get("/reporter/case", token=token).get_json()
    assert body["witness"] is True and body["meeting"]["offered"] is False
