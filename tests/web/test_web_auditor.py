"""The auditor's pages: the trail with its GET filters, a case's events, the CSV, the chain's
check; auditors only, and never the events of a case the auditor is implicated in."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from casework.models import AuditEvent
from casework.services.audit import Kind
from casework.web.trail_words import KIND_WORDS
from tests.web.conftest import page, unsigned

TRAIL = "/staff/audit/"


@pytest.fixture
def auditor(account, browser):
    """An auditor, signed in."""
    acc = account(("auditor",), ())
    assert browser.sign_in(acc).status_code == 303
    return acc


def last_event(session) -> AuditEvent:
    return session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalar()


def rows(body: str) -> list[str]:
    """The table's rows, as HTML."""
    tbody = body.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in body else ""
    return re.findall(r"<tr>.*?</tr>", tbody, flags=re.S)


def test_the_dashboard_and_navigation_point_to_the_trail(browser, auditor):
    body = page(browser.get("/staff/"))
    assert body.count(f'href="{TRAIL}"') == 2  # the navigation, and the dashboard's words
    assert "Go to the audit trail" in body


def test_others_have_no_link_and_are_refused(browser, account):
    officer = account(("intake",), ("intake",))
    assert browser.sign_in(officer).status_code == 303
    assert TRAIL not in page(browser.get("/staff/"))
    for path in (TRAIL, TRAIL + "events.csv"):
        assert browser.get(path).status_code == 403
    assert browser.post(TRAIL + "verify").status_code == 403


def test_signed_out_goes_to_sign_in(client):
    response = client.get(TRAIL)
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]


def test_the_trail_lists_events_in_words_and_links_the_case(browser, auditor, make):
    case = make.case(path=["acknowledge"])
    body = page(browser.get(TRAIL))
    assert "<h1>Audit trail</h1>" in body
    assert KIND_WORDS[Kind.CASE_TRANSITION] in body and "case:transition:fire" in body
    assert f'href="/staff/audit/?case={case.reference}"' in body
    assert '<th scope="col">What happened</th>' in body


def test_the_filters_narrow_the_table(browser, auditor, make):
    one, other = make.case(path=["acknowledge"]), make.case()
    body = page(browser.get(f"{TRAIL}?case={one.reference}"))
    assert f"Events of case {one.reference}" in body
    assert rows(body) and all(one.reference in r for r in rows(body))
    assert other.reference not in "".join(rows(body))
    body = page(browser.get(f"{TRAIL}?kind=case:report:lodge&period=2026-03"))
    assert len(rows(body)) == 2 and all("A report was lodged" in r for r in rows(body))
    body = page(browser.get(f"{TRAIL}?actor=reporter&kind=case:"))
    assert rows(body) and all("reporter" in r for r in rows(body))
    assert "No event matches these filters." in page(browser.get(f"{TRAIL}?period=2025"))


def test_a_bad_filter_is_shown_on_its_field(browser, auditor):
    response = browser.get(f"{TRAIL}?period=last+week&kind=case:nothing")
    assert response.status_code == 422
    body = page(response)
    assert "There is a problem" in body and "<title>Error: Audit trail" in body
    assert 'href="#period"' in body and 'href="#kind"' in body
    assert browser.get(f"{TRAIL}?from=2026-05-02&to=2026-05-01").status_code == 422


def test_paging_to_older_events(browser, auditor, make):
    for _ in range(15):  # 4 events each
        make.case(path=["acknowledge"])
    body = page(browser.get(TRAIL))
    assert len(rows(body)) == 50
    older = re.search(r'href="(/staff/audit/\?after=\d+)" rel="next">Older events', body)
    assert older
    body = page(browser.get(older.group(1).replace("&amp;", "&")))
    assert rows(body) and "Newest events" in body


def test_an_implicated_auditor_sees_no_such_case(browser, account, make):
    person = make.person("Ann Auditor")
    acc = account(("auditor",), (), person_id=person)
    assert browser.sign_in(acc).status_code == 303
    hidden, shown = make.case(implicated=[person]), make.case()
    body = page(browser.get(TRAIL))
    assert shown.reference in body and hidden.reference not in body
    seen = browser.get(f"{TRAIL}?case={hidden.reference}")
    made_up = browser.get(f"{TRAIL}?case=CW-NOSUCH00")
    assert seen.status_code == made_up.status_code == 404
    assert unsigned(seen).replace(hidden.reference, "REF") == unsigned(made_up).replace(
        "CW-NOSUCH00", "REF")
    assert "No case has this reference." in page(seen)
    export = page(browser.get(TRAIL + "events.csv"))
    assert shown.reference in export and hidden.reference not in export


def test_the_page_read_is_on_the_record(browser, auditor, session, make):
    make.case()
    browser.get(f"{TRAIL}?kind=case:&period=2026")
    event = last_event(session)
    assert event.kind == "audit:events:read" and event.actor == f"user:{auditor.id}"
    assert event.details["filters"] == {"kind": "case:", "period": "2026"}


def test_the_csv_download(browser, auditor, make, session):
    case = make.case()
    body = page(browser.get(f"{TRAIL}?case={case.reference}"))
    link = re.search(r'href="(/staff/audit/events\.csv\?case=[^"]+)" download', body)
    assert link
    response = browser.get(link.group(1))
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(page(response))))
    assert table[0] == ["seq", "at", "kind", "actor", "case", "details"]
    assert {r[4] for r in table[1:]} == {case.reference}
    assert last_event(session).kind == "audit:events:export"


def test_checking_the_chain(browser, auditor, make, session):
    make.case()
    response = browser.post(TRAIL + "verify", {"kind": "case:"}, token_from=TRAIL)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/staff/audit/?kind=case:#chain")
    assert last_event(session).kind == "audit:verify"
    body = page(browser.get(response.headers["Location"]))
    assert "the trail is intact" in body


def test_a_broken_chain_is_named(browser, auditor, make, session):
    make.case()
    event = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().first()
    event.actor = "someone else"
    session.flush()
    browser.post(TRAIL + "verify", token_from=TRAIL)
    body = page(browser.get(TRAIL))
    assert f"the trail is broken at event number\n      {event.seq}" in body


def test_every_kind_has_words():
    assert set(KIND_WORDS) == set(Kind)
