"""The HR analyst's pages: tables, charts and CSV of protected counts, the annual reports, and
nothing of any case; everyone else is refused."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from casework.services.stats import OPERATOR, StatsRequest, as_csv, release
from tests.web.conftest import page

NUMBER = re.compile(r"\b\d+\b")
CELLS = re.compile(r'<td class="count">([^<]*)</td>')
CHART_VALUES = re.compile(r'<text class="chart-value[^"]*"[^>]*>([^<]*)</text>')


@pytest.fixture
def year_2026(make, clock, no_noise):
    """Twelve fraud disclosures, three of bribery and nine sexual harassment complaints, all
    received in 2026; then the clock moves into 2027, so 2026 is a finished period."""
    cases = [make.case("disclosure", category="fraud") for _ in range(12)]
    cases += [make.case("disclosure", category="bribery_corruption") for _ in range(3)]
    cases += [make.case("harassment", category="sexual_harassment") for _ in range(9)]
    clock.now = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    return cases


@pytest.fixture
def analyst(year_2026, account, browser):
    """An HR analyst, signed in (with a second factor, like every account)."""
    acc = account(("hr_analyst",), ())
    assert browser.sign_in(acc).status_code == 303
    return acc


def shown_numbers(body: str) -> list[str]:
    """The counts a reader sees: table cells and the chart's value labels."""
    return CELLS.findall(body) + CHART_VALUES.findall(body)


@pytest.fixture
def still(monkeypatch):
    """The cell key's perturbation held at 0: these tests read the page, not the noise (twelve
    shown as 15, or ten as 15, about one run in forty otherwise; tests/stats tests the noise)."""
    monkeypatch.setattr("casework.stats.disclosure.perturbation", lambda key, noise: 0)


def test_an_analyst_sees_a_table_and_a_chart_with_small_counts_not_shown(browser, analyst,
                                                                         still):
    response = browser.get("/staff/statistics?by=category&period=2026")
    body = page(response)
    assert response.status_code == 200
    assert "Counts from 1 to 7 are not shown; other counts are moved by up to 10" in body
    assert "rounded to a multiple of 5" in body
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="chart-title chart-desc"', body)
    assert '<th scope="row">Bribery or corruption</th><td class="count">not shown</td>' in body
    assert '<th scope="row">Fraud, false claims or financial deception</th>' \
           '<td class="count">10</td>' in body
    assert 'class="chart-marker"' in body  # the 3 bribery reports: a dashed box, no bar
    numbers = [int(n) for text in shown_numbers(body) for n in NUMBER.findall(text)]
    assert numbers and not [n for n in numbers if 1 <= n <= 7]
    assert "<script" not in body and "style=" not in body  # the CSP allows neither


def test_two_dimensions_make_a_two_way_table(browser, analyst):
    body = page(browser.get("/staff/statistics?by=category&by2=route&period=2026"))
    assert '<th scope="col">Kind of conduct</th>' in body
    assert '<th scope="col">Sexual harassment complaint</th>' in body
    assert '<th scope="row">Sexual harassment</th>' in body
    assert set(shown_numbers(body)) <= {"0", "10", "15", "25", "not shown", "withheld"}
    assert "moved by up to 10" in body


def test_the_csv_download_is_the_same_release(browser, analyst, ctx):
    response = browser.get("/staff/statistics.csv?by=category&period=2026")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="statistics-2026-category.csv"'
    rows = list(csv.reader(io.StringIO(page(response))))
    labels = {c.key: c.label for c in ctx.runtime.pack.categories.values()}
    assert rows[0] == ["Kind of conduct", "Number of cases"]  # the page's words, not the keys
    assert [labels["fraud"], "10"] in rows and [labels["bribery_corruption"], "not shown"] in rows
    assert rows[-1][0] == "All"  # the table and nothing after it (no rule, no blank line)
    assert all(len(row) == 2 for row in rows)


def test_the_cli_keeps_the_keys_the_contract_fixes(browser, analyst, ctx):
    body = release(ctx, OPERATOR, StatsRequest(("category",), "2026", None))
    assert as_csv(body).splitlines()[0] == "category,count,suppressed"


def test_the_tables_published_are_listed_with_links(browser, analyst):
    browser.get("/staff/statistics?by=route&period=2026")
    body = page(browser.get("/staff/statistics"))
    assert 'href="/staff/statistics?by=route&amp;by2=&amp;period=2026&amp;profile=standard"' \
        in body


@pytest.mark.parametrize("query, field", [
    ("by=category&period=2026-01-01..2026-03-31", "period"),
    ("by=category&period=2027", "period"),
    ("by=department&by2=category&period=2026", "by"),
    ("by=respondent&period=2026", "by"),
    ("by=route&period=2026&profile=lenient", "profile"),
])
def test_a_refused_request_names_the_field(browser, analyst, query, field):
    for path in ("/staff/statistics", "/staff/statistics.csv"):
        response = browser.get(f"{path}?{query}")
        body = page(response)
        assert response.status_code == 422, path
        assert f'<li><a href="#{field}">' in body
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*'
                         rf'id="{field}"', body)


