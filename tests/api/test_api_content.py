"""Notes, messages, assignments, recusal, identity and the case audit trail through the API."""

from __future__ import annotations

from sqlalchemy import select

from casework.models import Note


def test_note_is_added_listed_and_sealed(api, make, handler, session):
    account, token = handler
    lodged = make.lodge("disclosure")
    response = api.post(f"/cases/{lodged.reference}/notes", token=token,
                        json={"body": "Spoke to the site manager."})
    assert response.status_code == 201
    note_id = response.get_json()["id"]
    notes = api.get(f"/cases/{lodged.reference}/notes", token=token).get_json()
    assert [(n["id"], n["body"]) for n in notes] == [(note_id, "Spoke to the site manager.")]
    assert notes[0]["author"].startswith("Api User") and notes[0]["at"]
    stored = session.execute(select(Note.body_ct).where(Note.id == note_id)).scalar_one()
    assert b"site manager" not in stored  # encrypted at rest


def test_empty_note_is_422(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    response = api.post(f"/cases/{lodged.reference}/notes", token=token, json={})
    assert response.status_code == 422
    assert "body" in response.get_json()["error"]["fields"]


def test_notes_of_an_unknown_case_are_404(api, handler):
    _, token = handler
    assert api.get("/cases/CW-NOSUCH00/notes", token=token).status_code == 404
    assert api.post("/cases/CW-NOSUCH00/notes", token=token,
                    json={"body": "x"}).status_code == 404


def test_messages_go_both_ways(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    sent = api.post(f"/cases/{lodged.reference}/messages", token=token,
                    json={"body": "Can you tell us when?"})
    assert sent.status_code == 201
    reporter = api.reporter_token(lodged.reference, lodged.receipt)
    api.post("/reporter/messages", token=reporter, json={"body": "Last Tuesday."})
    messages = api.get(f"/cases/{lodged.reference}/messages", token=token).get_json()
    assert [(m["from"], m["body"]) for m in messages] == [
        ("handler", "Can you tell us when?"), ("reporter", "Last Tuesday.")]
    assert messages[0]["id"] == sent.get_json()["id"]


def test_assignment_adds_the_staff_member(api, make, handler, account):
    _, token = handler
    investigator = account(("investigator",), ())
    lodged = make.lodge("disclosure")
    response = api.post(f"/cases/{lodged.reference}/assignments", token=token,
                        json={"user_id": investigator.id})
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    assigned = api.get(f"/cases/{lodged.reference}", token=token).get_json()["assigned"]
    assert [(a["user_id"], a["capacity"]) for a in assigned] == [(investigator.id,
                                                                  "investigator")]


def test_assigning_an_implicated_person_is_409(api, make, handler, account):
    _, token = handler
    person = make.person()
    implicated = account(("investigator",), (), person_id=person)
    lodged = make.lodge("disclosure", implicated=[person])
    response = api.post(f"/cases/{lodged.reference}/assignments", token=token,
                        json={"user_id": implicated.id})
    assert response.status_code == 409
    assert api.get(f"/cases/{lodged.reference}", token=token).get_json()["assigned"] == []


def test_assigning_a_recused_person_is_409(api, make, handler, sign_in):
    _, token = handler
    colleague, colleague_token = sign_in(("intake", "investigator"), ("intake",))
    lodged = make.lodge("disclosure")
    assert api.post(f"/cases/{lodged.reference}/recusal", token=colleague_token,
                    json={"reason": "My cousin reported it."}).status_code == 200
    response = api.post(f"/cases/{lodged.reference}/assignments", token=token,
                        json={"user_id": colleague.id})
    assert response.status_code == 409
    assert api.get(f"/cases/{lodged.reference}", token=colleague_token).status_code == 404


def test_assignment_by_someone_not_handling_is_403(api, make, sign_in, account):
    _, token = sign_in(("investigator",), ("intake",))
    other = account(("investigator",), ())
    lodged = make.lodge("disclosure")
    response = api.post(f"/cases/{lodged.reference}/assignments", token=token,
                        json={"user_id": other.id})
    assert response.status_code == 403


def test_assignment_of_no_such_user_is_422(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    response = api.post(f"/cases/{lodged.reference}/assignments", token=token,
                        json={"user_id": 987654})
    assert response.status_code == 422
    assert "user_id" in response.get_json()["error"]["fields"]
    response = api.post(f"/cases/{lodged.reference}/assignments", token=token,
                        json={"user_id": 1, "capacity": "judge"})
    assert "capacity" in response.get_json()["error"]["fields"]


def test_recusal_removes_access_at_once(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    response = api.post(f"/cases/{lodged.reference}/recusal", token=token,
                        json={"reason": "I know the reporter."})
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    assert api.get(f"/cases/{lodged.reference}", token=token).status_code == 404
    assert api.get(f"/cases/{lodged.reference}/notes", token=token).status_code == 404
    assert lodged.reference not in {i["reference"] for i in
                                    api.get("/cases", token=token).get_json()["items"]}


def test_recusal_needs_a_reason(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    response = api.post(f"/cases/{lodged.reference}/recusal", token=token, json={"reason": ""})
    assert response.status_code == 422
    assert "reason" in response.get_json()["error"]["fields"]
    assert api.get(f"/cases/{lodged.reference}", token=token).status_code == 200


def test_identity_is_revealed_with_a_reason_and_audited(api, make, handler, sign_in):
    _, token = handler
    lodged = make.lodge("disclosure", anonymous=False)
    response = api.post(f"/cases/{lodged.reference}/identity", token=token,
                        json={"reason": "Needed to arrange protection."})
    assert response.status_code == 200
    assert response.get_json() == {"anonymous": False, "name": "Rep Orter",
                                    "email": "rep@example.org", "phone": None}
    _, auditor = sign_in(("auditor",), ())
    kinds = [e["kind"] for e in
             api.get(f"/cases/{lodged.reference}/audit", token=auditor).get_json()]
    assert "case:identity:reveal" in kinds


def test_identity_of_an_anonymous_reporter_stays_unknown(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    response = api.post(f"/cases/{lodged.reference}/identity", token=token,
                        json={"reason": "Checking."})
    assert response.get_json() == {"anonymous": True, "name": None, "email": None,
                                   "phone": None}


def test_identity_for_a_role_the_policy_does_not_allow_is_403(api, make, sign_in, runtime):
    assert "investigator" not in runtime.pack.identity_reveal_roles
    _, token = sign_in(("investigator",), ("intake",))
    lodged = make.lodge("disclosure", anonymous=False)
    response = api.post(f"/cases/{lodged.reference}/identity", token=token,
                        json={"reason": "Curious."})
    assert response.status_code == 403
    assert "Rep Orter" not in response.get_data(as_text=True)
    _, auditor = sign_in(("auditor",), ())
    kinds = [e["kind"] for e in
             api.get(f"/cases/{lodged.reference}/audit", token=auditor).get_json()]
    assert "case:identity:refuse" in kinds  # the refusal outlives the rolled-back request
    assert "case:identity:reveal" not in kinds


def test_identity_needs_a_reason(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure", anonymous=False)
    response = api.post(f"/cases/{lodged.reference}/identity", token=token, json={})
    assert response.status_code == 422
    assert "reason" in response.get_json()["error"]["fields"]


def test_case_audit_lists_the_events(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    api.get(f"/cases/{lodged.reference}", token=token)
    events = api.get(f"/cases/{lodged.reference}/audit", token=token).get_json()
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "case:report:lodge" and "case:content:read" in kinds
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert all("summary" not in str(e["details"]).lower() for e in events)


def test_auditor_reads_the_trail_but_not_the_case(api, make, sign_in):
    _, token = sign_in(("auditor",), ())
    lodged = make.lodge("disclosure")
    assert api.get(f"/cases/{lodged.reference}/audit", token=token).status_code == 200
    assert api.get(f"/cases/{lodged.reference}", token=token).status_code == 404


def test_audit_of_an_unknown_case_is_404(api, handler):
    _, token = handler
    assert api.get("/cases/CW-NOSUCH00/audit", token=token).status_code == 404


def test_notes_messages_and_audit_are_paged(api, make, handler, sign_in):
    user, token = handler
    lodged = make.lodge("disclosure")
    for n in range(5):
        assert api.post(f"/cases/{lodged.reference}/notes", token=token,
                        json={"body": f"note {n}"}).status_code == 201
        assert api.post(f"/cases/{lodged.reference}/messages", token=token,
                        json={"body": f"message {n}"}).status_code == 201
    pages = [api.get(f"/cases/{lodged.reference}/notes?page={p}&per_page=2", token=token)
             .get_json() for p in (1, 2, 3)]
    assert [[n["body"] for n in page] for page in pages] == [
        ["note 0", "note 1"], ["note 2", "note 3"], ["note 4"]]
    messages = api.get(f"/cases/{lodged.reference}/messages?page=3&per_page=2",
                       token=token).get_json()
    assert [m["body"] for m in messages] == ["message 4"]
    assert api.get(f"/cases/{lodged.reference}/notes?per_page=501",
                   token=token).status_code == 422
    _, auditor = sign_in(("auditor",), ())
    first = api.get(f"/cases/{lodged.reference}/audit?per_page=3", token=auditor).get_json()
    second = api.get(f"/cases/{lodged.reference}/audit?page=2&per_page=3",
                     token=auditor).get_json()
    assert len(first) == len(second) == 3
    assert [e["seq"] for e in first + second] == sorted(e["seq"] for e in first + second)
