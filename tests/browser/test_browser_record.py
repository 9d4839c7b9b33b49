"""Journeys of the case record (issue 13), each walked by every person in it, in their own
browser, with axe on every page:

1. a disclosure taken through every step to feedback: staff read each decision and who took
   it; the reporter reads the feedback and the outcome in plain words, and no staff name;
2. a withdrawal recorded by a handler (only with what the reporter said and how they asked)
   reads as such on both sides, and the reporter's own withdrawal asks them to confirm;
3. the only member of a queue declares a conflict and the fallback queue's owner, the
   Monitoring Officer, finds the case;
4. a case implicating both the Chief Executive and the Monitoring Officer reaches the outside
   recipient as a recorded referral that no staff account can find, and the operator's
   `casework cases orphaned` and `casework cases export` hand it over; its reporter can still
   come back to it.

Every page a person reaches is checked and saved as record-<journey>-<nn>-<what>.png.
(Triage and merged duplicates have their journey in test_browser_triage.py.)
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.api.api_live import server_env
from tests.browser.browser_kit import (
    assign,
    fill_report,
    open_case,
    open_details,
    open_step,
    return_with_receipt,
    send_report,
    sign_in,
    stage,
    take_step,
)

pytestmark = pytest.mark.browser

DISCLOSURE = "Public interest disclosure (whistleblowing)"
#: Every staff name of the demo: none of them may reach a reporter.
STAFF_NAMES = ("Intake Officer", "Priya Shah", "Sam Okafor", "Jo Lindqvist", "Ruth Adeyemi",
               "Chris Evans", "Alex Morgan", "Administrator")
CASEWORK = Path(sys.executable).with_name("casework")


def reads_no_staff_name(page) -> None:
    """Nothing on the reporter's page names anyone on the staff."""
    text = page.locator("body").inner_text()
    leaked = [name for name in STAFF_NAMES if name in text]
    assert not leaked, f"the reporter's page names {leaked}"


class Shots:
    """Checks every page a journey reaches (axe, own origin, CSP) under a numbered name:
    record-<journey>-<nn>-<what>.png, in the order the pages were seen."""

    def __init__(self, journey: int) -> None:
        self.journey, self.count = journey, 0

    def name(self, what: str) -> str:
        self.count += 1
        return f"record-{self.journey}-{self.count:02d}-{what}"

    def __call__(self, person, what: str) -> None:
        person.check(self.name(what))


def lodge(visit, shot: Shots, who: str, **report) -> tuple:
    """A reporter sends a disclosure through the public form: (their browser, reference,
    receipt); the form and the receipt page checked."""
    reporter = visit()
    reporter.goto("/report")
    shot(reporter, f"{who}-report-form")
    fill_report(reporter.page, kind=DISCLOSURE, **report)
    reference, receipt = send_report(reporter)
    shot(reporter, f"{who}-receipt")
    return reporter, reference, receipt


def staff_member(visit, live, shot: Shots, local: str):
    """A member of staff signs in (password and authenticator code); sign-in page and
    dashboard checked."""
    person = visit()
    sign_in(person, live.logins[local], check=shot.name(f"{local}-sign-in"))
    shot(person, f"{local}-dashboard")
    return person


def comes_back(reporter, shot: Shots, who: str, reference: str, receipt: str) -> None:
    """The reporter returns with reference and receipt; both pages checked."""
    return_with_receipt(reporter, reference, receipt, check=shot.name(f"{who}-return"))
    reads_no_staff_name(reporter.page)


def step(person, shot: Shots, key: str, **answers) -> None:
    """A step on the case page, and the page it leads to checked."""
    take_step(person, key, **answers)
    shot(person, f"case-after-{key.replace('_', '-')}")


def decision(page, label: str):
    """The Decisions section's record of one step, by its heading."""
    return page.locator("section.decision").filter(
        has=page.get_by_role("heading", level=3, name=label, exact=True))


# ---- 1. feedback ---------------------------------------------------------------------------