def test_the_annual_reports_of_the_pack_are_protected_and_exported(browser, analyst):
    first = page(browser.get("/staff/statistics/annual?period=2026"))
    assert "The 2026 annual reports are being worked out" in first  # said at once
    assert '<meta http-equiv="refresh" content="0; url=/staff/statistics/annual?period=2026' \
        '&amp;work=1">' in first and 'href="/staff/statistics/annual?period=2026&amp;work=1"' \
        in first
    assert not CELLS.findall(first)
    response = browser.get("/staff/statistics/annual?period=2026&work=1")  # where it moves on
    body = page(response)
    assert response.status_code == 200 and "being worked out" not in body
    assert 'http-equiv="refresh"' not in body
    again = page(browser.get("/staff/statistics/annual?period=2026"))  # published: at once
    assert "being worked out" not in again and CELLS.findall(again) == CELLS.findall(body)
    for heading in ("the Monitoring Officer&#39;s annual report to the audit committee",
                    "Concerns received", "Kinds of concern", "Time taken and deadlines met",
                    "Reports of breaches: voluntary annual statistics",
                    "The number of reports received"):
        assert heading in body
    cells = CELLS.findall(body)
    assert cells
    for cell in cells:
        assert cell in ("not shown", "withheld") or int(cell) % 5 == 0, cell
    csv = browser.get("/staff/statistics/annual.csv?period=2026")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.headers["Content-Disposition"] == 'attachment; filename="annual-report-2026.csv"'
    assert page(csv).startswith("report,citation,period,section,group,row,count")
    assert "" not in page(csv).splitlines() and "Counts from 1" not in page(csv)  # table only
    pdf = browser.get("/staff/statistics/annual.pdf?period=2026")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="annual-report-2026.pdf"'
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
                    .split())
    assert "Annual reports 2026" in text and "Concerns received" in text
    assert all(cell in text for cell in CELLS.findall(body))  # the page's numbers


@pytest.mark.parametrize("period", ["2026-H2", "2027", "last year"])
def test_an_annual_report_needs_a_finished_whole_year(browser, analyst, period):
    response = browser.get(f"/staff/statistics/annual?period={period}")
    assert response.status_code == 422
    assert '<li><a href="#period">' in page(response)


def test_an_analyst_sees_nothing_of_any_case(browser, analyst, year_2026):
    dashboard = page(browser.get("/staff/"))
    assert "no case appears here" in dashboard
    assert 'href="/staff/statistics"' in dashboard  # the navigation offers statistics
    for case in year_2026:
        assert case.reference not in dashboard
        assert browser.get(f"/staff/cases/{case.reference}").status_code == 404
    listing = browser.get("/staff/cases")
    assert all(case.reference not in page(listing) for case in year_2026)


@pytest.mark.parametrize("path", ["/staff/statistics", "/staff/statistics?by=route&period=2026",
                                  "/staff/statistics.csv?by=route&period=2026",
                                  "/staff/statistics/annual?period=2026",
                                  "/staff/statistics/annual.csv?period=2026",
                                  "/staff/statistics/annual.pdf?period=2026"])
def test_everyone_else_is_refused(browser, year_2026, handler, path):
    response = browser.get(path)
    assert response.status_code == 403
    assert "Not allowed" in page(response)
    assert 'href="/staff/statistics"' not in page(browser.get("/staff/"))


def test_declines_are_shown_by_the_kind_of_reason_in_plain_words(browser, account, make,
                                                                 clock, still):
    """Ten disclosures declined as "insufficient information" show as a rounded 10; the
    dimension and its values are in plain words, never the free-text reasons."""
    from casework.services.transitions import fire_transition
    for _ in range(10):
        case = make.case("disclosure", path=("acknowledge",), category="fraud")
        boss = make.staff(roles=("intake", "decision_maker"), queues=(case.queue,))
        fire_transition(make.ctx, boss, case.reference, "no_further_action", case.version,
                        {"reason": "A secret explanation.",
                         "reason_class": "insufficient_information"})
    clock.now = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    assert browser.sign_in(account(("hr_analyst",), ())).status_code == 303
    body = page(browser.get("/staff/statistics?by=declined&period=2026"))
    assert "Declined, by kind of reason" in body
    assert '<th scope="row">Insufficient information</th><td class="count">10</td>' in body
    assert "Kind of reason not recorded" in body and "A secret explanation" not in body


def test_a_table_the_audit_refuses_says_why_in_plain_words_and_shows_no_number(
        browser, analyst, monkeypatch):
    from casework.stats import audit
    monkeypatch.setattr(audit, "_safe", lambda *args: False)
    body = page(browser.get("/staff/statistics?by=category&period=2026-Q4"))
    assert "This table for 2026-Q4 is not published: read together with the tables " \
        "published before, its numbers could have narrowed down a small count" in body
    assert CELLS.findall(body) == [] and CHART_VALUES.findall(body) == []
    csv_text = browser.get("/staff/statistics.csv?by=category&period=2026-Q4").text
    cells = [row[-1] for row in csv.reader(io.StringIO(csv_text))][1:]
    assert cells and set(cells) == {"withheld"}  # every row there, and not one number
