"""The case record: every step with what was recorded and by whom, and what the reporter is
told (from the route definitions), on the staff view and the reporter's."""

from __future__ import annotations

from casework.models import User
from casework.services.access import Reporter
from casework.services.evidence import accept_evidence
from casework.services.reporter_page import reporter_view
from casework.services.transitions import fire_transition
from casework.services.views import case_view
from tests.factories import FIELDS

FEEDBACK = "We spoke to the manager; the practice has stopped."
FULL = ("acknowledge", "accept_for_investigation", "record_findings", "record_action",
        "give_feedback")


def closed_with_feedback(make, ctx):
    case = make.lodge("disclosure", category="policy_breach", anonymous=False).case
    boss = make.staff(roles=("intake", "investigator", "decision_maker"), queues=(case.queue,))
    for key in FULL:
        fields = {"message": FEEDBACK} if key == "give_feedback" else FIELDS.get(key, {})
        fire_transition(ctx, boss, case.reference, key, case.version, fields)
    return case, boss


def test_every_step_is_recorded_with_its_answers_and_who_took_it(make, ctx):
    case, boss = closed_with_feedback(make, ctx)
    view = case_view(ctx, boss, case.reference)
    assert [d.transition for d in view.decisions] == list(FULL)
    name = ctx.session.get(User, boss.user_id).name
    assert {d.actor_name for d in view.decisions} == {name}
    findings = next(d for d in view.decisions if d.transition == "record_findings")
    answers = {f.name: (f.label, f.text) for f in findings.fields}
    assert answers == {"finding": ("Finding", "Substantiated"),
                       "reason": ("Reasons for the finding", "evidence")}
    feedback = next(d for d in view.decisions if d.transition == "give_feedback")
    assert [(f.text, f.shown_to_reporter) for f in feedback.fields] == [(FEEDBACK, True)]
    assert feedback.as_dict()["fields"] == {"message": FEEDBACK}
    assert all(item["by"] == name for item in view.timeline if item["kind"] == "transition")


def test_the_reporter_reads_the_feedback_and_only_what_is_for_them(make, ctx):
    case, _ = closed_with_feedback(make, ctx)
    view = reporter_view(ctx, Reporter(case.id))
    assert [f["text"] for f in view["feedback"]] == [FEEDBACK]
    assert view["outcome_words"] == "the concern was found to be true"
    shown = repr(view)
    assert "evidence" not in [f["text"] for f in view["feedback"]]
    assert "disciplinary process started" not in shown  # the action taken is staff-only
    assert "User " not in shown  # no staff names reach the reporter


def test_the_reporter_reads_back_what_they_reported_and_sent(make, ctx):
    lodged = make.lodge("disclosure", summary="Invoices split", details="Split under £5,000")
    accept_evidence(ctx, Reporter(lodged.case.id), None, "notes.txt", b"what I saw")
    view = reporter_view(ctx, Reporter(lodged.case.id))
    assert view["report"] == {"summary": "Invoices split", "details": "Split under £5,000",
                              "answers": []}
    assert [f["filename"] for f in view["evidence"]] == ["notes.txt"]
    assert view["next_expected_on"] == lodged.case.next_due_on is not None
    assert view["opened_on"] == lodged.case.opened_at.date()


def test_the_reporter_is_told_when_their_report_was_first_read_never_by_whom(make, ctx):
    case = make.lodge("disclosure").case
    assert reporter_view(ctx, Reporter(case.id))["read_on"] is None
    assert "not been acknowledged" in reporter_view(ctx, Reporter(case.id))["stage"]
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    case_view(ctx, handler, case.reference)
    assert reporter_view(ctx, Reporter(case.id))["read_on"] == ctx.now.date()


def test_a_withdrawal_says_who_closed_it(make, ctx):
    own = make.lodge("disclosure").case
    fire_transition(ctx, Reporter(own.id), None, "withdraw", None, {})
    assert reporter_view(ctx, Reporter(own.id))["withdrawn_by"] == "reporter"
    recorded = make.case("disclosure", path=("withdraw",))
    view = reporter_view(ctx, Reporter(recorded.id))
    assert view["withdrawn_by"] == "recorded_by_handler"
    assert view["timeline"][-1]["label"] == (
        "The report was withdrawn: recorded by the person handling your report, as you asked.")
    assert "the reporter asked us to stop" not in repr(view)  # the handler's note is staff's


def test_staff_read_a_withdrawal_as_the_reporter_s_choice_or_as_recorded(make, ctx):
    """The handler's step is named for what it records; the reporter's own withdrawal reads as
    their choice, not as one a handler recorded. Answers read in the order the step asks."""
    own = make.lodge("disclosure").case
    fire_transition(ctx, Reporter(own.id), None, "withdraw", None, {})
    handler = make.staff(roles=("intake",), queues=(own.queue,))
    view = case_view(ctx, handler, own.reference)
    assert [(d.label, d.actor, d.fields) for d in view.decisions] == [
        ("The reporter chose: Withdraw my report", "reporter", ())]
    assert view.timeline[-1]["label"] == "The reporter chose: Withdraw my report"
    recorded = make.case("disclosure", path=("withdraw",))
    handler = make.staff(roles=("intake",), queues=(recorded.queue,))
    step = case_view(ctx, handler, recorded.reference).decisions[-1]
    assert step.label == "Withdrawal recorded, as the reporter asked"
    assert [f.label for f in step.fields] == ["What the reporter told you",
                                              "How the reporter asked"]


def test_the_reporter_s_heading_for_feedback_comes_from_the_route(make, ctx):
    case, boss = closed_with_feedback(make, ctx)
    assert [f["label"] for f in reporter_view(ctx, Reporter(case.id))["feedback"]] == [
        "Our feedback to you"]
    feedback = case_view(ctx, boss, case.reference).decisions[-1].fields
    assert [(f.label, f.reporter_label) for f in feedback] == [
        ("Feedback for the reporter", "Our feedback to you")]


def test_people_picked_from_the_directory_are_named_with_their_position(make, ctx):
    person = make.person("Dana Whitlock", position="Director of Finance")
    case = make.case("disclosure", category="policy_breach", implicated=[person, "Sam"])
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    people = case_view(ctx, handler, case.reference).implicated
    assert [(p["name"], p["position"]) for p in people] == [
        ("Dana Whitlock", "Director of Finance"), ("Sam", None)]


def test_nz_tells_the_discloser_why_no_further_action_is_taken(make, ctx, use_pack):
    """NZ Act s 13(1)(e): the NZ pack requires the reason in words for the discloser, and
    their page shows it (the staff reason stays with staff)."""
    import pytest

    from casework.services.errors import Invalid

    use_pack("nz-public-service")
    case = make.case(path=["acknowledge"])
    boss = make.staff(roles=("intake",), queues=(case.queue,))
    staff_reason = "Spoke to the CFO: the transfer was approved at the May board"
    with pytest.raises(Invalid) as refused:
        fire_transition(ctx, boss, case.reference, "no_further_action", case.version,
                        {"reason": staff_reason})
    assert refused.value.fields == {"reporter_reason": "required"}
    told = "The payment you saw was approved properly, so there is nothing to investigate."
    fire_transition(ctx, boss, case.reference, "no_further_action", case.version,
                    {"reason": staff_reason, "reporter_reason": told})
    view = reporter_view(ctx, Reporter(case.id))
    assert [(f["label"], f["text"]) for f in view["feedback"]] == [
        ("Why no further action is being taken", told)]
    assert staff_reason not in repr(view)
