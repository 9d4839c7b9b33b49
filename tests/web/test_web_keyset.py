"""The case list's "Next page" carries a keyset cursor (`after`) that walks every case once,
in each order; the count says "10,000 or more" past its cap; a bad cursor is a 422 page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from casework.services import worklists
from casework.web import staff
from tests.web.conftest import page

REF = re.compile(r'<th scope="row"><a href="/staff/cases/(CW-\w+)">')
NEXT = re.compile(r'href="(/staff/cases\?[^"]*)" rel="next"')


def walk(browser, path: str) -> tuple[list[list[str]], list[str]]:
    """Follow "Next page" from path to the end: each page's references, and the links."""
    pages, links = [], []
    while path:
        body = page(browser.get(path))
        pages.append(REF.findall(body))
        found = NEXT.search(body)
        path = found.group(1).replace("&amp;", "&") if found else None
        if path:
            links.append(path)
        assert len(pages) < 40
    return pages, links


@pytest.fixture
def listed(browser, account, make, clock, monkeypatch):
    """Nine intake cases lodged over three days (three at each moment), two withdrawn (no
    running clock), pages of two; a signed-in intake officer."""
    monkeypatch.setattr(staff, "PER_PAGE", 2)
    start, made = clock.now, []
    for day in range(3):
        clock.now = start - timedelta(days=3 - day)
        made += [make.case(path=["withdraw"] if len(made) + n in (1, 5) else ()).reference
                 for n in range(3)]
    clock.now = start
    assert browser.sign_in(account(("intake",), ("intake",))).status_code == 303
    return made


@pytest.mark.parametrize("sort", ["newest", "oldest", "due"])
def test_next_page_walks_every_case_once_in_order(browser, listed, sort):
    pages, links = walk(browser, f"/staff/cases?sort={sort}&route=disclosure")
    walked = [ref for p in pages for ref in p]
    assert sorted(walked) == sorted(listed) and len(walked) == len(listed)
    assert all("after=" in link and f"sort={sort}" in link and "route=disclosure" in link
               for link in links)
    assert [int(re.search(r"page=(\d+)", link).group(1)) for link in links] == list(
        range(2, len(pages) + 1))
    # the same order the offset pages give
    by_offset = [REF.findall(page(browser.get(f"/staff/cases?sort={sort}&route=disclosure"
                                              f"&page={n}"))) for n in range(1, len(pages) + 1)]
    assert pages == by_offset


def test_the_withdrawn_cases_come_last_by_due_date(browser, listed):
    pages, _ = walk(browser, "/staff/cases?sort=due")
    walked = [ref for p in pages for ref in p]
    assert set(walked[-2:]) == {listed[1], listed[5]}


def test_the_count_says_or_more_past_its_cap(browser, listed, monkeypatch):
    monkeypatch.setattr(worklists, "TOTAL_CAP", 4)
    body = page(browser.get("/staff/cases"))
    assert "4 or more cases" in body and "more than" not in body
    assert NEXT.search(body)
    monkeypatch.setattr(worklists, "TOTAL_CAP", 9)
    assert "9 cases" in page(browser.get("/staff/cases"))


@pytest.mark.parametrize("cursor", ["nonsense", "%FF%FE", "A" * 500])
def test_a_bad_cursor_is_a_422_page(browser, listed, cursor):
    response = browser.get(f"/staff/cases?after={cursor}")
    assert response.status_code == 422
    assert "Start again from the first page" in page(response)


def test_a_cursor_from_other_filters_is_refused(browser, listed):
    _, links = walk(browser, "/staff/cases?sort=oldest")
    after = re.search(r"after=([^&]+)", links[0]).group(1)
    assert browser.get(f"/staff/cases?sort=newest&after={after}").status_code == 422
    assert browser.get(f"/staff/cases?sort=oldest&after={after}").status_code == 200