ASSESSMENT = "A credible account of a hazard to the public; the policy covers it."
FINDING = "The site log shows the barrier was removed for eleven days."
ACTION = "The depot manager retrained; weekly barrier checks added to the site log."
FEEDBACK = ("Thank you for speaking up. We looked into the barrier at the depot and found "
            "that your concern was right. The barrier is back and is now checked every week.")


def test_feedback_written_by_the_handler_reaches_the_reporter(visit, live):
    shot = Shots(1)
    reporter, reference, receipt = lodge(
        visit, shot, "reporter", category="health_and_safety",
        summary="The safety barrier at the depot has been taken away",
        details="Since the start of the month the barrier by the pit at the depot has been "
                "missing, and the public walk past it.")

    intake = staff_member(visit, live, shot, "intake")
    open_case(intake, reference)
    shot(intake, "case-received")
    step(intake, shot, "acknowledge")
    step(intake, shot, "accept_for_investigation", protected=True, reason=ASSESSMENT)
    assert stage(intake.page) == "Investigation"
    assign(intake, "Ruth Adeyemi (can act as: investigator)", "investigator")
    shot(intake, "case-investigator-assigned")
    assign(intake, "Chris Evans (can act as: decision maker)", "decision_maker")
    shot(intake, "case-decision-maker-assigned")

    comes_back(reporter, shot, "reporter", reference, receipt)
    panel = reporter.page.locator(".panel").first
    expect(panel).to_contain_text("Your report is being investigated.")
    expect(panel).to_contain_text("First opened by the person handling it on")
    expect(reporter.page.get_by_role("heading", name="What we have told you")).to_have_count(0)
    shot(reporter, "my-report-investigation")

    investigator = staff_member(visit, live, shot, "investigator")
    open_case(investigator, reference)
    shot(investigator, "case-investigation")
    step(investigator, shot, "record_findings", finding="substantiated", reason=FINDING)
    assert stage(investigator.page) == "Findings recorded"

    director = staff_member(visit, live, shot, "director")
    open_case(director, reference)
    shot(director, "case-findings")
    step(director, shot, "record_action", action=ACTION)
    assert stage(director.page) == "Action decided, feedback due"

    intake.page.reload()
    feedback_step = intake.page.locator('section[aria-labelledby="step-give_feedback"]')
    expect(feedback_step).to_contain_text("The reporter will see this.")
    shot(intake, "case-feedback-due")
    take_step(intake, "give_feedback", message=FEEDBACK)
    page = intake.page
    assert stage(page) == "Closed"
    expect(page.locator("p.lead").first).to_contain_text("Outcome: Substantiated")
    _decisions_read_in_full(page)
    shot(intake, "case-closed-decisions")

    reporter.page.reload()
    page = reporter.page
    panel = page.locator(".panel").first
    expect(panel).to_contain_text("Your report is closed.")
    expect(panel).to_contain_text("Outcome: the concern was found to be true.")
    told = page.locator("section[aria-labelledby=feedback]")
    expect(told.get_by_role("heading", level=2)).to_have_text("What we have told you")
    expect(told.locator(".message")).to_have_count(1)
    expect(told.locator(".message strong")).to_have_text("Our feedback to you")
    expect(told).to_contain_text(FEEDBACK)
    body = page.locator("body").inner_text()
    for confidential in (ASSESSMENT, FINDING, ACTION, "reporter reads this"):
        assert confidential not in body, f"the reporter reads a staff-only answer: {confidential}"
    reads_no_staff_name(page)
    shot(reporter, "my-report-feedback")


