"""Deadlines on the staff case page: each clock's label, source, due date and status in plain
words; pausing, resuming and extending where the policy pack allows it; milestones; and the
refusals (422 linked from the summary, 409 stale or not allowed, 403, 404)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from casework.models import AuditEvent, Case, CaseClock
from casework.services.transitions import fire_transition
from tests.factories import FIELDS
from tests.web.conftest import TOKEN, page

REASON = "The principal party is on extended sick leave until April."


@pytest.fixture
def staff_on(account, browser):
    """Sign in someone who handles cases in a queue (or with other roles)."""

    def signed_in(queue: str, roles=("intake", "investigator", "decision_maker"),
                  person_id: int | None = None):
        acc = account(roles, (queue,), person_id=person_id)
        assert browser.sign_in(acc).status_code == 303
        return acc

    return signed_in


@pytest.fixture
def travel(browser, clock):
    """Move the clock on by days, and sign the same person in again (sessions time out)."""

    def forward(days: int, acc) -> None:
        clock.now += timedelta(days=days)
        assert browser.sign_in(acc).status_code == 303

    return forward


def spec(runtime, route: str, name: str):
    """A clock's definition in the pack in use (its words are the pack's to change)."""
    return runtime.pack.clock(route, name)


def clock_of(ctx, reference: str, name: str) -> CaseClock:
    ctx.session.expire_all()
    case = ctx.session.query(Case).filter_by(reference=reference).one()
    return next(c for c in case.clocks if c.name == name)


def version(body: str) -> str:
    return re.search(r'name="version" value="(\d+)"', body).group(1)


def without_tokens(body: str) -> str:
    """A page less its CSRF tokens (they carry a timestamp)."""
    return TOKEN.sub("csrf", body)


def deadlines(body: str) -> str:
    return body.split('id="deadlines"')[1].split('id="steps"')[0]


def timeline(body: str) -> str:
    return body.split('id="timeline"')[1]


def row(body: str, label: str) -> str:
    return deadlines(body).split(label)[1].split("</tr>")[0]


def move(make, case: Case, *path: str) -> None:
    """Someone else takes steps on the case (through the service, not this browser)."""
    boss = make.staff(roles=("intake", "investigator", "decision_maker"), queues=(case.queue,))
    for key in path:
        fire_transition(make.ctx, boss, case.reference, key, case.version, FIELDS.get(key, {}))


def test_each_clock_shows_its_label_source_date_and_status(browser, staff_on, make, ctx,
                                                            runtime, travel):
    case = make.case()
    acc = staff_on(case.queue)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    ack, feedback = spec(runtime, "disclosure", "acknowledge"), spec(runtime, "disclosure",
                                                                     "feedback")
    assert ack.source and ack.source in row(body, ack.label)
    assert "09 March 2026" in row(body, ack.label)
    assert 'class="tag running">Running' in row(body, feedback.label)
    assert "Change the deadline" not in body  # the EU directive's clocks are fixed
    left = (clock_of(ctx, case.reference, "acknowledge").due_on - date(2026, 3, 2)).days
    soon = max(left - runtime.pack.due_soon_days, 0)
    if soon:
        assert 'class="tag running">Running' in row(body, ack.label)
        travel(soon, acc)
    assert 'class="tag due_soon">Due soon' in row(page(browser.get(
        f"/staff/cases/{case.reference}")), ack.label)
    travel(left - soon + 1, acc)
    assert 'class="tag overdue">Overdue' in row(page(browser.get(
        f"/staff/cases/{case.reference}")), ack.label)
    move(make, case, "acknowledge", "no_further_action")  # late, then closed
    after = page(browser.get(f"/staff/cases/{case.reference}"))
    assert 'class="tag missed">Missed' in row(after, ack.label)  # it stays missed


def test_pausing_and_resuming_a_pausable_clock(browser, staff_on, make, ctx, runtime, travel,
                                               use_pack):
    use_pack("canada-federal")
    resolution = spec(runtime, "harassment", "complete_resolution")
    case = make.case("harassment")
    acc = staff_on(case.queue)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert set(re.findall(r"/clocks/(\w+)/(\w+)", body)) == {("complete_resolution", "pause")}
    due = clock_of(ctx, case.reference, "complete_resolution").due_on
    paused = browser.post(f"/staff/cases/{case.reference}/clocks/complete_resolution/pause", {
        "version": version(body), "pause-complete_resolution-reason": REASON})
    assert paused.status_code == 303 and paused.location.endswith("#deadlines")
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert "Paused since 02 March 2026" in row(body, resolution.label)
    assert resolution.source in row(body, resolution.label)
    assert f"Deadline paused: {resolution.label}" in timeline(body)
    assert REASON not in body  # the reason is sealed and not shown
    travel(10, acc)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    resumed = browser.post(f"/staff/cases/{case.reference}/clocks/complete_resolution/resume",
                           {"version": version(body)})
    assert resumed.status_code == 303
    assert clock_of(ctx, case.reference, "complete_resolution").due_on == due + timedelta(10)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert f"Deadline running again: {resolution.label}" in timeline(body)
    kinds = [e.kind for e in ctx.session.query(AuditEvent).filter_by(case_id=case.id)]
    assert kinds.count("case:clock:change") == 2


def test_extending_an_extendable_clock(browser, staff_on, make, ctx, runtime, use_pack):
    use_pack("nz-public-service")
    case = make.case()
    staff_on(case.queue)
    before = clock_of(ctx, case.reference, "deal_with").due_on
    later = before + timedelta(days=14)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    extended = browser.post(f"/staff/cases/{case.reference}/clocks/deal_with/extend", {
        "version": version(body), "extend-deal_with-due_on": later.isoformat(),
        "extend-deal_with-reason": REASON})
    assert extended.status_code == 303
    assert clock_of(ctx, case.reference, "deal_with").due_on == later
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert f"Deadline extended: {spec(runtime, 'disclosure', 'deal_with').label}" \
        in timeline(body)
    assert f"now due {later.strftime('%d %B %Y')} (was {before.strftime('%d %B %Y')})" \
        in timeline(body)
    assert REASON not in body


@pytest.mark.parametrize("fields, target, words", [
    ({"extend-deal_with-due_on": "2026-12-31", "extend-deal_with-reason": " "},
     "extend-deal_with-reason", "Give a reason"),
    ({"extend-deal_with-due_on": "31/12/2026", "extend-deal_with-reason": REASON},
     "extend-deal_with-due_on", "Enter the new due date as a date"),
    ({"extend-deal_with-due_on": "2026-03-03", "extend-deal_with-reason": REASON},
     "extend-deal_with-due_on", "Choose a date after the current due date"),
])
def test_a_422_names_the_field_and_keeps_the_form_open(browser, staff_on, make, ctx, use_pack,
                                                        fields, target, words):
    use_pack("nz-public-service")
    case = make.case()
    staff_on(case.queue)
    due = clock_of(ctx, case.reference, "deal_with").due_on
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    refused = browser.post(f"/staff/cases/{case.reference}/clocks/deal_with/extend",
                           {"version": version(body), **fields})
    html = page(refused)
    assert refused.status_code == 422
    assert "<title>Error: " in html
    assert re.search(f'<a href="#{target}">[^<]*: {words}', html)  # the error summary
    assert f'id="{target}-error"' in html and "<details open>" in html
    assert clock_of(ctx, case.reference, "deal_with").due_on == due


def test_a_stale_version_is_a_409_showing_the_state_now(browser, staff_on, make, ctx,
                                                         use_pack):
    use_pack("canada-federal")
    case = make.case("harassment")
    staff_on(case.queue)
    old = version(page(browser.get(f"/staff/cases/{case.reference}")))
    move(make, case, "acknowledge")  # someone else, in another tab
    late = browser.post(f"/staff/cases/{case.reference}/clocks/complete_resolution/pause", {
        "version": old, "pause-complete_resolution-reason": REASON})
    assert late.status_code == 409
    assert "Someone else acted first" in page(late)
    assert clock_of(ctx, case.reference, "complete_resolution").status == "running"


def test_a_refused_change_is_a_409_with_the_reason(browser, staff_on, make, ctx, travel,
                                                   use_pack):
    use_pack("nz-public-service")
    case = make.case()
    acc = staff_on(case.queue)
    due = clock_of(ctx, case.reference, "deal_with").due_on
    travel((due - date(2026, 3, 2)).days + 1, acc)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert "/clocks/deal_with/extend" not in body  # no longer offered
    refused = browser.post(f"/staff/cases/{case.reference}/clocks/deal_with/extend", {
        "version": version(body), "extend-deal_with-due_on": "2026-12-31",
        "extend-deal_with-reason": REASON})
    assert refused.status_code == 409
    assert "This deadline has passed; it stays missed" in page(refused)
    not_pausable = browser.post(f"/staff/cases/{case.reference}/clocks/deal_with/pause", {
        "version": version(body), "pause-deal_with-reason": REASON})
    assert not_pausable.status_code == 409
    assert "This deadline cannot be paused." in page(not_pausable)


def test_an_investigator_who_sees_the_case_may_not_change_its_deadlines(
        browser, staff_on, make, ctx, use_pack):
    use_pack("canada-federal")
    case = make.case("harassment")
    staff_on(case.queue, roles=("investigator",))
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert "Change the deadline" not in body
    refused = browser.post(f"/staff/cases/{case.reference}/clocks/complete_resolution/pause", {
        "version": str(case.version), "pause-complete_resolution-reason": REASON})
    assert refused.status_code == 403


def test_a_case_implicating_me_is_404_for_every_deadline_action(browser, staff_on, make,
                                                                use_pack):
    use_pack("vic-public-sector")
    me = make.person()
    case = make.case(implicated=[me])
    staff_on(case.queue, person_id=me)
    for action, data in (("clocks/notify_ibac/pause", {"pause-notify_ibac-reason": REASON}),
                         ("clocks/notify_ibac/resume", {}),
                         ("clocks/notify_ibac/extend", {"extend-notify_ibac-reason": REASON,
                                                        "extend-notify_ibac-due_on":
                                                            "2026-12-31"}),
                         ("milestones", {"milestone-milestone": "notified_ibac"})):
        hidden = browser.post(f"/staff/cases/{case.reference}/{action}",
                              {"version": str(case.version), **data})
        made_up = browser.post(f"/staff/cases/CW-NOSUCHXX/{action}",
                               {"version": "1", **data})
        assert hidden.status_code == made_up.status_code == 404, action
        assert without_tokens(page(hidden)) == without_tokens(page(made_up))


def test_recording_a_milestone_stops_its_clock(browser, staff_on, make, ctx, runtime, use_pack):
    use_pack("vic-public-sector")
    ibac = runtime.pack.milestone("disclosure", "notified_ibac")
    case = make.case()
    staff_on(case.queue)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    form = body.split('id="milestones"')[1].split("</form>")[0]
    assert f'<option value="notified_ibac">{ibac.label}</option>' in form
    recorded = browser.post(f"/staff/cases/{case.reference}/milestones", {
        "version": version(body), "milestone-milestone": "notified_ibac"})
    assert recorded.status_code == 303
    assert clock_of(ctx, case.reference, "notify_ibac").status == "met"
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert 'class="tag met">Met' in row(body, spec(runtime, "disclosure", "notify_ibac").label)
    assert f"Recorded: {ibac.label}" in timeline(body)
    assert 'id="milestones"' not in body  # nothing left to record
    again = browser.post(f"/staff/cases/{case.reference}/milestones", {
        "version": version(body), "milestone-milestone": "notified_ibac"})
    assert again.status_code == 409
    assert "This milestone has been recorded already." in page(again)


@pytest.mark.parametrize("choice, words", [("", "Choose what has been done"),
                                           ("told_the_press", "Not a milestone of this")])
def test_a_milestone_that_is_not_one_is_a_422(browser, staff_on, make, use_pack, choice,
                                              words):
    use_pack("vic-public-sector")
    case = make.case()
    staff_on(case.queue)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    refused = browser.post(f"/staff/cases/{case.reference}/milestones", {
        "version": version(body), "milestone-milestone": choice})
    assert refused.status_code == 422
    assert re.search(f'<a href="#milestone-milestone">[^<]*: {words}', page(refused))


def test_a_form_without_its_version_is_refused(browser, staff_on, make, use_pack):
    use_pack("canada-federal")
    case = make.case("harassment")
    staff_on(case.queue)
    refused = browser.post(f"/staff/cases/{case.reference}/clocks/complete_resolution/pause",
                           {"pause-complete_resolution-reason": REASON})
    assert refused.status_code == 400


# Referrals (issue 14): the decision the policy asks for, a referral that keeps the case open.

POLICE = "New Zealand Police, where a crime is alleged"


def test_the_page_asks_for_the_police_decision_and_records_the_referral_open(
        browser, staff_on, make, use_pack):
    use_pack("nz-public-service")
    case = make.case(category="offence")
    staff_on(case.queue)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert 'id="referrals-due"' in body and "A possible offence" in body
    form = body.split('<details id="referral" open>')[1].split("</form>")[0]  # open: due
    assert f'<option value="{POLICE}">{POLICE}</option>' in form
    refused = browser.post(f"/staff/cases/{case.reference}/referrals", {
        "version": version(body), "referral-referred": "no",
        "referral-matter": "possible_offence"})
    assert refused.status_code == 422
    assert "Required" in page(refused).split('<details id="referral" open>')[1]
    made = browser.post(f"/staff/cases/{case.reference}/referrals", {
        "version": version(body), "referral-referred": "yes", "referral-body": POLICE,
        "referral-matter": "possible_offence", "referral-reference": "NZP-77"})
    assert made.status_code == 303 and made.headers["Location"].endswith("#referrals")
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert 'id="referrals-due"' not in body
    section = body.split('id="referrals"')[1].split('id="steps"')[0]
    assert POLICE in section and "NZP-77" in section
    assert f"Referred to {POLICE}; the case stays open" in body
    assert "Stage: <strong>Received</strong>" in body


def test_a_referral_to_a_body_the_pack_does_not_name_is_a_422(browser, staff_on, make,
                                                              use_pack):
    use_pack("nz-public-service")
    case = make.case(category="offence")
    staff_on(case.queue)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    refused = browser.post(f"/staff/cases/{case.reference}/referrals", {
        "version": version(body), "referral-referred": "yes", "referral-body": "Interpol"})
    assert refused.status_code == 422
    assert "Choose one of the bodies the policy names" in page(refused)


def test_natural_justice_is_recorded_with_the_persons_response(browser, staff_on, make,
                                                               use_pack):
    use_pack("nz-public-service")
    case = make.case("harassment", category="bullying")
    staff_on(case.queue)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert '<option value="subject_informed">' in body and 'id="milestone-note"' in body
    refused = browser.post(f"/staff/cases/{case.reference}/milestones", {
        "version": version(body), "milestone-milestone": "subject_informed"})
    assert refused.status_code == 422 and "Required" in page(refused)
    said = "She accepts she raised her voice and will apologise; her manager decided to tell her."
    made = browser.post(f"/staff/cases/{case.reference}/milestones", {
        "version": version(body), "milestone-milestone": "subject_informed",
        "milestone-note": said})
    assert made.status_code == 303
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    recorded = body.split('id="milestones-recorded"')[1].split("</ul>")[0]
    assert "Told the person the complaint is about of its nature" in recorded
    assert said in recorded


def test_the_timeframe_told_to_a_discloser_becomes_a_deadline(browser, staff_on, make,
                                                              use_pack):
    # NZ Protected Disclosures Act 2022 s 13(2): the date told starts a deadline due on it.
    use_pack("nz-public-service")
    case = make.case()
    staff_on(case.queue)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert 'id="milestone-on"' in body
    made = browser.post(f"/staff/cases/{case.reference}/milestones", {
        "version": version(body), "milestone-milestone": "told_discloser_timeframe",
        "milestone-on": "2026-05-15"})
    assert made.status_code == 303
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert "Deal with the disclosure by the date the discloser was told" in body
    assert "date given: 15 May 2026" in body


def test_the_handler_may_tell_the_reporter_of_a_referral(browser, staff_on, make, use_pack):
    use_pack("nz-public-service")
    case = make.case(category="offence")
    staff_on(case.queue)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert 'name="referral-tell_reporter"' in body
    made = browser.post(f"/staff/cases/{case.reference}/referrals", {
        "version": version(body), "referral-referred": "yes", "referral-body": POLICE,
        "referral-matter": "possible_offence", "referral-tell_reporter": "y"})
    assert made.status_code == 303
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    section = body.split('id="referrals"')[1].split('id="steps"')[0]
    assert "The reporter is told." in section
    assert f"Referred to {POLICE}; the case stays open (the reporter is told)" in body


def test_the_nz_form_asks_why_in_words_for_the_reporter(browser, staff_on, make, use_pack):
    """NZ Act s 13(1)(e): the no-further-action form asks the reporter's reason, required."""
    use_pack("nz-public-service")
    case = make.case(path=["acknowledge"])
    staff_on(case.queue)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    form = body.split('name="transition" value="no_further_action"')[1].split("</form>")[0]
    assert "Why, in words for the reporter (shown to them)" in form
    assert "Why, in words for the reporter (shown to them) (optional)" not in form
    refused = browser.post(f"/staff/cases/{case.reference}/transition", {
        "version": version(body), "transition": "no_further_action",
        "f_reason": "Approved at the May board"})
    assert refused.status_code == 422 and "Required" in page(refused)
