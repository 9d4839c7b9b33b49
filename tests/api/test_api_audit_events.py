"""GET /audit/events and /audit/events.csv: the auditor's filtered trail over HTTP, answered
as the OpenAPI document says (the test client checks every answer against it)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from casework.models import AuditEvent
from casework.services import audit


@pytest.fixture
def auditor(sign_in):
    """A signed-in auditor: (account, token)."""
    return sign_in(("auditor",), ())


def events(api, token, query=""):
    response = api.get(f"/audit/events{query}", token=token)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def last_event(session) -> AuditEvent:
    return session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalar()


def test_the_envelope_and_an_event(api, make, auditor):
    case = make.case(path=["acknowledge"])
    body = events(api, auditor[1], f"?case={case.reference}&kind=case:transition:fire")
    assert body["next"] is None and body["per_page"] == 50
    [step] = body["items"]
    assert step["case"] == case.reference and step["kind"] == "case:transition:fire"
    assert step["details"] == {"transition": "acknowledge", "from_state": "received",
                               "to_state": "assessment"}
    assert step["actor"].startswith("user:")
    assert step["at"].endswith(("Z", "+00:00"))  # UTC


def test_filters_narrow_the_list(api, make, auditor):
    one, other = make.case(path=["acknowledge"]), make.case()
    token = auditor[1]
    assert {e["case"] for e in events(api, token, f"?case={one.reference}")["items"]} == {
        one.reference}
    assert {e["actor"] for e in events(api, token, "?actor=reporter")["items"]} == {"reporter"}
    kinds = {e["kind"] for e in events(api, token, "?kind=case:&per_page=500")["items"]}
    assert kinds and all(k.startswith("case:") for k in kinds)
    assert other.reference in {e["case"] for e in events(
        api, token, "?kind=case:report:lodge&period=2026-03")["items"]}
    assert events(api, token, "?period=2025")["items"] == []
    assert events(api, token, "?from=2026-03-03")["items"] == []
    assert events(api, token, "?case=&actor=&kind=&period=")["items"]  # empty: no filter


def test_keyset_paging_with_after_and_next(api, make, auditor):
    for _ in range(2):
        make.case(path=["acknowledge"])
    token = auditor[1]
    first = events(api, token, "?per_page=3")
    assert len(first["items"]) == 3 and first["next"] == first["items"][-1]["seq"]
    second = events(api, token, f"?per_page=3&after={first['next']}")
    assert all(e["seq"] < first["next"] for e in second["items"])
    page_two = events(api, token, f"?per_page=3&page=2&after={first['items'][0]['seq'] + 1}")
    assert [e["seq"] for e in page_two["items"]] == [e["seq"] for e in second["items"]]


@pytest.mark.parametrize(("query", "field"), [
    ("?period=2026-01-01..2026-03-31", "period"), ("?period=2026-13", "period"),
    ("?kind=case:nothing", "kind"), ("?actor=user:x", "actor"), ("?after=abc", "after"),
    ("?from=2026-02-30", "from"), ("?from=2026-05-02&to=2026-05-01", "to"),
    ("?to=9999-12-31", "to"), ("?per_page=501", "per_page"), ("?since=2026-01-01", "since"),
])
def test_a_bad_filter_is_422_naming_it(api, auditor, query, field):
    for path in ("/audit/events", "/audit/events.csv"):
        if field == "per_page" and path.endswith(".csv"):
            continue  # the CSV has no pages
        response = api.get(path + query, token=auditor[1])
        assert response.status_code == 422, (path, query)
        assert field in response.get_json()["error"]["fields"], response.get_json()


@pytest.mark.parametrize("roles", [("intake",), ("admin",), ("hr_analyst",),
                                   ("intake", "investigator", "decision_maker")])
def test_non_auditors_are_refused(api, sign_in, roles):
    _, token = sign_in(roles, ("intake",) if "intake" in roles else ())
    for path in ("/audit/events", "/audit/events.csv", "/audit/verify"):
        response = api.get(path, token=token)
        assert response.status_code == 403, path
        assert response.get_json()["error"]["code"] == "forbidden"


def test_no_token_is_401(api):
    assert api.get("/audit/events").status_code == 401
    assert api.get("/audit/events.csv").status_code == 401


def test_an_implicated_auditor_gets_no_such_case(api, make, sign_in):
    person = make.person("Ann Auditor")
    _, token = sign_in(("auditor",), (), person_id=person)
    hidden, shown = make.case(implicated=[person]), make.case()
    seen = api.get(f"/audit/events?case={hidden.reference}", token=token)
    missing = api.get("/audit/events?case=CW-NOSUCH00", token=token)
    assert seen.status_code == missing.status_code == 404
    assert seen.get_json() == missing.get_json()
    listed = {e["case"] for e in events(api, token, "?per_page=500")["items"]}
    assert shown.reference in listed and hidden.reference not in listed
    export = api.get("/audit/events.csv", token=token).get_data(as_text=True)
    assert shown.reference in export and hidden.reference not in export
    assert api.get(f"/audit/events.csv?case={hidden.reference}", token=token).status_code == 404


def test_the_read_is_audited(api, make, auditor, session):
    account, token = auditor
    case = make.case()
    events(api, token, f"?case={case.reference}&kind=case:")
    event = last_event(session)
    assert (event.kind, event.actor, event.case_id) == (
        "audit:events:read", f"user:{account.id}", case.id)
    assert event.details["filters"] == {"kind": "case:"}


def test_the_csv_is_safe_and_audited(api, make, auditor, session, ctx):
    make.case()
    audit.record(ctx.session, audit.chain_key(ctx.runtime.keyring), audit.Kind.LOGIN_FAIL,
                 "@evil", ctx.now, reason="-2+3")
    ctx.session.flush()
    response = api.get("/audit/events.csv?actor=@evil", token=auditor[1])
    assert response.status_code == 422  # not an actor the trail writes: refused as a filter
    response = api.get("/audit/events.csv?kind=auth:", token=auditor[1])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [r[3] for r in rows[1:] if r[2] == "auth:login:fail"] == ["'@evil"]
    assert last_event(session).kind == "audit:events:export"


def test_the_document_describes_both(document):
    listed = document["paths"]["/audit/events"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"case", "actor", "kind", "period",
                                                          "from", "to", "after", "page"}
    assert {"401", "403", "404", "422"} <= set(listed["responses"])
    csv_ok = document["paths"]["/audit/events.csv"]["get"]["responses"]["200"]
    assert "text/csv" in csv_ok["content"]
