"""GET /cases search parameters and POST /cases/{ref}/title."""

from __future__ import annotations


def refs(listing: dict) -> list[str]:
    return [item["reference"] for item in listing["items"]]


def test_search_by_words_reference_person_and_dates(api, make, sign_in):
    accused = make.person("Jo Accused")
    account, token = sign_in(("intake",), ("intake",))
    hit = make.lodge("disclosure", details="Diesel was siphoned from the vans",
                     implicated=[accused]).reference
    miss = make.lodge("disclosure", details="Timesheets were padded").reference
    assert refs(api.get("/cases?q=siphoned+VANS", token=token).get_json()) == [hit]
    assert refs(api.get(f"/cases?reference={miss.lower()}", token=token).get_json()) == [miss]
    assert refs(api.get(f"/cases?implicated={accused}", token=token).get_json()) == [hit]
    listing = api.get("/cases?lodged_from=2026-03-02&lodged_to=2026-03-02", token=token)
    assert set(refs(listing.get_json())) == {hit, miss}
    assert api.get("/cases?lodged_to=2026-03-01", token=token).get_json()["total"] == 0
    for bad in ("lodged_from=soon", "lodged_to=0", "lodged_from=1700000000"):  # no timestamps
        refused = api.get(f"/cases?{bad}", token=token)
        name = bad.split("=")[0]
        assert refused.status_code == 422 and name in refused.get_json()["error"]["fields"]
    many = api.get("/cases?q=" + "+".join(f"w{n}" for n in range(9)), token=token)
    assert many.status_code == 422 and "q" in many.get_json()["error"]["fields"]


def test_someone_implicated_never_finds_the_case(api, make, sign_in):
    person = make.person("Kim Named")
    make.lodge("disclosure", details="Bribes for the tender", implicated=[person])
    _, token = sign_in(("intake",), ("intake",), person_id=person)
    assert api.get("/cases?q=bribes", token=token).get_json()["total"] == 0
    assert api.get(f"/cases?implicated={person}", token=token).get_json()["total"] == 0


def test_a_title_is_set_shown_and_searched(api, make, handler):
    _, token = handler
    case = make.lodge("disclosure").case
    done = api.post(f"/cases/{case.reference}/title", token=token,
                    json={"title": "Fuel card misuse", "version": case.version})
    assert done.status_code == 200
    assert done.get_json() == {"reference": case.reference, "title": "Fuel card misuse",
                               "version": case.version + 1}
    assert api.get(f"/cases/{case.reference}", token=token).get_json()["title"] == (
        "Fuel card misuse")
    listing = api.get("/cases?q=fuel+card", token=token).get_json()
    assert [(i["reference"], i["title"]) for i in listing["items"]] == [
        (case.reference, "Fuel card misuse")]
    stale = api.post(f"/cases/{case.reference}/title", token=token,
                     json={"title": "Other", "version": case.version})
    assert stale.status_code == 409
    long = api.post(f"/cases/{case.reference}/title", token=token, json={"title": "x" * 81})
    assert long.status_code == 422 and "title" in long.get_json()["error"]["fields"]
