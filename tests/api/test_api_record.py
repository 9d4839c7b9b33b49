"""The case record through the API (docs/API.md, section 3): decisions and named people for staff;
the report, feedback, next date and who withdrew it for the reporter."""

from __future__ import annotations

from casework.services.transitions import fire_transition
from tests.factories import FIELDS

FEEDBACK = "The manager has been spoken to; it has stopped."


def test_staff_read_every_decision_and_the_names_of_people_implicated(api, sign_in, make):
    dana = make.person("Dana Whitlock", position="Head of Procurement")
    case = make.case("disclosure", category="policy_breach", implicated=[dana],
                     path=("acknowledge", "accept_for_investigation"))
    _, token = sign_in(("intake",), (case.queue,))
    body = api.get(f"/cases/{case.reference}", token=token).get_json()
    assert [d["transition"] for d in body["decisions"]] == [
        "acknowledge", "accept_for_investigation"]
    accepted = body["decisions"][1]
    assert accepted["fields"] == FIELDS["accept_for_investigation"]
    assert accepted["actor"].startswith("User ")
    assert body["implicated"][0]["name"] == "Dana Whitlock"
    assert body["implicated"][0]["position"] == "Head of Procurement"
    assert body["timeline"][-1]["by"] == accepted["actor"]


def test_the_reporter_reads_their_report_feedback_and_next_date(api, make, ctx):
    lodged = make.lodge("disclosure", category="policy_breach", summary="Split invoices",
                        details="Under the limit each time")
    token = api.reporter_token(lodged.reference, lodged.receipt)
    body = api.get("/reporter/case", token=token).get_json()
    assert body["report"] == {"summary": "Split invoices", "details": "Under the limit each time",
                              "answers": []}
    assert body["feedback"] == [] and body["read_on"] is None
    assert body["next_expected_on"] == lodged.case.next_due_on.isoformat()
    boss = make.staff(roles=("intake", "investigator", "decision_maker"),
                      queues=(lodged.case.queue,))
    for key in ("acknowledge", "accept_for_investigation", "record_findings", "record_action"):
        fire_transition(ctx, boss, lodged.reference, key, None, FIELDS.get(key, {}))
    fire_transition(ctx, boss, lodged.reference, "give_feedback", None, {"message": FEEDBACK})
    body = api.get("/reporter/case", token=token).get_json()
    assert [f["text"] for f in body["feedback"]] == [FEEDBACK]
    assert body["outcome"] == "substantiated" and body["next_expected_on"] is None
    assert body["withdrawn_by"] is None


def test_withdrawn_by_says_who(api, make, sign_in):
    own = make.lodge("disclosure")
    token = api.reporter_token(own.reference, own.receipt)
    assert api.post("/reporter/actions", token=token,
                    json={"action": "withdraw"}).status_code == 200
    assert api.get("/reporter/case", token=token).get_json()["withdrawn_by"] == "reporter"
    other = make.lodge("disclosure")
    _, staff = sign_in(("intake",), (other.case.queue,))
    refused = api.post(f"/cases/{other.reference}/transitions", token=staff,
                       json={"transition": "withdraw", "version": other.case.version})
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"reason", "channel"}
    done = api.post(f"/cases/{other.reference}/transitions", token=staff, json={
        "transition": "withdraw", "version": other.case.version,
        "fields": {"reason": "asked at the front desk", "channel": "in_person"}})
    assert done.status_code == 200
    theirs = api.reporter_token(other.reference, other.receipt)
    assert api.get("/reporter/case", token=theirs).get_json()["withdrawn_by"] == \
        "recorded_by_handler"
