"""Evidence through the pages: the report form (the reporter's and staff recording one) and
the reporter's own page clean each file and say what was removed, and refuse what they
cannot clean with the reason, storing nothing."""

from __future__ import annotations

import io

import pytest

from casework.models import Case
from tests import evidence_samples as samples
from tests.web.conftest import page

REPORT = {"route": "disclosure", "category": "health_and_safety", "anonymous": "yes",
          "summary": "Chemicals dumped behind the depot",
          "details": "Drums of solvent were emptied into the drain behind the depot."}
CLEANABLE = {"photo.jpg": samples.jpeg, "scan.pdf": samples.pdf, "letter.docx": samples.docx}
REFUSED = {"page.html": b"<!doctype html><html><script>alert(1)</script></html>",
           "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
           "photo.jpg": b"<html><script>alert(1)</script></html>"}


def files(named: dict) -> list:
    return [(io.BytesIO(build() if callable(build) else build), name)
            for name, build in named.items()]


def newest_case(ctx) -> Case | None:
    ctx.session.expire_all()
    return ctx.session.query(Case).order_by(Case.id.desc()).first()


def test_the_report_form_cleans_each_file_and_the_receipt_says_what_was_removed(browser,
                                                                                 ctx):
    sent = browser.post("/report", {**REPORT, "evidence": files(CLEANABLE)},
                        token_from="/report?kind=disclosure")
    assert sent.status_code == 303 and sent.location.endswith("/report/receipt")
    receipt = page(browser.get("/report/receipt"))
    assert "photo.jpg: we removed camera details, time and location (EXIF)" in receipt
    assert "scan.pdf: we removed author, title" in receipt
    assert "letter.docx: we removed author, company" in receipt
    stored = samples.stored(ctx, newest_case(ctx).id)
    assert [meta["filename"] for meta, _ in stored] == list(CLEANABLE)
    assert [samples.traces(data) for _, data in stored] == [[], [], []]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_report_form_refuses_a_file_it_cannot_accept_and_lodges_nothing(browser, ctx,
                                                                           name):
    before = newest_case(ctx)
    refused = browser.post("/report", {**REPORT, "evidence": files({name: REFUSED[name]})},
                           token_from="/report?kind=disclosure")
    assert refused.status_code == 422
    assert f"{name} was not stored." in page(refused)
    assert "Chemicals dumped behind the depot" in page(refused)  # what was typed is kept
    assert newest_case(ctx) == before


def test_the_report_form_refuses_a_zip_bomb_with_a_reason(browser):
    refused = browser.post("/report", {**REPORT, "evidence": files(
        {"bomb.docx": samples.docx_bomb})}, token_from="/report?kind=disclosure")
    assert refused.status_code == 422
    assert "unpacks to far more than it holds" in page(refused)


def test_staff_recording_a_report_go_through_the_same_cleaning(browser, handler, ctx):
    sent = browser.post("/staff/record", {**REPORT, "evidence": files(
        {"photo.jpg": samples.jpeg})}, token_from="/staff/record")
    assert sent.status_code == 303
    assert "photo.jpg: we removed camera details" in page(browser.get("/staff/record/receipt"))
    [(_, data)] = samples.stored(ctx, newest_case(ctx).id)
    assert samples.traces(data) == []


@pytest.fixture
def signed_in(browser, make):
    """A reporter back on their own page: the lodged report."""
    lodged = make.lodge("disclosure")
    back = browser.post("/return", {"reference": lodged.reference, "receipt": lodged.receipt},
                        token_from="/return")
    assert back.status_code == 303
    return lodged


def test_the_reporter_s_page_cleans_added_evidence_and_says_what_was_removed(browser, ctx,
                                                                            signed_in):
    added = browser.post("/my-report/evidence", {"evidence": files(CLEANABLE)},
                         token_from="/my-report")
    assert added.status_code == 303
    body = page(browser.get("/my-report"))
    assert "photo.jpg was added. We removed: camera details, time and location" in body
    assert "letter.docx was added. We removed: author, company" in body
    stored = samples.stored(ctx, signed_in.case.id)
    assert [samples.traces(data) for _, data in stored] == [[], [], []]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_reporter_s_page_refuses_what_it_cannot_accept(browser, ctx, signed_in, name):
    refused = browser.post("/my-report/evidence", {"evidence": files({name: REFUSED[name]})},
                           token_from="/my-report")
    assert refused.status_code == 422
    assert f"{name} was not stored." in page(refused)
    assert samples.stored(ctx, signed_in.case.id) == []


def test_one_refused_file_stores_none_of_those_sent_with_it(browser, ctx, signed_in):
    refused = browser.post("/my-report/evidence", {"evidence": files(
        {"photo.jpg": samples.jpeg, "bomb.png": samples.png_bomb})}, token_from="/my-report")
    assert refused.status_code == 422
    assert "bomb.png was not stored. This picture is too large" in page(refused)
    assert samples.stored(ctx, signed_in.case.id) == []


def test_a_file_kept_as_sent_carries_a_plain_warning(browser, signed_in):
    browser.post("/my-report/evidence", {"evidence": files({"call.mp3": b"ID3\x04" + bytes(64)})},
                 token_from="/my-report")
    body = page(browser.get("/my-report"))
    assert "call.mp3 was added. We removed: nothing. Note: this kind of file may still hold " \
           "details about who made it" in body
