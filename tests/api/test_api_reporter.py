"""The reporter's side of the API: signing in with reference and receipt, the case view,
messages, actions and evidence."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest

from casework.services import ratelimit
from casework.services.evidence import MAX_ATTACHMENT
from casework.services.throttle import Limit
from casework.services.transitions import fire_transition


@pytest.fixture
def lodged(make):
    """A harassment case, in the state where the reporter chooses how to go on."""
    return make.lodge("harassment")


@pytest.fixture
def hr_handler(sign_in):
    """A handler of the hr queue (where harassment cases go)."""
    return sign_in(("intake",), ("hr",))


def session_body(reference: str, receipt: str) -> dict:
    return {"reference": reference, "receipt": receipt}


def test_session_gives_a_token_for_one_case(api, lodged):
    response = api.post("/reporter/session", json=session_body(lodged.reference, lodged.receipt))
    assert response.status_code == 200
    token = response.get_json()["token"]
    case = api.get("/reporter/case", token=token).get_json()
    assert case["reference"] == lodged.reference


def test_receipt_is_accepted_as_a_hand_copy_might_differ(api, lodged):
    sloppy = lodged.receipt.lower().replace("-", " ")
    response = api.post("/reporter/session", json=session_body(lodged.reference.lower(), sloppy))
    assert response.status_code == 200


def test_unknown_reference_and_wrong_receipt_answer_alike(api, lodged, make):
    other = make.lodge("harassment")
    wrong = api.post("/reporter/session", json=session_body(lodged.reference, other.receipt))
    unknown = api.post("/reporter/session", json=session_body("CW-ZZZZZZZZ", lodged.receipt))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"]["code"] == "unauthorized"


def test_repeated_failures_are_429_but_never_for_the_right_receipt(api, lodged, make):
    wrong = make.lodge("harassment").receipt
    for _ in range(5):
        assert api.post("/reporter/session",
                        json=session_body(lodged.reference, wrong)).status_code == 401
    refused = api.post("/reporter/session", json=session_body(lodged.reference, wrong))
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_attempts"
    right = api.post("/reporter/session", json=session_body(lodged.reference, lodged.receipt))
    assert right.status_code == 200  # strangers' failures never lock the reporter out


def test_session_rate_limit_counts_failures_only(api, lodged, make, monkeypatch):
    monkeypatch.setattr(ratelimit, "REPORTER_SESSION", Limit(2, window=timedelta(hours=1)))
    body = session_body(lodged.reference, lodged.receipt)
    assert [api.post("/reporter/session", json=body).status_code for _ in range(4)] == [
        200, 200, 200, 200]  # reporters sharing an address are not capped by successes
    wrong = session_body(make.lodge("harassment").reference, lodged.receipt)
    assert [api.post("/reporter/session", json=wrong).status_code for _ in range(3)] == [
        401, 401, 429]


def test_session_missing_receipt_is_422_naming_it(api, lodged):
    response = api.post("/reporter/session", json={"reference": lodged.reference})
    assert response.status_code == 422
    assert "receipt" in response.get_json()["error"]["fields"]


def test_case_view_has_stage_timeline_messages_and_actions(api, lodged, hr_handler):
    _, staff = hr_handler
    assert api.post(f"/cases/{lodged.reference}/messages", token=staff,
                    json={"body": "We are here to help."}).status_code == 201
    token = api.reporter_token(lodged.reference, lodged.receipt)
    body = api.get("/reporter/case", token=token).get_json()
    assert body["route"] == "harassment" and body["state"] == "reported"
    assert body["outcome"] is None and body["stage"]
    assert [m["from"] for m in body["messages"]] == ["handler"]
    assert body["messages"][0]["body"] == "We are here to help."
    assert body["timeline"][0]["label"] and body["timeline"][0]["at"]
    assert set(body["actions"]) == {"withdraw", "external_route"}


def test_actions_follow_the_state(api, make):
    lodged = make.lodge("harassment")
    boss = make.staff(roles=("intake",), queues=(lodged.case.queue,))
    fire_transition(make.ctx, boss, lodged.reference, "acknowledge", None, {})
    token = api.reporter_token(lodged.reference, lodged.receipt)
    actions = set(api.get("/reporter/case", token=token).get_json()["actions"])
    assert {"choose_self_help", "choose_informal", "choose_formal", "withdraw"} <= actions


def test_reporter_message_reaches_the_handlers(api, lodged, hr_handler):
    token = api.reporter_token(lodged.reference, lodged.receipt)
    response = api.post("/reporter/messages", token=token, json={"body": "One more thing."})
    assert response.status_code == 201
    message_id = response.get_json()["id"]
    _, staff = hr_handler
    messages = api.get(f"/cases/{lodged.reference}/messages", token=staff).get_json()
    assert [(m["id"], m["from"], m["body"]) for m in messages] == [
        (message_id, "reporter", "One more thing.")]


def test_empty_message_is_422(api, lodged):
    token = api.reporter_token(lodged.reference, lodged.receipt)
    response = api.post("/reporter/messages", token=token, json={"body": ""})
    assert response.status_code == 422
    assert "body" in response.get_json()["error"]["fields"]


def test_withdraw_closes_the_case(api, lodged, hr_handler):
    token = api.reporter_token(lodged.reference, lodged.receipt)
    response = api.post("/reporter/actions", token=token, json={"action": "withdraw"})
    assert response.status_code == 200
    assert response.get_json() == {"state": "closed"}
    _, staff = hr_handler
    case = api.get(f"/cases/{lodged.reference}", token=staff).get_json()
    assert case["state"] == "closed" and case["outcome"] == "withdrawn"
    again = api.post("/reporter/actions", token=token, json={"action": "withdraw"})
    assert again.status_code == 409


def test_handler_only_action_is_403(api, lodged):
    token = api.reporter_token(lodged.reference, lodged.receipt)
    response = api.post("/reporter/actions", token=token, json={"action": "acknowledge"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_action_not_from_this_state_is_409(api, lodged):
    token = api.reporter_token(lodged.reference, lodged.receipt)
    response = api.post("/reporter/actions", token=token, json={"action": "choose_self_help"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    state = api.get("/reporter/case", token=token).get_json()["state"]
    assert state == "reported"


def test_unknown_action_is_422(api, lodged):
    token = api.reporter_token(lodged.reference, lodged.receipt)
    response = api.post("/reporter/actions", token=token, json={"action": "escalate"})
    assert response.status_code == 422
    assert "transition" in response.get_json()["error"]["fields"]


def upload(api, token: str, data: bytes, name: str = "evidence.txt"):
    return api.post("/reporter/attachments", token=token,
                    data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_attachment_is_201_with_id_name_size_and_digest(api, lodged):
    token = api.reporter_token(lodged.reference, lodged.receipt)
    data = b"photo of the noticeboard\n" * 100
    response = upload(api, token, data, "noticeboard.txt")
    assert response.status_code == 201
    body = response.get_json()
    assert body["filename"] == "noticeboard.txt" and body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert isinstance(body["id"], int)


def test_attachment_without_a_file_is_422(api, lodged):
    token = api.reporter_token(lodged.reference, lodged.receipt)
    response = api.post("/reporter/attachments", token=token, data={},
                        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["fields"]


def test_attachment_over_the_request_limit_is_413(api, app, lodged):
    token = api.reporter_token(lodged.reference, lodged.receipt)
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = upload(api, token, b"x" * 8192)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


def test_attachment_over_the_file_limit_is_413(api, lodged, monkeypatch):
    from casework.services import evidence

    monkeypatch.setattr(evidence, "MAX_ATTACHMENT", 1000)
    token = api.reporter_token(lodged.reference, lodged.receipt)
    assert upload(api, token, b"x" * 1000).status_code == 201
    response = upload(api, token, b"x" * 1001)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_request_limit_lets_the_largest_attachment_through(app):
    assert app.config["MAX_CONTENT_LENGTH"] > MAX_ATTACHMENT


def test_reporter_token_expires_after_an_hour(api, lodged, clock):
    token = api.reporter_token(lodged.reference, lodged.receipt)
    clock.now += timedelta(minutes=59)
    assert api.get("/reporter/case", token=token).status_code == 200
    clock.now += timedelta(minutes=1)
    assert api.get("/reporter/case", token=token).status_code == 401
