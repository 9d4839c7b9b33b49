"""Aftercare on the reporter's page (no JavaScript needed): after the case closes, the check-in
question comes due; "no" is thanked; "yes" opens a follow-up report whose reference and receipt
are shown once, and the first case's handlers see only that something happened."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from casework.services.aftercare import QUESTION
from casework.services.transitions import fire_transition
from tests.factories import FIELDS
from tests.web.conftest import page

WORDS = "My manager moved me to the night shift the week after my report was closed."


@pytest.fixture
def closed(make):
    """A report lodged and closed by its handlers: (lodged, the staff who closed it)."""
    lodged = make.lodge("disclosure")
    boss = make.staff(roles=("intake", "investigator", "decision_maker"),
                      queues=(lodged.case.queue,))
    for key in ("acknowledge", "no_further_action"):
        fire_transition(make.ctx, boss, lodged.reference, key, lodged.case.version,
                        FIELDS.get(key, {}))
    return lodged


def sign_in_reporter(browser, reference: str, receipt: str):
    return browser.post("/return", {"reference": reference, "receipt": receipt},
                        token_from="/return")


@pytest.fixture
def due(browser, closed, clock):
    """A month and a day later, the reporter back on their page."""
    clock.now += timedelta(days=32)
    assert sign_in_reporter(browser, closed.reference, closed.receipt).status_code == 303
    return closed


def checkin_action(body: str) -> str:
    return re.search(r'action="(/my-report/checkins/\d+)"', body).group(1)


def test_no_question_before_it_is_due(browser, closed):
    assert sign_in_reporter(browser, closed.reference, closed.receipt).status_code == 303
    body = page(browser.get("/my-report"))
    assert "A question for you" not in body and "/my-report/checkins/" not in body


def test_the_question_when_due(browser, due):
    body = page(browser.get("/my-report"))
    section = body.split('id="checkin"')[1].split("</section>")[0]
    assert f"<legend>{QUESTION}</legend>" in section
    assert 'type="radio"' in section and 'value="yes"' in section and 'value="no"' in section
    assert '<label for="details">What happened</label>' in section
    assert "<script" not in body


def test_answering_no_is_thanked_and_listed(browser, due, ctx):
    body = page(browser.get("/my-report"))
    answered = browser.post(checkin_action(body), {"detriment": "no"}, token_from="/my-report")
    assert answered.status_code == 303 and answered.location.endswith("/my-report")
    after = page(browser.get("/my-report"))
    assert "Thank you for telling us." in after
    assert "A question for you" not in after
    assert "you told us you had not experienced detriment" in after.split('id="checkins"')[1]
    again = browser.post(checkin_action(body), {"detriment": "no"}, token_from="/my-report")
    assert again.status_code == 409


@pytest.mark.parametrize("data, target, words", [
    ({}, "detriment", "Choose yes or no"),
    ({"detriment": "yes", "details": "  "}, "details", "Required when you answer yes"),
])
def test_an_incomplete_answer_is_a_422_linked_to_its_field(browser, due, data, target, words):
    body = page(browser.get("/my-report"))
    refused = browser.post(checkin_action(body), data, token_from="/my-report")
    html = page(refused)
    assert refused.status_code == 422
    assert "<title>Error: " in html
    assert re.search(f'<a href="#{target}">[^<]*: {words}', html)
    assert "A question for you" in html  # still asked


def test_yes_opens_a_follow_up_shown_once(browser, due, account, ctx):
    body = page(browser.get("/my-report"))
    answered = browser.post(checkin_action(body), {"detriment": "yes", "details": WORDS},
                            token_from="/my-report")
    assert answered.status_code == 303 and answered.location.endswith("/report/receipt")
    shown = page(browser.get("/report/receipt"))
    reference = re.search(r'id="reference">([^<]+)<', shown).group(1)
    receipt = re.search(r'id="receipt">([^<]+)<', shown).group(1)
    assert receipt not in answered.location and reference != due.reference
    assert "We have opened a new report" in shown
    assert "They are not told what you wrote" in shown
    assert "It will be handled by" in shown
    assert "Already shown" in page(browser.get("/report/receipt"))  # once only
    mine = page(browser.get("/my-report"))
    assert f"we opened report {reference} for it" in mine
    # The new receipt opens the new report, which holds the reporter's words.
    browser.post("/my-report/leave", {}, token_from="/my-report")
    assert sign_in_reporter(browser, reference, receipt).status_code == 303
    assert reference in page(browser.get("/my-report"))
    # The first case's handlers see that something happened, never what was written.
    handler = account(("intake", "investigator", "decision_maker"), (due.case.queue,))
    assert browser.sign_in(handler).status_code == 303
    first = page(browser.get(f"/staff/cases/{due.reference}"))
    assert "At an aftercare check-in the reporter said they have suffered detriment" in first
    assert reference in first and WORDS not in first
    follow_up = page(browser.get(f"/staff/cases/{reference}"))
    assert f"Report {due.reference}: opened when its reporter said" in follow_up
