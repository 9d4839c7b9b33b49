"""GET /cases pages by keyset (`after` and `next`) and counts up to a cap (`total_at_least`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.services import worklists


def walk(api, token: str, query: str = "per_page=2") -> list[list[str]]:
    """Every page from the first, following `next`; each page's references."""
    pages, after = [], None
    while True:
        suffix = f"&after={after}" if after else ""
        body = api.get(f"/cases?{query}{suffix}", token=token).get_json()
        pages.append([i["reference"] for i in body["items"]])
        after = body["next"]
        if after is None:
            return pages
        assert len(pages) < 50, "the walk does not end"


@pytest.fixture
def seven(make, clock):
    """Seven intake cases, two of them lodged at the same moment (the id breaks the tie)."""
    made = []
    for n in range(7):
        made.append(make.lodge("disclosure").reference)
        if n != 2:
            clock.now += timedelta(minutes=1)
    return made


def test_walking_next_gives_every_case_once_newest_first(api, handler, seven):
    _, token = handler
    pages = walk(api, token)
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [ref for page in pages for ref in page] == seven[::-1]


def test_the_walk_matches_the_offset_pages(api, handler, seven):
    _, token = handler
    by_page = [[i["reference"] for i in api.get(f"/cases?per_page=3&page={n}",
                                                  token=token).get_json()["items"]]
               for n in (1, 2, 3)]
    assert walk(api, token, "per_page=3") == by_page


def test_the_last_page_has_no_next_and_a_full_last_page_too(api, handler, seven):
    _, token = handler
    assert api.get("/cases?per_page=7", token=token).get_json()["next"] is None
    assert api.get("/cases?per_page=6", token=token).get_json()["next"] is not None


def test_a_case_lodged_mid_walk_neither_repeats_nor_skips_one(api, handler, make, seven):
    _, token = handler
    first = api.get("/cases?per_page=3", token=token).get_json()
    make.lodge("disclosure")  # newest: before the cursor, so not in the rest of this walk
    rest, after = [], first["next"]
    while after:
        body = api.get(f"/cases?per_page=3&after={after}", token=token).get_json()
        rest += [i["reference"] for i in body["items"]]
        after = body["next"]
    assert [i["reference"] for i in first["items"]] + rest == seven[::-1]


def test_filters_hold_through_the_walk(api, make, handler, seven):
    _, token = handler
    others = [make.lodge("disclosure", category="health_and_safety").reference
              for _ in range(3)]
    pages = walk(api, token, "per_page=2&category=health_and_safety")
    assert pages == [others[::-1][:2], others[:1]]


@pytest.mark.parametrize("cursor", ["nonsense", "A" * 60, "%00", "x" * 401, "é"])
def test_a_malformed_cursor_is_a_422_naming_after(api, handler, seven, cursor):
    _, token = handler
    response = api.get(f"/cases?after={cursor}", token=token)
    assert response.status_code == 422
    assert "after" in response.get_json()["error"]["fields"]


def test_an_altered_cursor_is_a_422(api, handler, seven):
    _, token = handler
    cursor = api.get("/cases?per_page=2", token=token).get_json()["next"]
    flipped = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    response = api.get(f"/cases?per_page=2&after={flipped}", token=token)
    assert response.status_code == 422 and "after" in response.get_json()["error"]["fields"]


def test_a_cursor_from_another_list_is_a_422(api, handler, seven):
    _, token = handler
    cursor = api.get("/cases?per_page=2", token=token).get_json()["next"]
    response = api.get(f"/cases?per_page=2&state=received&after={cursor}", token=token)
    assert response.status_code == 422 and "after" in response.get_json()["error"]["fields"]
    # the page size is not part of the list: a cursor continues at another size
    assert api.get(f"/cases?per_page=5&after={cursor}", token=token).status_code == 200


def test_a_cursor_carries_no_reference_or_date_in_clear(api, handler, seven):
    _, token = handler
    body = api.get("/cases?per_page=2", token=token).get_json()
    cursor = body["next"]
    last = body["items"][-1]
    for secret in (last["reference"], last["opened_at"][:10], "2026"):
        assert secret not in cursor
    import base64
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert b"2026" not in raw and last["reference"].encode() not in raw


def test_a_cursor_never_shows_a_case_the_person_cannot_see(api, make, sign_in, handler, clock):
    """A colleague's cursor, taken from a list with cases the person may not see, continues
    the person's own list: the hidden cases (implicated, another queue) never appear."""
    person = make.person()
    _, mine = sign_in(("intake",), ("intake",), person_id=person)
    _, colleague = handler
    visible, hidden = [], []
    for n in range(6):
        if n % 2:
            hidden.append(make.lodge("disclosure", implicated=[person]).reference)
        else:
            visible.append(make.lodge("disclosure").reference)
        clock.now += timedelta(minutes=1)
    hidden.append(make.lodge("harassment").reference)  # the hr queue
    theirs = api.get("/cases?per_page=1", token=colleague).get_json()
    shown = api.get(f"/cases?per_page=10&after={theirs['next']}", token=mine).get_json()
    refs = [i["reference"] for i in shown["items"]]
    assert not set(refs) & set(hidden)
    assert refs == visible[::-1][:len(refs)] and refs
    assert shown["total"] == len(visible)
    assert [r for page in walk(api, mine, "per_page=1") for r in page] == visible[::-1]


def test_the_total_stops_at_the_cap(api, handler, seven, monkeypatch):
    _, token = handler
    monkeypatch.setattr(worklists, "TOTAL_CAP", 5)
    body = api.get("/cases?per_page=2", token=token).get_json()
    assert (body["total"], body["total_at_least"]) == (None, 5)
    assert len(body["items"]) == 2
    monkeypatch.setattr(worklists, "TOTAL_CAP", 7)
    body = api.get("/cases?per_page=2", token=token).get_json()
    assert (body["total"], body["total_at_least"]) == (7, None)


def test_the_capped_total_counts_only_visible_cases(api, make, sign_in, seven, monkeypatch):
    person = make.person()
    _, token = sign_in(("intake",), ("intake",), person_id=person)
    for _ in range(3):
        make.lodge("disclosure", implicated=[person])
    monkeypatch.setattr(worklists, "TOTAL_CAP", 7)
    body = api.get("/cases", token=token).get_json()
    assert (body["total"], body["total_at_least"]) == (7, None)
