"""POST /reports takes how the reporter knows, whom they ask to raise it with and what they say
(GET /meta lists each from the pack); GET /cases/{ref} answers with them and the people the
routing rules worked out."""

from __future__ import annotations

from tests.api.conftest import REPORT


def test_meta_lists_the_packs_relations_levels_and_statements(api, runtime):
    body = api.get("/meta").get_json()
    assert [r["key"] for r in body["relations"]] == ["affected", "saw", "told"]
    assert [lv["key"] for lv in body["raise_with"]] == list(runtime.pack.levels)
    assert [s["key"] for s in body["statements"]] == list(runtime.pack.statements)


def test_the_case_answer_says_how_the_reporter_knows_and_who_the_rules_worked_out(
        api, make, sign_in):
    director = make.person("Dana Director", roles=["director"], position="Director")
    manager = make.person("Morgan Manager", manager_id=director)
    me = make.person("Riley Reporter", manager_id=manager)
    lodged = api.post("/reports", json={
        **REPORT, "anonymous": False, "reporter": {"name": "Riley", "person_id": me},
        "relation": "told", "statements": ["line_manager_involved"],
        "raise_with": "next_senior_manager"})
    assert lodged.status_code == 201 and lodged.get_json()["queue"] == "hr"
    _, token = sign_in(("intake",), ("hr",))
    body = api.get(f"/cases/{lodged.get_json()['reference']}", token=token).get_json()
    assert (body["relation"], body["witness"]) == ("told", True)
    assert body["raise_with"] == "the next senior manager or their Director"
    assert body["reporter_says"] == ["My line manager is involved in what I am reporting"]
    assert body["next_senior_manager"] == {"person_id": director, "name": "Dana Director",
                                           "position": "Director"}
    assert [p["person_id"] for p in body["implicated"]] == [manager]


def test_a_relation_or_statement_the_pack_does_not_know_is_a_422_naming_it(api):
    for change, field in (({"relation": "rumour"}, "relation"),
                          ({"statements": ["unhappy"]}, "statements"),
                          ({"raise_with": "mayor"}, "raise_with")):
        refused = api.post("/reports", json={**REPORT, **change})
        assert refused.status_code == 422
        assert field in refused.get_json()["error"]["fields"]
