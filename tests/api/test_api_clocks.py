"""Deadlines, milestones and aftercare through the API: the case's clocks with their source and
actions, extend/pause/resume and milestones with their refusals, and the reporter's check-ins
(a yes answers 201 with the follow-up's receipt, never in a header)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.services.aftercare import QUESTION
from casework.services.transitions import fire_transition
from tests.factories import FIELDS

REASON = "The investigator is on leave; the Ombudsman agreed to more time."
WORDS = "I was left off the team rota the week after my report closed."


def clocks(answer) -> dict:
    return {c["name"]: c for c in answer.get_json()["clocks"]}


def test_the_case_lists_each_clock_with_its_source_and_actions(api, make, handler, runtime):
    _, token = handler
    lodged = make.lodge("disclosure")
    body = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    ack = next(c for c in body["clocks"] if c["name"] == "acknowledge")
    spec = runtime.pack.clock("disclosure", "acknowledge")
    soon = (date(2026, 3, 9) - date(2026, 3, 2)).days <= runtime.pack.due_soon_days
    assert ack == {"name": "acknowledge", "label": spec.label, "source": spec.source,
                   "due_on": "2026-03-09", "status": "running", "paused_on": None,
                   "due_soon": soon, "actions": []}
    # The one milestone of the UK pack's disclosures: meeting the reporter who asked (art 9(2)).
    assert [m["key"] for m in body["milestones"]] == ["met_reporter"]
    assert body["follows"] is None


def test_extend_answers_the_clocks_and_the_new_version(api, make, handler, use_pack, ctx):
    use_pack("nz-public-service")
    _, token = handler
    lodged = make.lodge("disclosure")
    before = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    deal = next(c for c in before["clocks"] if c["name"] == "deal_with")
    assert deal["actions"] == ["extend"]
    answer = api.post(f"/cases/{lodged.reference}/clocks/deal_with/extend", token=token, json={
        "due_on": "2026-06-30", "reason": REASON, "version": before["version"]})
    assert answer.status_code == 200
    assert clocks(answer)["deal_with"]["due_on"] == "2026-06-30"
    assert answer.get_json()["reference"] == lodged.reference
    after = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    assert after["version"] == answer.get_json()["version"]
    audit = api.get(f"/cases/{lodged.reference}/audit", token=token).get_json()
    assert REASON not in str(audit) and "case:clock:change" in {e["kind"] for e in audit}


@pytest.mark.parametrize("body, field", [
    ({"due_on": "2026-06-30"}, "reason"),
    ({"reason": REASON}, "due_on"),
    ({"due_on": "2026-03-03", "reason": REASON}, "due_on"),
    ({"due_on": "2026-06-30", "reason": "   "}, "reason"),
    ({"due_on": "2026-06-30", "reason": REASON, "version": 0}, "version"),
])
def test_a_422_names_the_field(api, make, handler, use_pack, body, field):
    use_pack("nz-public-service")
    _, token = handler
    lodged = make.lodge("disclosure")
    answer = api.post(f"/cases/{lodged.reference}/clocks/deal_with/extend", token=token,
                      json=body)
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]


@pytest.fixture
def hr_handler(sign_in):
    """A handler of the hr queue (where harassment complaints go), signed in."""
    return sign_in(("intake", "investigator", "decision_maker"), ("hr",))


def test_pause_then_resume_gives_the_paused_days_back(api, make, hr_handler, use_pack, clock):
    use_pack("canada-federal")
    acc, token = hr_handler
    lodged = make.lodge("harassment")
    assert lodged.case.queue == "hr"
    due = next(c.due_on for c in lodged.case.clocks if c.name == "complete_resolution")
    paused = api.post(f"/cases/{lodged.reference}/clocks/complete_resolution/pause",
                      token=token, json={"reason": REASON})
    assert paused.status_code == 200
    now = clocks(paused)["complete_resolution"]
    assert (now["status"], now["paused_on"], now["actions"]) == ("paused", "2026-03-02",
                                                                 ["resume"])
    again = api.post(f"/cases/{lodged.reference}/clocks/complete_resolution/pause",
                     token=token, json={"reason": REASON})
    assert again.status_code == 409
    clock.now += timedelta(days=7)
    token = api.staff_token(acc)  # a new day, a new token
    resumed = api.post(f"/cases/{lodged.reference}/clocks/complete_resolution/resume",
                       token=token)  # no body: the version is optional
    assert resumed.status_code == 200
    assert clocks(resumed)["complete_resolution"]["status"] == "running"
    assert clocks(resumed)["complete_resolution"]["due_on"] == (due + timedelta(7)).isoformat()


def test_stale_version_on_pause_is_409(api, make, hr_handler, use_pack):
    use_pack("canada-federal")
    _, token = hr_handler
    lodged = make.lodge("harassment")
    stale = api.get(f"/cases/{lodged.reference}", token=token).get_json()["version"]
    assert api.post(f"/cases/{lodged.reference}/transitions", token=token, json={
        "transition": "acknowledge", "version": stale}).status_code == 200
    answer = api.post(f"/cases/{lodged.reference}/clocks/complete_resolution/pause",
                      token=token, json={"reason": REASON, "version": stale})
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "stale_version"


def test_a_fixed_deadline_cannot_be_extended_or_paused(api, make, handler):
    _, token = handler
    lodged = make.lodge("disclosure")  # the EU directive's 7 days
    for action, body in (("extend", {"due_on": "2026-12-31", "reason": REASON}),
                         ("pause", {"reason": REASON}), ("resume", {})):
        answer = api.post(f"/cases/{lodged.reference}/clocks/acknowledge/{action}",
                          token=token, json=body)
        assert answer.status_code == 409, action
    unknown = api.post(f"/cases/{lodged.reference}/clocks/no_such_clock/pause", token=token,
                       json={"reason": REASON})
    assert unknown.status_code == 404


def test_an_investigator_who_sees_the_case_gets_403(api, make, sign_in, use_pack):
    use_pack("nz-public-service")
    _, token = sign_in(("investigator",), ("intake",))
    lodged = make.lodge("disclosure")
    answer = api.post(f"/cases/{lodged.reference}/clocks/deal_with/extend", token=token,
                      json={"due_on": "2026-12-31", "reason": REASON})
    assert answer.status_code == 403


def test_an_implicated_person_gets_404_everywhere(api, make, sign_in, use_pack):
    use_pack("vic-public-sector")
    me = make.person()
    lodged = make.lodge("disclosure", implicated=[me])
    _, token = sign_in(("intake", "investigator", "decision_maker"), (lodged.case.queue,),
                       person_id=me)
    for path, body in (("clocks/notify_ibac/extend", {"due_on": "2026-12-31",
                                                      "reason": REASON}),
                       ("clocks/notify_ibac/pause", {"reason": REASON}),
                       ("clocks/notify_ibac/resume", {}),
                       ("milestones", {"milestone": "notified_ibac"})):
        hidden = api.post(f"/cases/{lodged.reference}/{path}", token=token, json=body)
        made_up = api.post(f"/cases/CW-NOSUCHXX/{path}", token=token, json=body)
        assert hidden.status_code == made_up.status_code == 404, path
        assert hidden.get_json() == made_up.get_json()


def test_milestones_are_listed_recorded_once_and_stop_their_clock(api, make, handler,
                                                                  use_pack, runtime):
    use_pack("vic-public-sector")
    _, token = handler
    lodged = make.lodge("disclosure")
    ibac = runtime.pack.milestone("disclosure", "notified_ibac")
    case = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    assert case["milestones"] == [{"key": "notified_ibac", "label": ibac.label,
                                   "source": ibac.source, "note": None, "date": None}]
    recorded = api.post(f"/cases/{lodged.reference}/milestones", token=token,
                        json={"milestone": "notified_ibac", "version": case["version"]})
    assert recorded.status_code == 200
    assert clocks(recorded)["notify_ibac"]["status"] == "met"
    assert recorded.get_json()["milestones"] == []
    again = api.post(f"/cases/{lodged.reference}/milestones", token=token,
                     json={"milestone": "notified_ibac"})
    assert again.status_code == 409
    unknown = api.post(f"/cases/{lodged.reference}/milestones", token=token,
                       json={"milestone": "told_the_press"})
    assert unknown.status_code == 422 and "milestone" in unknown.get_json()["error"]["fields"]


def test_the_timeframe_told_to_a_discloser_starts_a_clock_due_that_day(api, make, handler,
                                                                       use_pack):
    # NZ Protected Disclosures Act 2022 s 13(2).
    use_pack("nz-public-service")
    _, token = handler
    lodged = make.lodge("disclosure")
    url = f"/cases/{lodged.reference}/milestones"
    case = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    told = next(m for m in case["milestones"] if m["key"] == "told_discloser_timeframe")
    assert told["date"]
    missing = api.post(url, token=token, json={"milestone": "told_discloser_timeframe"})
    assert missing.status_code == 422 and "on" in missing.get_json()["error"]["fields"]
    recorded = api.post(url, token=token, json={"milestone": "told_discloser_timeframe",
                                                "on": "2026-05-15"})
    assert recorded.status_code == 200
    assert clocks(recorded)["told_timeframe"]["due_on"] == "2026-05-15"
    assert clocks(recorded)["deal_with"]["status"] == "met"
    case = api.get(f"/cases/{lodged.reference}", token=token).get_json()
    assert [m["on"] for m in case["milestones_recorded"]] == ["2026-05-15"]


# --- the reporter's check-ins ---------------------------------------------------------------


@pytest.fixture
def closed(make, clock):
    """A report closed by its handlers, a month and a day ago."""
    lodged = make.lodge("disclosure")
    boss = make.staff(roles=("intake",), queues=(lodged.case.queue,))
    for key in ("acknowledge", "no_further_action"):
        fire_transition(make.ctx, boss, lodged.reference, key, lodged.case.version,
                        FIELDS.get(key, {}))
    clock.now += timedelta(days=32)
    return lodged


def test_no_checkins_before_the_case_closes(api, make):
    lodged = make.lodge("disclosure")
    token = api.reporter_token(lodged.reference, lodged.receipt)
    assert api.get("/reporter/checkins", token=token).get_json() == {"checkins": []}


def test_a_due_checkin_answered_no(api, closed):
    token = api.reporter_token(closed.reference, closed.receipt)
    listed = api.get("/reporter/checkins", token=token).get_json()["checkins"]
    assert len(listed) == 1
    item = listed[0]
    assert item == {"id": item["id"], "due_on": "2026-04-02", "question": QUESTION,
                    "answered": False, "detriment": None, "follow_up": None}
    answer = api.post(f"/reporter/checkins/{item['id']}", token=token,
                      json={"detriment": False})
    assert answer.status_code == 200 and answer.get_json() == {"follow_up": None}
    again = api.post(f"/reporter/checkins/{item['id']}", token=token,
                     json={"detriment": False})
    assert again.status_code == 409
    listed = api.get("/reporter/checkins", token=token).get_json()["checkins"]
    assert listed[0]["answered"] is True and listed[0]["detriment"] is False


@pytest.mark.parametrize("body, field", [
    ({}, "detriment"), ({"detriment": "yes"}, "detriment"),
    ({"detriment": True}, "details"), ({"detriment": True, "details": "  "}, "details"),
])
def test_an_incomplete_answer_is_422(api, closed, body, field):
    token = api.reporter_token(closed.reference, closed.receipt)
    item = api.get("/reporter/checkins", token=token).get_json()["checkins"][0]
    answer = api.post(f"/reporter/checkins/{item['id']}", token=token, json=body)
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]


def test_someone_elses_or_no_such_checkin_is_404(api, closed, make):
    token = api.reporter_token(closed.reference, closed.receipt)
    item = api.get("/reporter/checkins", token=token).get_json()["checkins"][0]
    other = make.lodge("disclosure")
    other_token = api.reporter_token(other.reference, other.receipt)
    for path_id, who in ((item["id"], other_token), (999999, token), ("x1", token),
                         (2**40, token)):
        answer = api.post(f"/reporter/checkins/{path_id}", token=who,
                          json={"detriment": False})
        assert answer.status_code == 404, path_id


def test_yes_opens_a_follow_up_with_its_own_receipt(api, closed, handler):
    token = api.reporter_token(closed.reference, closed.receipt)
    item = api.get("/reporter/checkins", token=token).get_json()["checkins"][0]
    answer = api.post(f"/reporter/checkins/{item['id']}", token=token,
                      json={"detriment": True, "details": WORDS})
    assert answer.status_code == 201
    new = answer.get_json()
    assert set(new) == {"reference", "receipt"} and new["reference"] != closed.reference
    assert "Location" not in answer.headers
    assert all(new["receipt"] not in value for _, value in answer.headers.items())
    listed = api.get("/reporter/checkins", token=token).get_json()["checkins"]
    assert listed[0]["follow_up"] == new["reference"] and listed[0]["detriment"] is True
    follow_token = api.reporter_token(new["reference"], new["receipt"])
    assert api.get("/reporter/case", token=follow_token).get_json()["reference"] \
        == new["reference"]
    _, staff_token = handler
    first = api.get(f"/cases/{closed.reference}", token=staff_token)
    assert WORDS not in first.get_data(as_text=True)
    follow_up = api.get(f"/cases/{new['reference']}", token=staff_token).get_json()
    assert follow_up["details"] == WORDS and follow_up["follows"] == closed.reference
