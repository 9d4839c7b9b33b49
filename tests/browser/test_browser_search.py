"""Journey: a reporter writes an unusual word in their report; the intake officer finds the case
by that word on the case list, and the database holds no trace of the word (its tables read
raw); the officer then, without JavaScript, picks three cases with their checkboxes, assigns
a colleague to all three, and gives one a title that the list shows and finds. The list
with its filters is checked with axe at 1280 and 320 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import MetaData, select

from casework.db import make_engine
from tests.browser.browser_kit import fill_report, send_report, sign_in

pytestmark = pytest.mark.browser

KIND = "Public interest disclosure (whistleblowing)"
WORD = "Quokkaglass"  # in no dictionary, so found only where the report put it
COLLEAGUE = "Jo Lindqvist"


def raw_dump(url: str) -> str:
    """Every row of every table, read raw (text, and bytes as Latin-1), lower-cased; for
    SQLite also the database file and its write-ahead log as bytes."""
    engine = make_engine(url)
    parts = []
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for table in meta.sorted_tables:
                for row in conn.execute(select(table)):
                    parts += [bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview)
                              else str(v) for v in row]
    finally:
        engine.dispose()
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for each in (path, path.with_name(path.name + "-wal")):
            if each.exists():
                parts.append(each.read_bytes().decode("latin-1"))
    return "\n".join(parts).lower()


def test_word_search_and_bulk_assign(visit, live):
    reporter = visit()
    reporter.goto("/report")
    fill_report(reporter.page, kind=KIND, category="health_and_safety",
                summary="Broken guard rail on the loading bay",
                details=f"The {WORD} panels on the loading bay have cracked and nobody fixed "
                        "them.")
    reference, _ = send_report(reporter)
    reporter.close()

    intake = visit()
    sign_in(intake, live.logins["intake"])
    page = intake.page
    intake.goto("/staff/cases")
    page.get_by_label("Words in the case").fill(WORD.upper())
    page.get_by_role("button", name="Show cases").click()
    expect(page.locator("#results")).to_have_text("1 case")
    rows = page.locator("table.case-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(reference)
    intake.check("search-01-found-by-a-word-1280")

    dump = raw_dump(live.database_url)
    assert reference.lower() in dump  # the dump does read the tables
    assert WORD.lower() not in dump, "the searched word is stored in clear somewhere"

    intake.goto("/staff/cases?route=disclosure&sort=oldest")
    page.set_viewport_size({"width": 320, "height": 900})
    intake.check("search-02-list-with-filters-320")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the case list scrolls sideways at 320 px ({width} px wide)"
    page.set_viewport_size({"width": 1280, "height": 900})
    intake.check("search-03-list-with-filters-1280")
    intake.close()

    plain = visit(javascript=False)  # checkboxes and buttons: no script needed
    sign_in(plain, live.logins["intake"])
    page = plain.page
    plain.goto("/staff/cases?route=disclosure&sort=oldest")
    boxes = page.locator('input[name="ref"]')
    chosen = [boxes.nth(n).get_attribute("value") for n in range(3)]
    for n in range(3):
        boxes.nth(n).check()
    page.locator("#bulk-user").select_option(label=COLLEAGUE)
    page.locator("#bulk-capacity").select_option("investigator")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text("3 of 3 cases done.")).to_be_visible()
    for ref in chosen:
        expect(page.locator("tr.done").filter(has_text=ref)).to_contain_text("Assigned.")
    plain.check("search-04-bulk-assigned")
    page.get_by_role("link", name=chosen[0]).click()
    expect(page.get_by_role("listitem").filter(
        has_text=f"{COLLEAGUE}: Investigator").first).to_be_visible()
    page.get_by_text("Give this case a title").click()
    page.get_by_label("Title", exact=True).fill("Loading bay rails")
    page.get_by_role("button", name="Save the title").click()
    expect(page.locator("#case-title strong")).to_have_text("Loading bay rails")
    plain.check("search-05-case-with-title")
    plain.goto("/staff/cases?q=rails")
    expect(page.locator("table.case-list tbody tr")).to_have_count(1)
    expect(page.locator(".case-title")).to_have_text("Loading bay rails")
    plain.close()
