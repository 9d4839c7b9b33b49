"""Staff case endpoints: the list (visibility, paging, filters), the detail, and transitions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.services.assignments import assign
from tests.factories import FIELDS, transition_event


def refs(listing: dict) -> set[str]:
    return {item["reference"] for item in listing["items"]}


def test_list_shows_only_visible_cases(api, make, sign_in):
    person = make.person()
    account, token = sign_in(("intake",), ("intake",), person_id=person)
    mine = make.lodge("disclosure").reference
    elsewhere = make.lodge("harassment").reference  # the hr queue
    implicating = make.lodge("disclosure", implicated=[person]).reference
    listing = api.get("/cases", token=token).get_json()
    assert mine in refs(listing)
    assert elsewhere not in refs(listing) and implicating not in refs(listing)
    assert listing["total"] == len(listing["items"])


def test_list_item_fields(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    item = next(i for i in api.get("/cases", token=token).get_json()["items"]
                if i["reference"] == lodged.reference)
    assert item == {"reference": lodged.reference, "route": "disclosure",
                    "category": lodged.case.category, "state": "received", "queue": "intake",
                    "opened_at": "2026-03-02T09:00:00Z", "next_due": "2026-03-09",
                    "title": None}


@pytest.mark.parametrize("role", ["admin", "auditor", "hr_analyst"])
def test_roles_without_content_see_no_cases(api, make, sign_in, role):
    make.lodge("disclosure")
    _, token = sign_in((role,), ("intake",))
    assert api.get("/cases", token=token).get_json()["total"] == 0


def test_list_pages(api, make, handler, clock):
    _, token = handler
    made = []
    for _ in range(5):
        made.append(make.lodge("disclosure").reference)
        clock.now += timedelta(minutes=1)
    first = api.get("/cases?per_page=2", token=token).get_json()
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 5)
    assert [i["reference"] for i in first["items"]] == made[::-1][:2]  # newest first
    last = api.get("/cases?per_page=2&page=3", token=token).get_json()
    assert [i["reference"] for i in last["items"]] == [made[0]]
    beyond = api.get("/cases?per_page=2&page=4", token=token).get_json()
    assert beyond["items"] == [] and beyond["total"] == 5


@pytest.mark.parametrize("cap, page, total, at_least", [
    (5, 1, 5, None), (4, 1, None, 4), (3, 1, None, 3), (3, 3, None, 3), (5, 3, 5, None)])
def test_the_total_is_exact_up_to_the_cap_then_at_least(api, make, handler, monkeypatch, cap,
                                                        page, total, at_least):
    """The contract: exact up to 10,000 (here `cap`), else null with total_at_least; a deep
    page (page 3 of 2 reaches 6 rows) never turns an exact total past the cap."""
    from casework.services import worklists
    monkeypatch.setattr(worklists, "TOTAL_CAP", cap)
    _, token = handler
    for _ in range(5):
        make.lodge("disclosure")
    listing = api.get(f"/cases?per_page=2&page={page}", token=token).get_json()
    assert (listing["total"], listing["total_at_least"]) == (total, at_least)
    searched = api.get(f"/cases?q=nothing&per_page=2&page={page}", token=token).get_json()
    assert (searched["total"], searched["total_at_least"]) == (0, None)


def test_list_filters(api, make, sign_in):
    _, token = sign_in(("intake", "investigator"), ("intake", "hr"))
    received = make.lodge("disclosure").reference
    walked = make.case("disclosure", path=["acknowledge"]).reference
    harassment = make.lodge("harassment").reference
    queries = {"state=assessment": {walked}, "route=harassment": {harassment},
               "queue=hr": {harassment}, "state=received&route=disclosure": {received},
               "category=no_such_category": set()}
    for query, expected in queries.items():
        assert refs(api.get(f"/cases?{query}", token=token).get_json()) == expected, query


def test_list_assigned_to_me(api, make, sign_in):
    account, token = sign_in(("intake", "investigator"), ("intake",))
    boss = make.staff(roles=("intake",), queues=("intake",))
    mine = make.lodge("disclosure").reference
    make.lodge("disclosure")
    assign(make.ctx, boss, mine, account.id, "investigator")
    assert refs(api.get("/cases?assigned=me", token=token).get_json()) == {mine}


def test_assignment_alone_makes_a_case_visible(api, make, sign_in):
    account, token = sign_in(("investigator",), ())
    boss = make.staff(roles=("intake",), queues=("intake",))
    case = make.lodge("disclosure").reference
    assert api.get(f"/cases/{case}", token=token).status_code == 404
    assign(make.ctx, boss, case, account.id, "investigator")
    assert api.get(f"/cases/{case}", token=token).status_code == 200


def test_list_overdue(api, make, account, clock):
    late = make.lodge("disclosure").reference  # acknowledge within 7 days
    on_time = make.case("disclosure", path=["acknowledge"]).reference  # feedback in 3 months
    clock.now += timedelta(days=8)
    token = api.staff_token(account(("intake",), ("intake",)))
    assert refs(api.get("/cases?overdue=true", token=token).get_json()) == {late}
    assert refs(api.get("/cases", token=token).get_json()) == {late, on_time}


@pytest.mark.parametrize(("query", "field"), [("per_page=0", "per_page"),
                                              ("per_page=101", "per_page"),
                                              ("page=zero", "page"), ("assigned=you", "assigned"),
                                              ("overdue=perhaps", "overdue"),
                                              ("sort=name", "sort")])
def test_bad_query_is_422_naming_the_parameter(api, handler, query, field):
    _, token = handler
    response = api.get(f"/cases?{query}", token=token)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_detail_has_every_contract_field(api, make, handler):
    _, token = handler
    person = make.person("Pat Implicated")
    lodged = make.lodge("disclosure", implicated=[person, "A contractor"], anonymous=False,
                        summary="Cash missing", details="From the petty cash tin.")
    body = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    assert {"reference", "route", "category", "state", "outcome", "summary", "details", "queue",
            "routing_reasons", "implicated", "assigned", "allowed_transitions", "version",
            "clocks", "reporter"} <= set(body)
    assert (body["summary"], body["details"]) == ("Cash missing", "From the petty cash tin.")
    assert body["state"] == "received" and body["outcome"] is None
    assert body["reporter"] == {"anonymous": False}
    assert {(p["person_id"], p["name"]) for p in body["implicated"]} >= {(None, "A contractor")}
    assert person in {p["person_id"] for p in body["implicated"]}
    assert body["routing_reasons"] and body["assigned"] == []
    assert [{k: c[k] for k in ("name", "due_on", "status")} for c in body["clocks"]] == [
        {"name": "acknowledge", "due_on": "2026-03-09", "status": "running"},
        {"name": "feedback", "due_on": "2026-06-09", "status": "running"}]
    assert body["version"] == lodged.case.version


def test_allowed_transitions_are_the_callers(api, make, sign_in):
    case = make.case("disclosure", path=["acknowledge", "accept_for_investigation"])
    _, handler = sign_in(("intake",), ("intake",))
    _, investigator = sign_in(("investigator",), ("intake",))
    as_handler = api.get(f"/cases/{case.reference}", token=handler).get_json()
    as_investigator = api.get(f"/cases/{case.reference}", token=investigator).get_json()
    assert [t["key"] for t in as_handler["allowed_transitions"]] == ["withdraw"]
    findings = as_investigator["allowed_transitions"]
    assert [t["key"] for t in findings] == ["record_findings"]
    assert {f["name"] for f in findings[0]["requires"]} == {"finding", "reason"}
    assert "substantiated" in findings[0]["requires"][0]["choices"]


def test_unknown_case_is_404(api, handler):
    _, token = handler
    response = api.get("/cases/CW-NOSUCH00", token=token)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def transition(api, token, ref, key, version, fields=None):
    return api.post(f"/cases/{ref}/transitions", token=token,
                    json={"transition": key, "version": version, "fields": fields or {}})


def test_transition_moves_the_case(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    version = api.get(f"/cases/{lodged.reference}", token=token).get_json()["version"]
    response = transition(api, token, lodged.reference, "acknowledge", version)
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "assessment" and body["version"] > version
    assert body["outcome"] is None
    detail = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    assert (detail["state"], detail["version"]) == ("assessment", body["version"])
    closed = transition(api, token, lodged.reference, "no_further_action", body["version"],
                        FIELDS["no_further_action"]).get_json()
    assert (closed["state"], closed["outcome"]) == ("closed", "no_further_action")


def test_transition_by_the_wrong_role_is_403(api, make, sign_in):
    _, token = sign_in(("investigator",), ("intake",))
    lodged = make.lodge("disclosure")
    response = transition(api, token, lodged.reference, "acknowledge", lodged.case.version)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_transition_on_an_unknown_case_is_404(api, handler):
    _, token = handler
    assert transition(api, token, "CW-NOSUCH00", "acknowledge", 1).status_code == 404


def test_transition_not_from_this_state_is_409(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    response = transition(api, token, lodged.reference, "record_action", lodged.case.version,
                          FIELDS["record_action"])
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_stale_version_is_409(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    version = api.get(f"/cases/{lodged.reference}", token=token).get_json()["version"]
    assert transition(api, token, lodged.reference, "acknowledge", version).status_code == 200
    response = transition(api, token, lodged.reference, "withdraw", version)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "stale_version"
    state = api.get(f"/cases/{lodged.reference}", token=token).get_json()["state"]
    assert state == "assessment"


@pytest.mark.parametrize(("fields", "named"), [({"protected": True}, "reason"),
                                               ({"reason": "in scope"}, "protected"),
                                               ({"protected": "yes", "reason": "x"}, "protected"),
                                               ({**FIELDS["accept_for_investigation"],
                                                 "extra": 1}, "extra")])
def test_transition_with_a_bad_field_is_422_naming_it(api, make, handler, fields, named):
    _, token = handler
    case = make.case("disclosure", path=["acknowledge"])
    response = transition(api, token, case.reference, "accept_for_investigation", case.version,
                          fields)
    assert response.status_code == 422
    assert named in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(("body", "named"), [({"transition": "acknowledge"}, "version"),
                                             ({"version": 1}, "transition"),
                                             ({"transition": "acknowledge", "version": "one"},
                                              "version"),
                                             ({"transition": "fly", "version": 0}, "version")])
def test_transition_body_that_does_not_validate_is_422(api, make, handler, body, named):
    _, token = handler
    lodged = make.lodge("disclosure")
    response = api.post(f"/cases/{lodged.reference}/transitions", token=token, json=body)
    assert response.status_code == 422
    assert named in response.get_json()["error"]["fields"]


def test_unknown_transition_is_422(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")
    response = transition(api, token, lodged.reference, "escalate", lodged.case.version)
    assert response.status_code == 422
    assert "transition" in response.get_json()["error"]["fields"]


def test_investigator_walks_a_case_to_findings(api, make, sign_in):
    case = make.case("disclosure", path=["acknowledge", "accept_for_investigation"])
    _, token = sign_in(("investigator",), ("intake",))
    response = transition(api, token, case.reference, "record_findings", case.version,
                          FIELDS["record_findings"])
    assert response.status_code == 200 and response.get_json()["state"] == "findings"


#: Declining a case: route, path to the deciding state, transition, roles and queue of the caller.
DECLINING = {
    "disclosure": (["acknowledge"], "no_further_action", ("intake",), "intake"),
    "harassment": (["acknowledge", "choose_formal"], "decline_investigation",
                   ("intake", "decision_maker"), "hr"),
}


@pytest.mark.parametrize("route", sorted(DECLINING))
@pytest.mark.parametrize("reason_class", [None, "insufficient_information"])
def test_declining_takes_an_optional_reason_class_as_a_fact(api, make, sign_in, ctx, route,
                                                            reason_class):
    """Only the reason is required (the contract's callers still succeed); a reason class given
    is stored as a fact, and the free-text reason never is."""
    path, key, roles, queue = DECLINING[route]
    case = make.case(route, path=path)
    _, token = sign_in(roles, (queue,))
    offered = api.get(f"/cases/{case.reference}", token=token).get_json()["allowed_transitions"]
    requires = next(t["requires"] for t in offered if t["key"] == key)
    told = [("reporter_reason", True)] if route == "disclosure" else []  # in words for them
    assert [(f["name"], f.get("optional")) for f in requires] == [("reason", None),
                                                                   ("reason_class", True), *told]
    fields = {"reason": "Nothing the policy covers."} | (
        {"reason_class": reason_class} if reason_class else {})
    response = transition(api, token, case.reference, key, case.version, fields)
    assert response.status_code == 200, response.get_json()
    event = transition_event(ctx, case, key)
    assert event.facts == ({"reason_class": reason_class} if reason_class else {})
    assert event.fields_ct is not None  # the reason is sealed, not a fact


@pytest.mark.parametrize("value", ["too_long", "outside_policy", 7])
def test_an_invalid_reason_class_is_422_naming_it(api, make, handler, value):
    """A reason class outside the route's list (outside_policy is harassment's) is refused."""
    _, token = handler
    case = make.case("disclosure", path=["acknowledge"])
    response = transition(api, token, case.reference, "no_further_action", case.version,
                          {"reason": "Not in scope.", "reason_class": value})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"reason_class"}
    assert api.get(f"/cases/{case.reference}", token=token).get_json()["state"] == "assessment"