def _decisions_read_in_full(page) -> None:
    """Every step in the Decisions section: its answers, who took it; the feedback marked as
    read by the reporter; and the timeline names who took each step."""
    expected = [
        ("Receipt acknowledged", "Intake Officer", []),
        ("Accepted for investigation", "Intake Officer", ["Yes", ASSESSMENT]),
        ("Findings recorded", "Ruth Adeyemi", ["Substantiated", FINDING]),
        ("Action taken recorded", "Chris Evans", [ACTION]),
        ("Feedback given to the reporter", "Intake Officer", [FEEDBACK]),
    ]
    expect(page.locator("section.decision")).to_have_count(len(expected))
    for label, actor, answers in expected:
        section = decision(page, label)
        expect(section.locator("p.muted")).to_contain_text(f"by {actor}")
        for answer in answers:
            expect(section.locator("dd")).to_contain_text([answer])
    expect(decision(page, "Feedback given to the reporter").locator("dt")).to_contain_text(
        "the reporter reads this")
    expect(decision(page, "Findings recorded").locator(".tag")).to_have_count(0)
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Findings recorded (Ruth Adeyemi)")
    expect(timeline).to_contain_text("Feedback given to the reporter (Intake Officer)")


# ---- 2. withdrawal -------------------------------------------------------------------------

TOLD = "She rang to say the matter was sorted out between colleagues and she wants it closed."


def test_withdrawals_read_right_on_both_sides(visit, live):
    """One recorded by the handler, as the reporter asked by phone; one the reporter makes."""
    shot = Shots(2)
    reporter, reference, receipt = lodge(
        visit, shot, "reporter", category="misuse_of_resources",
        summary="Council vans used for private removals",
        details="Two vans from the depot were used to move a colleague's furniture.")

    intake = staff_member(visit, live, shot, "intake")
    open_case(intake, reference)
    page = intake.page
    withdraw = page.locator('section[aria-labelledby="step-withdraw"]')
    expect(withdraw.get_by_role("heading", level=3)).to_have_text(
        "Record a withdrawal the reporter asked for")
    expect(withdraw.get_by_role("button")).to_be_hidden()  # closed until chosen
    shot(intake, "case-received")
    open_step(withdraw)
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        withdraw.get_by_role("button").click()
    assert sent.value.status == 422
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("What the reporter told you")
    expect(summary).to_contain_text("How the reporter asked")
    for name in ("reason", "channel"):
        expect(page.locator(f"#t-withdraw-{name}")).to_have_attribute("aria-invalid", "true")
    assert stage(page) == "Received"
    shot(intake, "case-withdrawal-errors")

    take_step(intake, "withdraw", reason=TOLD, channel="phone")
    assert stage(page) == "Closed"
    expect(page.locator("p.lead").first).to_contain_text("Outcome: Withdrawn")
    recorded = decision(page, "Withdrawal recorded, as the reporter asked")
    expect(recorded.locator("p.muted")).to_contain_text("by Intake Officer")
    expect(recorded.locator("dt")).to_contain_text(["What the reporter told you",
                                                    "How the reporter asked"])
    expect(recorded.locator("dd")).to_contain_text([TOLD, "Phone"])
    _deadlines_stopped(page)
    shot(intake, "case-withdrawal-recorded")

    comes_back(reporter, shot, "reporter", reference, receipt)
    page = reporter.page
    expect(page.locator(".panel").first).to_contain_text(
        "Outcome: the report was withdrawn (recorded by the person handling your report, "
        "as you asked).")
    expect(page.locator("ol.timeline")).to_contain_text(
        "The report was withdrawn: recorded by the person handling your report, as you asked.")
    expect(page.get_by_text("you withdrew it")).to_have_count(0)
    assert TOLD not in page.locator("body").inner_text()
    shot(reporter, "my-report-withdrawal-recorded")

    _the_reporter_withdraws_only_once_they_confirm(visit, shot, intake)


def _deadlines_stopped(page) -> None:
    table = page.locator("#deadlines ~ .table-scroll table").first
    statuses = table.locator("tbody td:nth-child(3)")
    expect(statuses.first).to_be_visible()
    assert set(statuses.all_inner_texts()) == {"Stopped (case closed)"}


