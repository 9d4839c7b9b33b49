"""Journeys: a handler makes a redacted case file (PDF) for a tribunal from the case page's
form, without JavaScript, and reads it back (pypdf): no reporter's name, the note chosen, the
watermark on every page, and the case's audit trail as the database holds it; an HR analyst
asks for a year's annual reports and is told at once that they are being worked out, then
sees them. axe-core checks every page on the way, at 1280 and 320 pixels."""

from __future__ import annotations

import io
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from casework.db import make_engine
from casework.models import AuditEvent, Case
from tests.browser.browser_kit import (
    SCREENSHOTS,
    fill_report,
    open_case,
    open_details,
    send_report,
    sign_in,
)

pytestmark = pytest.mark.browser

REPORTER = "Robin Quillfeather"
NOTE = "Spoke to the witness; the account matches the complaint."


def trail_of(database_url: str, reference: str) -> list[tuple[int, str]]:
    """The case's audit events as the database holds them: (number, kind)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as db:
            case_id = db.execute(select(Case.id).where(Case.reference == reference)).scalar()
            return [(seq, kind) for seq, kind in db.execute(
                select(AuditEvent.seq, AuditEvent.kind).where(AuditEvent.case_id == case_id)
                .order_by(AuditEvent.seq)).all()]
    finally:
        engine.dispose()


def test_a_handler_makes_a_redacted_case_file(visit, live):
    reporter = visit()
    reporter.goto("/report")
    page = reporter.page
    fill_report(page, kind="Sexual harassment complaint", category="sexual_harassment",
                summary="Remarks about my appearance in meetings",
                details=f"I am {REPORTER}. At three meetings remarks were made about me.")
    page.get_by_label("Yes, I will give my name").check()
    page.get_by_label("Your name").fill(REPORTER)
    reference, _ = send_report(reporter)

    hr = visit(javascript=False)
    sign_in(hr, live.logins["hr"])
    open_case(hr, reference)
    open_details(hr.page, "#add-note")
    hr.page.get_by_label("Your note").fill(NOTE)
    hr.page.get_by_role("button", name="Add note").click()
    hr.page.emulate_media(media="print")  # the case page printed: the record, no forms
    expect(hr.page.get_by_role("navigation", name="Staff")).to_be_hidden()
    expect(hr.page.get_by_role("button", name="Add note")).to_be_hidden()
    expect(hr.page.get_by_text(NOTE)).to_be_visible()
    hr.check("casefile-00-case-page-printed")
    hr.page.emulate_media(media="screen")
    hr.page.get_by_role("link", name="Make a case file (PDF)").click()
    form = hr.page
    expect(form.get_by_role("heading", level=1)).to_have_text(
        f"Make a case file for {reference}")
    hr.check("casefile-01-form")
    form.get_by_label("A tribunal or court").check()
    form.get_by_label(NOTE, exact=False).check()
    form.get_by_label("The text of the confidential notes chosen", exact=False).uncheck()
    with form.expect_download() as download:
        form.get_by_role("button", name="Make the case file (PDF)").click()
    data = download.value.path().read_bytes()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "casefile-03-redacted.pdf").write_bytes(data)  # to look at, beside the pages
    assert download.value.suggested_filename == f"case-file-{reference}.pdf"
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    words = " ".join(" ".join(pages).split())
    assert REPORTER not in words and "Quillfeather" not in words
    assert "I am [reporter's identity withheld]." in words
    assert NOTE in words and "A tribunal or court" in words
    assert all("exported by Jo Lindqvist" in " ".join(p.split()) for p in pages)
    trail = trail_of(live.database_url, reference)
    made = [seq for seq, kind in trail if kind == "case:file:pdf"]
    assert len(made) == 1  # the export is on the record
    before = [(seq, kind) for seq, kind in trail if seq < made[0]]
    listed = [(int(line.split()[0]), kind) for line in "\n".join(pages).splitlines()
              for kind in [next((k for _, k in before if k in line), None)]
              if kind and line.split()[0].isdigit()]
    assert listed == before  # the extract is the case's trail, event by event, in order
    hr.page.set_viewport_size({"width": 320, "height": 800})
    hr.goto(f"/staff/cases/{reference}/file")
    hr.check("casefile-02-form-320px")
    width = hr.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the case file form scrolls sideways at 320 px ({width} px)"


def test_the_annual_reports_say_they_are_being_worked_out(visit, live):
    analyst = visit()
    page = analyst.page
    sign_in(analyst, live.logins["analyst"])
    year = str(date.today().year - 2)  # a year nobody has asked for yet in this run

    def held(route):  # the page's own move on, held back so its first state can be seen
        route.fulfill(status=204, headers={"content-security-policy": "default-src 'none'"})

    page.route(lambda url: "work=1" in url, held)
    analyst.goto(f"/staff/statistics/annual?period={year}")
    expect(page.get_by_role("status")).to_contain_text(
        f"The {year} annual reports are being worked out")
    assert page.locator('meta[http-equiv="refresh"]').get_attribute("content") == (
        f"0; url=/staff/statistics/annual?period={year}&work=1")
    analyst.check("annual-01-being-worked-out")
    page.set_viewport_size({"width": 320, "height": 800})
    analyst.check("annual-01-being-worked-out-320px")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 900})
    page.unroute(lambda url: "work=1" in url)
    page.unroute_all()
    page.get_by_role("link", name="Show them now").click()
    expect(page.get_by_role("heading", name="Concerns received")).to_be_visible()
    expect(page.get_by_text("being worked out")).to_have_count(0)
    analyst.check("annual-02-reports")
    analyst.goto(f"/staff/statistics/annual?period={year}")  # published: shown at once
    expect(page.get_by_role("heading", name="Concerns received")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Staff")).to_be_hidden()
    expect(page.get_by_role("button", name="Show the reports")).to_be_hidden()
    analyst.check("annual-03-reports-printed")


def test_an_administrator_changes_a_directory_entry(visit, live):
    admin = visit(javascript=False)
    page = admin.page
    sign_in(admin, live.logins["admin"])
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="People directory"
                                                             ).click()
    page.get_by_label("Name", exact=True).fill("Morgan Tester")
    page.get_by_label("Position", exact=True).fill("Parks Officer")
    page.get_by_role("button", name="Add to the directory").click()
    page.get_by_role("link", name="Change Morgan Tester's entry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change Morgan Tester's entry")
    expect(page.get_by_label("Position", exact=True)).to_have_value("Parks Officer")
    admin.check("directory-01-change-entry")
    page.get_by_label("Position", exact=True).fill("Senior Parks Officer")
    page.get_by_label("Line manager").select_option(label="Chris Evans, Director of Environment")
    page.get_by_role("button", name="Save the changes").click()
    row = page.get_by_role("row", name="Morgan Tester")
    expect(row).to_contain_text("Senior Parks Officer")
    expect(row).to_contain_text("Chris Evans")
    admin.check("directory-02-changed")
    page.set_viewport_size({"width": 320, "height": 800})
    page.get_by_role("link", name="Change Morgan Tester's entry").click()
    admin.check("directory-03-change-entry-320px")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the entry's page scrolls sideways at 320 px ({width} px)"
