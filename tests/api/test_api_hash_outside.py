"""Through the API too, the receipt is hashed (on POST /reports) and checked (on POST
/reporter/session) before the request's transaction begins."""

from __future__ import annotations

from casework.crypto import receipts
from tests.hash_spy import spy_on


def test_api_intake_and_reporter_session_hash_outside_the_transaction(api, monkeypatch):
    spy = spy_on(monkeypatch, receipts, "RECEIPT_HASHER")
    lodged = api.post("/reports", json={
        "route": "disclosure", "category": "health_and_safety", "summary": "Loose scaffolding",
        "details": "At the depot.", "anonymous": True})
    assert lodged.status_code == 201
    body = lodged.get_json()
    signed = api.post("/reporter/session", json={"reference": body["reference"],
                                                  "receipt": body["receipt"]})
    assert signed.status_code == 200 and signed.get_json()["token"]
    refused = api.post("/reporter/session", json={"reference": body["reference"],
                                                   "receipt": "AAAA-AAAA-AAAA-AAAA-AAAA"})
    assert refused.status_code == 401
    assert [m for m, _ in spy.calls] == ["hash", "verify", "verify"]
    assert not any(open_ for _, open_ in spy.calls), spy.calls
