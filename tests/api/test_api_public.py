"""Public endpoints: /meta, /workflows/{route}, POST /reports, /openapi.json, and the error
shape every API answer shares."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.api.spec import MAX_JSON, build_openapi
from casework.models import Case
from casework.services import ratelimit
from casework.services.throttle import Limit

RECEIPT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){4}$")


def test_meta_lists_routes_categories_and_departments(api, runtime):
    response = api.get("/meta")
    assert response.status_code == 200
    body = response.get_json()
    assert {r["key"] for r in body["routes"]} == {"disclosure", "harassment"}
    assert {c["key"] for c in body["categories"]} == set(runtime.pack.categories)
    bullying = next(c for c in body["categories"] if c["key"] == "bullying")
    assert bullying["routes"] == ["disclosure", "harassment"] and bullying["label"]
    assert {d["key"] for d in body["departments"]} == set(runtime.pack.departments)


@pytest.mark.parametrize("route", ["disclosure", "harassment"])
def test_workflow_is_the_definition(api, runtime, route):
    body = api.get(f"/workflows/{route}").get_json()
    definition = runtime.routes[route]
    assert body["route"] == route and body["initial"] == definition.initial
    assert [s["key"] for s in body["states"]] == list(definition.states)
    keys = {(t["key"], tuple(t["from"]), t["to"]) for t in body["transitions"]}
    assert ("acknowledge", (definition.initial,), definition.transitions[0].target) in keys
    withdraw = next(t for t in body["transitions"] if t["key"] == "withdraw")
    assert withdraw["who"] == ["handler", "reporter"] and withdraw["to"] == "closed"
    if route == "disclosure":
        accept = next(t for t in body["transitions"] if t["key"] == "accept_for_investigation")
        assert {f["name"] for f in accept["requires"]} == {"protected", "reason"}


def test_unknown_workflow_is_404(api):
    response = api.get("/workflows/parking")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_report_is_201_with_reference_receipt_route_state_queue(api, report, session):
    response = api.post("/reports", json=report)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"reference", "receipt", "route", "state", "queue"}
    assert body["route"] == "disclosure" and body["state"] == "received"
    assert body["queue"] == "intake"
    assert re.fullmatch(r"CW-[2-9A-Z]{8}", body["reference"])
    case = session.execute(select(Case).where(Case.reference == body["reference"])).scalar_one()
    assert case.receipt_hash.startswith("$argon2id$")  # a slow salted hash, not the receipt
    assert body["receipt"].replace("-", "") not in case.receipt_hash


def test_receipt_has_at_least_80_bits(api, report):
    receipts = {api.post("/reports", json=report).get_json()["receipt"] for _ in range(3)}
    assert len(receipts) == 3
    for receipt in receipts:
        assert RECEIPT.fullmatch(receipt), receipt
        symbols = receipt.replace("-", "")
        assert len(symbols) * math.log2(32) >= 80


@pytest.mark.parametrize("missing", ["route", "category", "summary", "details", "anonymous"])
def test_report_without_a_required_field_is_422_naming_it(api, report, missing):
    del report[missing]
    response = api.post("/reports", json=report)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and missing in error["fields"]


@pytest.mark.parametrize(("change", "field"), [
    ({"category": "sexual_harassment"}, "category"),  # a harassment category on disclosure
    ({"route": "parking"}, "route"),
    ({"anonymous": False}, "reporter.name"),
    ({"summary": "   "}, "summary"),
    ({"occurred_on": "2099-01-01"}, "occurred_on"),
    ({"implicated": [{"person_id": 999999}]}, "implicated[0].person_id"),
    ({"colour": "blue"}, "colour"),
])
def test_report_with_a_bad_field_is_422_naming_it(api, report, change, field):
    response = api.post("/reports", json={**report, **change})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_report_that_is_not_json_is_400(api):
    response = api.post("/reports", data="{route: disclosure",
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


def test_report_that_is_not_an_object_is_422(api):
    response = api.post("/reports", json=["route", "disclosure"])
    assert response.status_code == 422
    assert "body" in response.get_json()["error"]["fields"]


def test_oversized_report_is_413(api, report, session):
    before = session.execute(select(Case.id)).all()
    response = api.post("/reports", json={**report, "details": "x" * (MAX_JSON + 1)})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert session.execute(select(Case.id)).all() == before


def test_intake_is_429_past_the_rate_limit(api, report, monkeypatch):
    monkeypatch.setattr(ratelimit, "INTAKE", Limit(3, window=timedelta(hours=1)))
    statuses = [api.post("/reports", json=report).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert api.post("/reports", json=report).get_json()["error"]["code"] == "too_many_attempts"


def test_intake_limit_resets_after_its_window(api, report, monkeypatch, clock):
    monkeypatch.setattr(ratelimit, "INTAKE", Limit(1, window=timedelta(hours=1)))
    assert api.post("/reports", json=report).status_code == 201
    assert api.post("/reports", json=report).status_code == 429
    clock.now += timedelta(hours=1, seconds=1)
    assert api.post("/reports", json=report).status_code == 201


def test_openapi_document_is_served(api, client, runtime):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document == build_openapi(runtime=runtime)
    assert document["openapi"].startswith("3.")


CONTRACT = [("get", "/meta"), ("get", "/workflows/{route}"), ("post", "/reports"),
            ("post", "/reporter/session"), ("get", "/reporter/case"),
            ("post", "/reporter/messages"), ("post", "/reporter/actions"),
            ("post", "/reporter/attachments"), ("post", "/auth/token"), ("get", "/cases"),
            ("get", "/cases/{ref}"), ("post", "/cases/{ref}/transitions"),
            ("get", "/cases/{ref}/notes"), ("post", "/cases/{ref}/notes"),
            ("get", "/cases/{ref}/messages"), ("post", "/cases/{ref}/messages"),
            ("post", "/cases/{ref}/assignments"), ("post", "/cases/{ref}/recusal"),
            ("post", "/cases/{ref}/identity"), ("get", "/cases/{ref}/audit"),
            ("get", "/audit/verify"), ("post", "/admin/people"), ("post", "/admin/users")]


def test_document_has_every_contract_endpoint(document):
    present = {(m, p) for p, item in document["paths"].items() for m in item}
    assert set(CONTRACT) <= present


def test_document_names_the_statuses_each_operation_can_answer(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            statuses = set(op["responses"])
            where = f"{method} {path}"
            if op.get("security"):
                assert "401" in statuses, where
            if "{ref}" in path or "{route}" in path:
                assert "404" in statuses, where
            if "requestBody" in op:
                assert {"400", "413", "422"} <= statuses, where
            for status, answer in op["responses"].items():
                if status.startswith("4") and status != "414":  # 414: gunicorn's, not JSON
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, where


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.delete("/api/v1/meta")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_docs_page_lists_every_operation_and_schema(client, document):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for path, item in document["paths"].items():
        for method, op in item.items():
            assert f'id="{op["operationId"]}"' in page, (method, path)
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert "<script" not in page  # rendered on the server, no third-party assets
