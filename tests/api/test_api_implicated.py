"""A person implicated in a case gets exactly the 404 of a case that does not exist, on every
case endpoint, even as a member of the case's queue with every role."""

from __future__ import annotations

import pytest

ENDPOINTS = [
    ("GET", "/cases/{ref}", None),
    ("GET", "/cases/{ref}/notes", None),
    ("POST", "/cases/{ref}/notes", {"body": "a note"}),
    ("GET", "/cases/{ref}/messages", None),
    ("POST", "/cases/{ref}/messages", {"body": "a message"}),
    ("POST", "/cases/{ref}/transitions", {"transition": "acknowledge", "version": 1}),
    ("GET", "/cases/{ref}/audit", None),
    ("POST", "/cases/{ref}/assignments", {"user_id": 1}),
    ("POST", "/cases/{ref}/recusal", {"reason": "conflict"}),
    ("POST", "/cases/{ref}/identity", {"reason": "to know"}),
]


@pytest.fixture
def implicated(make, sign_in):
    """A case in the intake queue, and a signed-in intake member implicated in it."""
    person = make.person("Sam Implicated")
    account, token = sign_in(("intake", "investigator", "decision_maker", "auditor"),
                             ("intake",), person_id=person)
    case = make.case("disclosure", path=["acknowledge"], implicated=[person])
    assert case.queue == "intake"
    return case, token


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_implicated_person_gets_the_404_of_no_such_case(api, implicated, method, path, body):
    case, token = implicated
    if body and "version" in body:
        body = {**body, "version": case.version}
    seen = api.call(method, path.format(ref=case.reference), token=token, json=body)
    missing = api.call(method, path.format(ref="CW-NOSUCH00"), token=token, json=body)
    assert seen.status_code == missing.status_code == 404
    assert seen.get_json() == missing.get_json()


def test_implicated_person_does_not_see_it_listed(api, implicated):
    case, token = implicated
    listing = api.get("/cases", token=token).get_json()
    assert case.reference not in {i["reference"] for i in listing["items"]}


def test_implicated_person_changed_nothing(api, implicated, handler):
    case, token = implicated
    for method, path, body in ENDPOINTS:
        if method == "POST":
            if body and "version" in body:
                body = {**body, "version": case.version}
            api.call(method, path.format(ref=case.reference), token=token, json=body)
    _, colleague = handler
    detail = api.get(f"/cases/{case.reference}", token=colleague).get_json()
    assert detail["state"] == "assessment" and detail["assigned"] == []
    assert api.get(f"/cases/{case.reference}/notes", token=colleague).get_json() == []
    assert api.get(f"/cases/{case.reference}/messages", token=colleague).get_json() == []


def test_the_same_person_sees_other_cases(api, implicated, make):
    _, token = implicated
    other = make.lodge("disclosure")
    assert api.get(f"/cases/{other.reference}", token=token).status_code == 200
