"""The pages as people meet them (issue 16): the report form asks the kind of concern first and
lists only its categories, never lists the directory to a visitor, offers a quick exit on every
reporter page, and keeps what was written when the session ended; the error summary takes the
focus and a radio group's error is tied to its fieldset; sign-in fields say what they hold; the
case page puts its forms in closed <details> beside the record, open again with their errors."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from casework.config import QUICK_EXIT_DEFAULT, Settings
from casework.models import Case
from tests.web.conftest import TOKEN, page

REPORT = {"route": "disclosure", "category": "health_and_safety", "anonymous": "yes",
          "summary": "Unsafe scaffolding", "details": "The scaffolding at the depot is loose."}
OPTION = re.compile(r'<option value="([^"]*)"')


def options(body: str, select_id: str) -> list[str]:
    """The values a select offers (its empty 'choose one' left out)."""
    found = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', body, re.S)
    assert found, f"no select #{select_id}"
    return [v for v in OPTION.findall(found.group(1)) if v]


@pytest.fixture
def signed_in(browser, account, make):
    """A case, and a handler of its queue signed in."""
    case = make.case()
    assert browser.sign_in(account(("intake", "investigator", "decision_maker"),
                                   (case.queue,))).status_code == 303
    return case


def cases(ctx) -> int:
    ctx.session.expire_all()
    return ctx.session.execute(select(func.count()).select_from(Case)).scalar()


def test_the_kind_comes_first_and_the_form_lists_only_its_categories(browser, runtime):
    step = page(browser.get("/report"))
    assert 'id="category"' not in step and 'method="get"' in step
    for route in runtime.routes.values():
        assert f'name="kind" value="{route.key}"' in step and route.label in step
    pack = runtime.pack
    shared = [c.key for c in pack.categories.values() if len(c.routes) > 1]
    assert shared == ["bullying"]  # the pack offers it on both kinds: it was listed twice
    for kind in runtime.routes:
        form = page(browser.get(f"/report?kind={kind}"))
        offered = options(form, "category")
        assert offered == [c.key for c in pack.categories_for(kind)]
        assert len(offered) == len(set(offered)) and offered.count("bullying") == 1
        assert f'<input type="hidden" name="route" value="{kind}">' in form
        assert "<optgroup" not in form
    assert "fraud" not in options(page(browser.get("/report?kind=harassment")), "category")


def test_an_unknown_kind_is_asked_again_and_a_category_of_another_kind_is_refused(
        browser, ctx):
    again = browser.get("/report?kind=nonsense")
    assert again.status_code == 422 and "Choose what kind of concern this is" in page(again)
    before = cases(ctx)
    refused = browser.post("/report", {**REPORT, "route": "harassment"},
                           token_from="/report?kind=harassment")
    assert refused.status_code == 422 and 'href="#category"' in page(refused)
    assert 'value="Unsafe scaffolding"' in page(refused)  # what was typed is kept
    assert cases(ctx) == before


def test_the_start_page_offers_each_kind(browser, runtime):
    start = page(browser.get("/"))
    for kind in runtime.routes:
        assert f'href="/report?kind={kind}"' in start


def test_a_visitor_is_never_shown_the_directory_but_staff_recording_are(
        browser, make, handler):
    make.person("Quillon Vantresca", position="Depot Supervisor")
    browser.client.post("/staff/sign-out", data={"csrf_token": browser.token("/staff/")})
    public = page(browser.get("/report?kind=disclosure"))
    assert "Quillon Vantresca" not in public and "Depot Supervisor" not in public
    assert 'name="implicated_people"' not in public and 'name="reporter_person"' not in public
    assert "<datalist" not in public and 'name="implicated_names"' in public


def test_staff_recording_a_report_pick_from_the_directory(browser, make, handler):
    make.person("Quillon Vantresca", position="Depot Supervisor")
    assert 'name="kind"' in page(browser.get("/staff/record"))  # the kind first here too
    recording = page(browser.get("/staff/record?kind=disclosure"))
    assert "Quillon Vantresca, Depot Supervisor" in recording
    assert 'name="implicated_people"' in recording


def test_a_typed_name_still_finds_the_person_on_the_server(browser, make, account, ctx):
    make.person("Quillon Vantresca", position="Depot Supervisor")
    sent = browser.post("/report", {**REPORT, "implicated_names": "Q. Vantresca, supervisor"},
                        token_from="/report?kind=disclosure")
    assert sent.status_code == 303
    case = ctx.session.query(Case).order_by(Case.id.desc()).first()
    assert browser.sign_in(account(("intake",), (case.queue,))).status_code == 303
    shown = page(browser.get(f"/staff/cases/{case.reference}"))
    assert "matched the typed name" in shown and "Quillon Vantresca" in shown


def test_every_reporter_page_has_a_quick_exit_and_staff_pages_do_not(browser, handler):
    link = f'href="{QUICK_EXIT_DEFAULT}" rel="noreferrer" id="quick-exit">Leave this site quickly'
    assert link not in page(browser.get("/staff/"))
    assert link not in page(browser.get("/staff/record?kind=disclosure"))
    browser.client.post("/staff/sign-out", data={"csrf_token": browser.token("/staff/")})
    for path in ("/", "/report", "/report?kind=harassment", "/return", "/protections",
                 "/report/receipt"):
        assert link in page(browser.get(path)), path


def test_the_operator_chooses_where_the_quick_exit_goes():
    chosen = Settings.from_env({"CASEWORK_QUICK_EXIT_URL": "https://example.org/news"})
    assert chosen.quick_exit_url == "https://example.org/news"
    for bad in ("javascript:alert(1)", "", "/relative", 'https://x.org/"onmouseover'):
        assert Settings.from_env({"CASEWORK_QUICK_EXIT_URL": bad}).quick_exit_url \
            == QUICK_EXIT_DEFAULT


def test_a_report_sent_after_the_session_ended_comes_back_with_its_text(
        browser, clock, ctx):
    token = browser.token("/report?kind=harassment")
    clock.now += timedelta(minutes=31)  # longer than a session stays idle
    written = "He stood in the doorway and would not let me leave. " * 20
    before = cases(ctx)
    late = browser.client.post("/report", data={
        **REPORT, "route": "harassment", "category": "sexual_harassment",
        "details": written, "csrf_token": token})
    body = page(late)
    assert late.status_code == 400 and cases(ctx) == before
    assert "Your session ended before you sent this" in body
    assert written.strip() in body and 'value="Unsafe scaffolding"' in body
    assert 'name="route" value="harassment"' in body
    assert re.search(r'<option [^>]*selected[^>]*value="sexual_harassment"', body)
    fresh = TOKEN.search(body).group(1)
    assert fresh != token
    sent = browser.client.post("/report", data={
        **REPORT, "route": "harassment", "category": "sexual_harassment",
        "details": written, "csrf_token": fresh})
    assert sent.status_code == 303 and cases(ctx) == before + 1


def test_any_other_form_refused_for_its_token_shows_what_was_written(browser, signed_in):
    ref = signed_in.reference
    written = "Spoke to the depot manager; she confirmed the boards were loose."
    refused = browser.client.post(f"/staff/cases/{ref}/notes",
                                  data={"note-body": written, "csrf_token": "stale"})
    body = page(refused)
    assert refused.status_code == 400 and "What you wrote" in body and written in body
    typed = browser.client.post("/return", data={"reference": "CW-23456789",
                                                 "receipt": "SECRET-RECEIPT-WORDS"})
    assert "SECRET-RECEIPT-WORDS" not in page(typed)  # never a receipt or password


def test_the_error_summary_takes_the_focus_and_a_radio_error_is_tied_to_its_fieldset(browser):
    refused = browser.post("/report", {**REPORT, "route": "nonsense"},
                           token_from="/report?kind=disclosure")
    body = page(refused)
    assert refused.status_code == 422
    summary = re.search(r'<div class="error-summary"[^>]*>', body).group(0)
    assert "autofocus" in summary and 'tabindex="-1"' in summary
    fieldset = re.search(r'<fieldset id="route-group"[^>]*>', body).group(0)
    assert "route-error" in fieldset.split("aria-describedby=")[1]
    assert 'id="route-error"' in body


def test_sign_in_and_enrolment_fields_say_what_they_hold(browser):
    form = page(browser.get("/staff/sign-in"))
    for name, purpose in (("email", "username"), ("password", "current-password"),
                          ("totp", "one-time-code")):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', form).group(0)
        assert f'autocomplete="{purpose}"' in tag, tag


def test_the_case_page_keeps_forms_closed_beside_the_record_and_opens_one_with_errors(
        browser, signed_in):
    ref = signed_in.reference
    body = page(browser.get(f"/staff/cases/{ref}"))
    side = body.split('<div class="case-side">')[1].split('<div class="case-main">')[0]
    main = body.split('<div class="case-main">')[1]
    for heading in ('id="deadlines"', 'id="people"', 'id="steps"'):
        assert heading in side
    for heading in ('id="reported"', 'id="decisions"', 'id="timeline"', 'id="notes"',
                    'id="messages"', 'id="evidence"'):
        assert heading in main
    assert side.count('class="take-step"') == 1
    for form in ("add-note", "write-message", "assign", "conflict"):
        assert f'<details id="{form}">' in body, form
    assert "<details open" not in body and 'open>' not in body.replace("<details open", "")
    refused = browser.post(f"/staff/cases/{ref}/notes", {"note-body": ""},
                           token_from=f"/staff/cases/{ref}")
    assert refused.status_code == 422
    again = page(refused)
    assert '<details id="add-note" open>' in again and 'href="#note-body"' in again
    assert '<details id="write-message">' in again
