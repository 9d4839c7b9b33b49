"""GET /api/v1/stats: one fixed finished period, protected counts, 403 for other roles, and an
HR analyst sees statistics and nothing of any case."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest


@pytest.fixture
def year_2026(make, clock):
    for _ in range(9):
        make.case("harassment", category="sexual_harassment")
    make.case("harassment", category="other_harassment")
    clock.now = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_an_analyst_gets_the_protected_table(api, sign_in, year_2026):
    _, token = sign_in(("hr_analyst",), ())
    answer = api.get("/stats?by=route,category&period=2026", headers=auth(token))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["period"], body["threshold"], body["rounding"]) == ("2026", 8, 5)
    cells = {(r["route"], r["category"]): (r["count"], r["suppressed"]) for r in body["rows"]}
    assert cells[("harassment", "sexual_harassment")] == (10, False)  # 9 → 10
    assert cells[("harassment", "other_harassment")] == (None, True)  # 1 → suppressed
    assert cells[("disclosure", "fraud")] == (0, False)


@pytest.mark.parametrize("query", [
    "by=route&from=2026-01-01&to=2026-03-31",
    "by=route&period=2026-01-01..2026-03-31",
    "by=route&period=2026-02",
    "by=department,category&period=2026",
    "by=route"])
def test_a_free_range_or_a_forbidden_crossing_is_a_422(api, sign_in, year_2026, query):
    _, token = sign_in(("hr_analyst",), ())
    answer = api.get(f"/stats?{query}", headers=auth(token))
    assert answer.status_code == 422, answer.get_json()


@pytest.mark.parametrize("roles", [("intake",), ("auditor",), ("admin",)])
def test_roles_without_statistics_access_get_403(api, sign_in, year_2026, roles):
    _, token = sign_in(roles, ("hr",))
    assert api.get("/stats?by=route&period=2026", headers=auth(token)).status_code == 403


def test_an_analyst_gets_404_on_every_case(api, sign_in, make):
    case = make.case("harassment")
    _, token = sign_in(("hr_analyst",), ())
    assert api.get(f"/cases/{case.reference}", headers=auth(token)).status_code == 404
    listed = api.get("/cases", headers=auth(token)).get_json()
    assert listed["items"] == []


def test_declines_are_counted_by_the_kind_of_reason(api, sign_in, make, clock, monkeypatch):
    """Nine harassment complaints declined as outside the policy: 10 after rounding; the other
    kinds offered are rows of 0; no row says anything of the free-text reasons. (The cell key's
    perturbation is held at 0: a move of 4 or more would show 15; tests/stats tests the noise.)"""
    monkeypatch.setattr("casework.stats.disclosure.perturbation", lambda key, noise: 0)
    from casework.services.transitions import fire_transition
    for _ in range(9):
        case = make.case("harassment", path=("acknowledge", "choose_formal"),
                         category="sexual_harassment")
        boss = make.staff(roles=("decision_maker",), queues=(case.queue,))
        fire_transition(make.ctx, boss, case.reference, "decline_investigation", case.version,
                        {"reason": "Private words", "reason_class": "outside_policy"})
    clock.now = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    _, token = sign_in(("hr_analyst",), ())
    answer = api.get("/stats?by=route,declined&period=2026", headers=auth(token))
    assert answer.status_code == 200, answer.get_json()
    cells = {(r["route"], r["declined"]): r["count"] for r in answer.get_json()["rows"]}
    assert cells[("harassment", "outside_policy")] == 10
    assert cells[("harassment", "trivial_or_vexatious")] == 0
    assert "Private words" not in answer.get_data(as_text=True)