def _the_reporter_withdraws_only_once_they_confirm(visit, shot, intake):
    """The reporter's own withdrawal: a page says what it means; going back leaves the report
    open; confirming closes it, and the handler reads that the reporter chose it."""
    reporter, reference, receipt = lodge(
        visit, shot, "second-reporter", category="policy_breach",
        summary="Planning files kept at home",
        details="A planning officer takes paper files home every Friday.")
    comes_back(reporter, shot, "second-reporter", reference, receipt)
    page = reporter.page
    shot(reporter, "my-report-received")

    page.get_by_role("button", name="Withdraw my report", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw my report?")
    expect(page.locator(".panel")).to_contain_text("Withdrawing closes your report.")
    expect(page.locator(".panel")).to_contain_text(
        "come back with your receipt to read it, and to send a message")
    shot(reporter, "confirm-withdrawal")
    page.get_by_role("link", name="No, go back to my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your report {reference}")
    expect(page.locator(".panel").first).to_contain_text(
        "We have received your report. It has not been acknowledged yet.")
    expect(page.get_by_text("Outcome:")).to_have_count(0)
    shot(reporter, "my-report-still-open")

    page.get_by_role("button", name="Withdraw my report", exact=True).click()
    page.get_by_role("button", name="Yes: withdraw my report", exact=True).click()
    expect(page.get_by_text("Done. Your report has been updated.")).to_be_visible()
    panel = page.locator(".panel").first
    expect(panel).to_contain_text("Your report is closed.")
    expect(panel).to_contain_text("Outcome: the report was withdrawn (you withdrew it).")
    expect(page.get_by_role("button", name="Withdraw my report")).to_have_count(0)
    shot(reporter, "my-report-withdrawn")

    intake.goto(f"/staff/cases/{reference}")
    page = intake.page
    expect(page.locator("p.lead").first).to_contain_text("Outcome: Withdrawn")
    chosen = decision(page, "The reporter chose: Withdraw my report")
    expect(chosen.locator("p.muted")).to_contain_text("by the reporter")
    expect(chosen.locator("dl")).to_have_count(0)
    expect(page.locator("ol.timeline")).to_contain_text(
        "The reporter chose: Withdraw my report (the reporter)")
    _deadlines_stopped(page)
    shot(intake, "case-withdrawn-by-the-reporter")


# ---- 3. the only member of a queue steps aside -----------------------------------------------

CONFLICT = "The claimant is my brother-in-law."


def test_the_only_member_steps_aside_and_the_fallback_owner_finds_the_case(visit, live):
    shot = Shots(3)
    reporter, reference, receipt = lodge(
        visit, shot, "reporter", category="fraud",
        summary="Mileage claimed for journeys never made",
        details="A manager in Finance claims mileage for site visits on days off.")

    audit = staff_member(visit, live, shot, "audit")  # Sam Okafor, the queue's only member
    open_case(audit, reference)
    page = audit.page
    expect(page.locator("dl.summary")).to_contain_text("Internal Audit")
    expect(page.get_by_text(
        "routed to Internal Audit because: fraud is suspected")).to_be_visible()
    seers = page.locator("#access ul")
    expect(seers.locator("li")).to_have_count(1)
    expect(seers).to_contain_text("Sam Okafor")
    shot(audit, "case-internal-audit")
    open_details(page, "#conflict")
    page.locator("#recuse-reason").fill(CONFLICT)
    page.get_by_role("button", name="Declare a conflict and step aside").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator(".notices")).to_contain_text(
        "You declared a conflict of interest. You no longer have access to that case.")
    assert reference not in page.locator("main").inner_text()
    shot(audit, "dashboard-after-conflict")
    assert audit.goto(f"/staff/cases/{reference}").status == 404
    shot(audit, "case-not-found")

    officer = staff_member(visit, live, shot, "mo")  # Priya Shah, owner of the fallback queue
    page = officer.page
    arrived = page.locator("#arrived ~ .table-scroll").first
    expect(arrived.get_by_role("link", name=reference)).to_be_visible()
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Cases").click()
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    shot(officer, "case-list")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    expect(page.locator("dl.summary")).to_contain_text("Monitoring Officer")
    expect(page.get_by_text(
        "moved to Monitoring Officer because: everyone able to handle it has declared a "
        "conflict (next in line after Internal Audit in the policy)")).to_be_visible()
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text(
        "Declared a conflict of interest and stepped aside (Sam Okafor)")
    expect(timeline).to_contain_text(
        "Moved from Internal Audit to Monitoring Officer, because everyone able to handle it "
        "has declared a conflict")
    assert CONFLICT not in page.locator("main").inner_text()  # the reason stays sealed
    seers = page.locator("#access ul")
    expect(seers).to_contain_text("Priya Shah")
    expect(seers).not_to_contain_text("Sam Okafor")
    shot(officer, "case-moved-to-monitoring-officer")

    comes_back(reporter, shot, "reporter", reference, receipt)
    expect(reporter.page.locator(".panel").first).to_contain_text(
        "We have received your report. It has not been acknowledged yet.")
    shot(reporter, "my-report-after-move")


