"""Journey (issue 14), on the New Zealand pack: a report of child abuse, a zero-tolerance matter,
reaches the Chief Executive at once, in the same request that lodged it: their dashboard shows
it before any reminder runs, and the next `casework reminders send` mails them a content-free
alert. The case page asks for the police referral decision; the Chief Executive records the
referral (the police's reference number) and the case stays open. The same report naming the
Chief Executive alerts General Counsel, never the Chief Executive, who cannot find it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.api.api_live import server_env
from tests.browser.browser_kit import (
    fill_report,
    open_case,
    send_report,
    sign_in,
    stage,
)
from tests.browser.conftest import Live, pack_server, watched_visits
from tests.services.test_mail import Sink, free_port

pytestmark = pytest.mark.browser

NZ = {"CASEWORK_POLICY": "nz-public-service"}
#: The command from this checkout (`python -m` in its root puts it first on the path).
CASEWORK = (sys.executable, "-m", "casework.cli")
ROOT = Path(__file__).resolve().parents[2]
KIND = "Public interest disclosure (whistleblowing)"
CHIEF_EXECUTIVE = "Alex Morgan, Chief Executive"
POLICE = "New Zealand Police, where a crime is alleged"
NUMBER = "NZP-2026-004417"


@pytest.fixture(scope="module")
def nz_live(chromium, tmp_path_factory) -> Iterator[Live]:
    """A server of its own under the New Zealand pack, with the demo organisation."""
    with pack_server(tmp_path_factory, "browser-nz", NZ) as server:
        yield server


@pytest.fixture
def nz_visit(chromium, nz_live, auditor):
    """Browsers on the New Zealand server, checked and closed like the others."""
    with watched_visits(chromium, nz_live.base, auditor) as open_visit:
        yield open_visit


def _report(nz_visit, summary: str, people=()) -> str:
    reporter = nz_visit()
    reporter.goto("/report")
    fill_report(reporter.page, kind=KIND, category="child_abuse", summary=summary,
                details="An officer was seen hitting a pupil on a school visit.", people=people)
    reporter.check("zero-01-reporter-form")
    reference, _ = send_report(reporter)
    reporter.close()
    return reference


def _reminders(live: Live, port: int) -> subprocess.CompletedProcess:
    assert live.instance is not None
    env = server_env(live.database_url, live.instance, **NZ, CASEWORK_SMTP_HOST="127.0.0.1",
                     CASEWORK_SMTP_PORT=str(port), CASEWORK_SMTP_SECURITY="none",
                     CASEWORK_MAIL_FROM="casework@ministry.example",
                     CASEWORK_BASE_URL=live.base)
    return subprocess.run(  # noqa: S603 (our own venv's command, fixed arguments)
        [*CASEWORK, "reminders", "send"], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False)


def test_a_child_abuse_report_alerts_the_head_and_is_referred_to_the_police_while_open(
        nz_visit, nz_live):
    reference = _report(nz_visit, "A pupil hit on a school visit")

    ce = nz_visit()
    sign_in(ce, nz_live.logins["ce"])
    alert = ce.page.locator('table[aria-labelledby="escalated"]')
    expect(alert).to_contain_text(reference)
    expect(alert).to_contain_text("Abuse of a child or young person")
    ce.check("zero-02-ce-dashboard-escalated")

    mo = nz_visit()
    sign_in(mo, nz_live.logins["mo"])
    expect(mo.page.locator("#escalated")).to_have_count(0)  # not their queue: not escalated

    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        ran = _reminders(nz_live, sink.port)
    finally:
        controller.stop()
    assert ran.returncode == 0 and " sent, 0 retrying, 0 failed" in ran.stdout, ran.stderr
    alerts = [(to, message) for to, message, _ in sink.received
              if message["Subject"] == "Casework: a report needs your attention now"]
    assert [to for to, _ in alerts] == [(nz_live.logins["ce"].email,)]
    body = alerts[0][1].get_content()
    assert reference not in body and "hit" not in body and "child" not in body

    open_case(ce, reference)
    page = ce.page
    expect(page.locator("#referrals-due")).to_be_visible()
    expect(page.locator('[aria-labelledby="referrals-due"]')).to_contain_text(
        "A possible offence")
    required = page.locator('[aria-labelledby="required-actions"]')
    expect(required).to_contain_text("A police referral must be made and recorded: record the "
                                      "decision")
    ce.check("zero-03-ce-case-referral-due")
    page.locator("#referral-matter").select_option("possible_offence")
    page.get_by_label("Yes, it was referred").check()
    page.locator("#referral-body").select_option(POLICE)
    page.locator("#referral-reference").fill(NUMBER)
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_text("The referral decision was recorded. The case stays open.")
           ).to_be_visible()
    expect(page.locator("#referrals-due")).to_have_count(0)
    table = page.locator("#referrals ~ .table-scroll table").first
    expect(table).to_contain_text(POLICE)
    expect(table).to_contain_text(NUMBER)
    expect(table).to_contain_text("Alex Morgan")
    assert stage(page) == "Received"  # still open, where it was
    expect(required).to_contain_text("A police referral must be made and recorded: decision "
                                     "recorded")
    expect(page.locator("#timeline ~ ol, #timeline ~ ul").first).to_contain_text(
        f"Referred to {POLICE}; the case stays open")
    ce.check("zero-04-ce-case-referred-still-open")


def test_naming_the_chief_executive_alerts_general_counsel_instead(nz_visit, nz_live):
    reference = _report(nz_visit, "The Chief Executive hit a pupil", people=(CHIEF_EXECUTIVE,))

    mo = nz_visit()
    sign_in(mo, nz_live.logins["mo"])
    expect(mo.page.locator('table[aria-labelledby="escalated"]')).to_contain_text(reference)
    mo.check("zero-05-general-counsel-dashboard-escalated")

    ce = nz_visit()
    sign_in(ce, nz_live.logins["ce"])
    expect(ce.page.get_by_text(reference)).to_have_count(0)
    ce.check("zero-06-ce-dashboard-knows-nothing")
    ce.goto(f"/staff/cases/{reference}")
    expect(ce.page.get_by_role("heading", level=1)).not_to_have_text(f"Case {reference}")
