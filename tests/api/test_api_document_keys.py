"""The OpenAPI document as a client (or a fuzzer) reads it: request fields that take the pack's
keys enumerate them from the running pack, so a valid report can be built from the document
alone; `period` is required where it is; the statuses the server really gives are listed
(414 for an over-long request line; 422 and the rest checked against answers to junk); a
lodged report links to its reporter's sign-in and its staff page."""

from __future__ import annotations

import pytest

from casework.api.spec import build_openapi
from casework.workflow.policy import RELATIONS

ALL_ROLES = ("intake", "investigator", "decision_maker", "admin", "auditor", "hr_analyst")


@pytest.fixture
def served(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def schema_of(document: dict, name: str) -> dict:
    return document["components"]["schemas"][name]


def string_enum(prop: dict) -> list[str]:
    """The enum of a property's string form (directly, in an anyOf branch, or its items)."""
    prop = prop.get("items", prop)
    for branch in prop.get("anyOf", [prop]):
        if branch.get("type") == "string" and "enum" in branch:
            return branch["enum"]
    raise AssertionError(f"no enum in {prop}")


def test_request_fields_enumerate_the_running_packs_keys(served, runtime):
    pack, routes = runtime.pack, runtime.routes
    report = schema_of(served, "ReportIn")["properties"]
    assert string_enum(report["route"]) == sorted(routes)
    assert string_enum(report["category"]) == sorted(pack.categories)
    assert string_enum(report["department"]) == sorted(pack.departments)
    transitions = sorted({k for r in routes.values() for k in r.transition_keys})
    assert string_enum(schema_of(served, "TransitionIn")["properties"]["transition"]) == \
        transitions
    assert string_enum(schema_of(served, "ActionIn")["properties"]["action"]) == transitions
    milestone = schema_of(served, "MilestoneIn")["properties"]["milestone"]
    if pack.milestones:  # a pack without milestones leaves the field free (an empty enum
        assert string_enum(milestone) == sorted({m.key for m in pack.milestones.values()})
    else:  # could not be satisfied); the answer is a 422 naming it
        assert "enum" not in milestone
    assert string_enum(schema_of(served, "UserIn")["properties"]["queues"]) == \
        sorted(pack.queues)
    triage = schema_of(served, "TriageIn")["properties"]
    assert string_enum(triage["queue"]) == sorted(pack.queues)
    workflow = served["paths"]["/workflows/{route}"]["get"]["parameters"][0]
    assert workflow["schema"]["enum"] == sorted(routes)
    # How the reporter knows, the pack's ladder and statements, the release grounds.
    assert string_enum(report["relation"]) == list(RELATIONS)
    for field, keys in (("raise_with", pack.levels), ("statements", pack.statements)):
        if keys:
            assert string_enum(report[field]) == list(keys)
        else:
            assert "enum" not in str(report[field])
    if pack.release_grounds:
        assert string_enum(schema_of(served, "ReleaseNoticeIn")["properties"]["ground"]) == \
            list(pack.release_grounds)
    # List filters stay free: an unknown value there finds nothing, it is not an error.
    listing = {p["name"]: p for p in served["paths"]["/cases"]["get"]["parameters"]}
    assert "enum" not in str(listing["category"]["schema"])


def test_a_report_built_from_the_document_alone_is_lodged(api, served):
    report = schema_of(served, "ReportIn")
    route = string_enum(report["properties"]["route"])[0]
    lodged = None
    for category in string_enum(report["properties"]["category"]):
        answer = api.post("/reports", json={
            "route": route, "category": category, "summary": "From the document",
            "details": "Only the document was read.", "anonymous": True})
        if answer.status_code == 201:
            lodged = answer.get_json()
            break
        assert answer.status_code == 422  # a category of another route: refused, named
        assert "category" in answer.get_json()["error"]["fields"]
    assert lodged is not None and lodged["route"] == route


def test_the_document_without_a_runtime_has_no_enums():
    """The route tables of docs/API.md are generated without a pack: keys stay free there."""
    assert "enum" not in str(build_openapi()["components"]["schemas"]["ReportIn"])


def test_period_is_required_where_it_is(served):
    stats = {p["name"]: p for p in served["paths"]["/stats"]["get"]["parameters"]}
    assert stats["period"]["required"] is True
    events = {p["name"]: p for p in served["paths"]["/audit/events"]["get"]["parameters"]}
    assert events["period"]["required"] is False
    for path, item in served["paths"].items():
        for method, op in item.items():
            for param in op.get("parameters", []):
                if param["in"] == "query" and param["required"]:
                    assert (method, path, param["name"]) == ("get", "/stats", "period")


def test_every_operation_with_parameters_lists_the_servers_414(served):
    for path, item in served["paths"].items():
        for method, op in item.items():
            if op.get("parameters"):
                assert "414" in op["responses"], (method, path)
                assert "content" not in op["responses"]["414"]  # the server's own text


def test_a_lodged_report_links_to_its_reporter_session_and_staff_page(api, served, report,
                                                                      sign_in):
    links = served["paths"]["/reports"]["post"]["responses"]["201"]["links"]
    ids = {op["operationId"]: (method, path) for path, item in served["paths"].items()
           for method, op in item.items()}
    assert ids[links["ReporterSession"]["operationId"]] == ("post", "/reporter/session")
    assert ids[links["StaffCase"]["operationId"]] == ("get", "/cases/{ref}")
    lodged = api.post("/reports", json=report).get_json()
    body = {name: lodged[expr.split("#/")[1]]
            for name, expr in links["ReporterSession"]["requestBody"].items()}
    assert api.post("/reporter/session", json=body).status_code == 200
    ref = lodged[links["StaffCase"]["parameters"]["ref"].split("#/")[1]]
    _, token = sign_in(("intake",), ("intake",))
    assert api.get(f"/cases/{ref}", token=token).status_code == 200


JUNK = ["x" * 200, "-1", "0", "99999999999999999999", "1e999", "%20", "null"]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_in_paths_and_queries_answers_only_documented_statuses(api, served, sign_in,
                                                                    junk):
    """Every GET with a path or query parameter, with junk in each, as an all-roles staff
    member: whatever the answer, the document lists it (api.call checks), never a 500."""
    _, token = sign_in(ALL_ROLES, ("intake",))
    for path, item in served["paths"].items():
        op = item.get("get")
        if op is None or not op.get("parameters"):
            continue
        concrete = path
        query = []
        for param in op["parameters"]:
            if param["in"] == "path":
                concrete = concrete.replace("{" + param["name"] + "}", junk)
            else:
                query.append(f"{param['name']}={junk}")
        answer = api.get(concrete + ("?" + "&".join(query) if query else ""), token=token)
        assert answer.status_code < 500, (path, junk)


def test_a_pack_with_milestones_enumerates_them(app, runtime):  # app: every operation loaded
    from types import SimpleNamespace

    from casework.workflow.policy import load_pack

    pack = next(p for p in (load_pack(key, runtime.routes) for key in (
        "vic-public-sector", "au-commonwealth-agency", "canada-federal", "nz-public-service"))
        if p.milestones)
    document = build_openapi(runtime=SimpleNamespace(pack=pack, routes=runtime.routes))
    milestone = document["components"]["schemas"]["MilestoneIn"]["properties"]["milestone"]
    assert string_enum(milestone) == sorted({m.key for m in pack.milestones.values()})
    assert string_enum(document["components"]["schemas"]["ReportIn"]["properties"][
        "category"]) == sorted(pack.categories)


@pytest.mark.parametrize("junk", ["x" * 200, "-1", "99999999999999999999"])
def test_junk_paths_with_an_empty_body_answer_only_documented_statuses(api, served, sign_in,
                                                                       junk):
    """Every POST, PUT and DELETE with a path parameter, junk in it and an empty object as the
    body, as an all-roles staff member: the answer is one the document lists (api.call
    checks), never a 500."""
    _, token = sign_in(ALL_ROLES, ("intake",))
    for path, item in served["paths"].items():
        for method, op in item.items():
            if method == "get" or "{" not in path:
                continue
            concrete = path
            for param in op["parameters"]:
                if param["in"] == "path":
                    concrete = concrete.replace("{" + param["name"] + "}", junk)
            body = {} if "requestBody" in op else None
            answer = api.call(method.upper(), concrete, token=token, json=body)
            assert answer.status_code < 500, (method, path, junk)
