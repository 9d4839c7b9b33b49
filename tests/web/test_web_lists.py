"""The case list (filters, order, pages that keep the filters), triage, and recording a report
on someone's behalf."""

from __future__ import annotations

import re
from datetime import timedelta

from casework.models import Case
from casework.services.auth import reporter_sign_in
from tests.web.conftest import page

REF = re.compile(r'<th scope="row"><a href="/staff/cases/(CW-\w+)">')


def refs(body: str) -> list[str]:
    return REF.findall(body)


def test_filters_order_and_pages(browser, account, make, clock):
    start = clock.now
    made = []
    for n in range(27):
        clock.now = start - timedelta(hours=27 - n)
        made.append(make.case().reference)
    clock.now = start
    other = make.case("harassment").reference
    officer = account(("intake",), ("intake", "hr"))
    assert browser.sign_in(officer).status_code == 303
    first = page(browser.get("/staff/cases?route=disclosure&sort=oldest"))
    assert "27 cases" in first and "Page 1 of 2" in first
    assert refs(first) == made[:25] and other not in refs(first)
    nxt = re.search(r'href="(/staff/cases\?[^"]*)" rel="next"', first).group(1).replace(
        "&amp;", "&")
    assert "route=disclosure" in nxt and "sort=oldest" in nxt and "page=2" in nxt
    second = page(browser.get(nxt))
    assert refs(second) == made[25:]
    newest = page(browser.get("/staff/cases?route=disclosure"))
    assert refs(newest)[:2] == [made[-1], made[-2]]
    only_hr = page(browser.get("/staff/cases?route=harassment"))
    assert refs(only_hr) == [other]
    assert 'option selected value="harassment"' in only_hr  # the form shows the filter
    bad = browser.get("/staff/cases?sort=sideways")
    assert bad.status_code == 422 and 'href="#sort"' in page(bad)


def test_sorting_by_next_due_date(browser, account, make, ctx, clock):
    start = clock.now
    clock.now = start - timedelta(days=3)
    early = make.case().reference  # acknowledgement due in 4 days
    clock.now = start
    late = make.case().reference  # due in 7 days
    closed = make.case(path=["withdraw"]).reference  # no running clock: last
    officer = account(("intake",), ("intake",))
    assert browser.sign_in(officer).status_code == 303
    assert refs(page(browser.get("/staff/cases?sort=due"))) == [early, late, closed]


def test_assigned_to_me_filter(browser, account, make, ctx):
    from casework.services.assignments import assign

    mine, theirs = make.case(), make.case()
    officer = account(("intake", "investigator"), ("intake",))
    assign(ctx, make.staff(), mine.reference, officer.id, "investigator")
    ctx.session.flush()
    assert browser.sign_in(officer).status_code == 303
    assert refs(page(browser.get("/staff/cases?assigned=y"))) == [mine.reference]
    assert theirs.reference in refs(page(browser.get("/staff/cases")))


def test_triage_lists_new_cases_oldest_first_with_clocks(browser, account, make, clock):
    start = clock.now
    clock.now = start - timedelta(days=10)
    oldest = make.case().reference  # acknowledgement was due on Friday 27 February
    clock.now = start - timedelta(days=1)
    newer = make.case().reference
    clock.now = start
    make.case(path=["acknowledge"])  # no longer new
    elsewhere = make.case("harassment").reference  # the hr queue: not mine
    officer = account(("intake",), ("intake",))
    assert browser.sign_in(officer).status_code == 303
    body = page(browser.get("/staff/triage"))
    assert refs(body) == [oldest, newer]
    assert elsewhere not in body
    first_row = body.split(oldest)[2].split("</tr>")[0]
    assert "Overdue" in first_row and "Acknowledge the report" in first_row


def test_recording_a_report_on_someones_behalf(browser, handler, ctx):
    form = page(browser.get("/staff/record"))
    assert 'action="/staff/record"' in form and "on someone's behalf" in form
    sent = browser.post("/staff/record", {
        "route": "disclosure", "category": "health_and_safety", "anonymous": "yes",
        "summary": "Loose scaffolding", "details": "Told to me by phone on Monday."},
        token_from="/staff/record")
    assert sent.status_code == 303 and sent.location.endswith("/staff/record/receipt")
    shown = page(browser.get("/staff/record/receipt"))
    reference = re.search(r'id="reference">(CW-\w+)<', shown).group(1)
    receipt = re.search(r'id="receipt">([^<]+)<', shown).group(1)
    assert "article 18" in shown and 'href="/return"' in shown
    again = page(browser.get("/staff/record/receipt"))
    assert "Already shown" in again and receipt not in again
    case = ctx.session.query(Case).filter_by(reference=reference).one()
    assert case.recorded_by_staff
    assert reporter_sign_in(ctx, reference, receipt) is not None


def test_a_recorded_report_with_a_mistake_keeps_what_was_typed(browser, handler):
    refused = browser.post("/staff/record", {
        "route": "disclosure", "category": "", "anonymous": "yes",
        "summary": "Loose scaffolding", "details": "Told to me by phone."},
        token_from="/staff/record")
    assert refused.status_code == 422
    assert 'value="Loose scaffolding"' in page(refused)
    assert 'href="#category"' in page(refused)


def test_a_long_list_says_or_more_and_offers_the_next_page(browser, account, make,
                                                           monkeypatch):
    from casework.services import worklists
    from casework.web import staff

    monkeypatch.setattr(worklists, "TOTAL_CAP", 2)
    monkeypatch.setattr(staff, "PER_PAGE", 1)
    made = [make.case().reference for _ in range(4)]
    officer = account(("intake",), ("intake",))
    assert browser.sign_in(officer).status_code == 303
    first = page(browser.get("/staff/cases"))
    assert "2 or more cases" in first and "Page 1 of 2 or more." in first
    assert refs(first) == [made[-1]] and 'rel="next"' in first
    third = page(browser.get("/staff/cases?page=3"))
    assert "Page 3 of 3 or more." in third and refs(third) == [made[1]]
    last = page(browser.get("/staff/cases?page=4"))
    assert "4 cases" in last and "Page 4 of 4." in last and 'rel="next"' not in last