# ---- 4. both the Chief Executive and the Monitoring Officer implicated --------------------------

BOTH = ("Alex Morgan, Chief Executive", "Priya Shah, Monitoring Officer")


def test_a_case_implicating_the_chief_executive_and_the_monitoring_officer_is_handed_over(
        visit, live, tmp_path):
    shot = Shots(4)
    reporter, reference, receipt = lodge(
        visit, shot, "reporter", category="policy_breach",
        summary="Audit findings withheld from the committee",
        details="The Chief Executive and the Monitoring Officer agreed to keep the internal "
                "audit report on the leisure contract from councillors.",
        people=BOTH)

    for local in ("ce", "mo", "intake"):
        staff = staff_member(visit, live, shot, local)
        assert reference not in staff.page.content(), local
        staff.page.get_by_role("navigation", name="Staff").get_by_role(
            "link", name="Cases").click()
        expect(staff.page.get_by_role("heading", level=1)).to_have_text("Cases")
        assert reference not in staff.page.content(), local
        shot(staff, f"{local}-case-list")
        response = staff.goto(f"/staff/cases/{reference}")
        assert response.status == 404, local
        expect(staff.page.get_by_role("heading", level=1)).to_have_text("Not found")
        shot(staff, f"{local}-not-found")
        staff.close()

    found = _orphaned(live)
    assert re.search(rf"^{reference}  queue external  opened \S+  handed over \S+, export its "
                     r"file: casework cases export$", found.stdout, re.M), found.stdout
    assert found.returncode == 1, found.stdout  # it needs action

    out = tmp_path / f"{reference}.zip"
    exported = _casework(live, "cases", "export", reference, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "for the council's external auditor" in exported.stdout
    assert re.search(r"^sha256: [0-9a-f]{64}$", exported.stdout, re.M), exported.stdout
    assert out.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as casefile:
        text = " ".join(casefile.read(name).decode("utf-8", "replace")
                        for name in casefile.namelist())
    assert reference in text and "Audit findings withheld from the committee" in text

    found = _orphaned(live)
    assert re.search(rf"^{reference}  queue external  opened \S+  handed over \S+, file "
                     r"exported$", found.stdout, re.M), found.stdout

    comes_back(reporter, shot, "reporter", reference, receipt)
    expect(reporter.page.locator("#your-report ~ .panel").first).to_contain_text(
        "Audit findings withheld from the committee")
    shot(reporter, "my-report-handed-over")


def _casework(live, *args: str) -> subprocess.CompletedProcess:
    """The operator's command against the live server's database."""
    assert live.instance is not None
    return subprocess.run(  # noqa: S603 (our own venv's command, fixed arguments)
        [str(CASEWORK), *args], env=server_env(live.database_url, live.instance),
        capture_output=True, text=True, timeout=120, check=False)


def _orphaned(live) -> subprocess.CompletedProcess:
    found = _casework(live, "cases", "orphaned")
    assert found.returncode in (0, 1), found.stderr
    return found
