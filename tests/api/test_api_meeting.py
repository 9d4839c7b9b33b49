"""POST /reporter/meeting (EU directive art 9(2)) and what GET /reporter/case says of it; the
notice before an identity is released and the release (POST /cases/{ref}/identity/notice and
/release)."""

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


def test_a_release_is_recorded_only_after_the_reporter_was_told(api, make, handler):
    _, token = handler
    lodged = make.lodge(anonymous=False)
    ref = lodged.reference
    assert api.post(f"/cases/{ref}/identity/release", token=token,
                    json={"consulted": "consulted"}).status_code == 409
    bad = api.post(f"/cases/{ref}/identity/notice", token=token,
                   json={"ground": "gossip", "explanation": "x"})
    assert bad.status_code == 422 and "ground" in bad.get_json()["error"]["fields"]
    told = api.post(f"/cases/{ref}/identity/notice", token=token, json={
        "ground": "legal_obligation", "explanation": "The police asked for your name."})
    assert told.status_code == 201
    mine = api.reporter_token(ref, lodged.receipt)
    (notice,) = api.get("/reporter/case", token=mine).get_json()["release_notices"]
    assert notice["because"].startswith("the law requires it")
    assert notice["explanation"] == "The police asked for your name."
    assert notice["released_on"] is None
    assert api.post(f"/cases/{ref}/identity/release", token=token,
                    json={}).status_code == 422
    assert api.post(f"/cases/{ref}/identity/release", token=token,
                    json={"consulted": "not_practicable"}).status_code == 201
