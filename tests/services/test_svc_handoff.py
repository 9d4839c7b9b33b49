"""No case left where nobody can see it: the fallback chain, the owner told, the hand-over to
an outside recipient recorded, the operator's case file, and a property over any sequence of
changes to who may see a case."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from casework.models import CaseEvent, Notification, User
from casework.services.access import Reporter, seers_of
from casework.services.accounts import change_access, deactivate
from casework.services.assignments import add_implicated, assign, recuse
from casework.services.casefile import export_for_hand_over
from casework.services.content import add_note, post_message
from casework.services.errors import Conflict, NotFound
from casework.services.evidence import accept_evidence
from casework.services.handoff import unseen_cases
from casework.services.reporter_page import reporter_view
from casework.services.reports import ImplicatedInput
from casework.services.views import case_view


def events(ctx, case, kind: str) -> list[CaseEvent]:
    return list(ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == kind)).scalars())


@pytest.fixture
def monitoring(make):
    """The Monitoring Officer in the directory, with an account on their queue."""
    person = make.person("Morgan Monitor", roles=("monitoring_officer",))
    user = make.user(roles=("intake",), queues=("monitoring_officer",), person_id=person)
    return make.actor(user)


def test_the_only_member_recusing_sends_the_case_to_the_fallback_and_tells_its_owner(
        make, ctx, monitoring):
    case = make.lodge("disclosure", category="policy_breach").case
    only = make.staff(roles=("intake",), queues=("intake",))
    recuse(ctx, only, case.reference, "my sister works there")
    assert case.queue == "monitoring_officer"  # uk-council: intake falls back to the MO
    moved = events(ctx, case, "queue_fallback")
    assert [e.facts["to"] for e in moved] == ["monitoring_officer"]
    told = ctx.session.execute(select(Notification.user_id).where(
        Notification.case_id == case.id, Notification.kind == "case_fallback")).scalars().all()
    assert told == [monitoring.user_id]
    assert [s.user_id for s in seers_of(ctx, case)] == [monitoring.user_id]
    assert unseen_cases(ctx) == []
    view = case_view(ctx, monitoring, case.reference)  # the new queue's handler reads why
    assert view.routing_reasons[-1] == (
        "moved to Monitoring Officer because: everyone able to handle it has declared a "
        "conflict (next in line after Senior officer for internal disclosure in the policy)")
    assert [item["label"] for item in view.timeline][-2:] == [
        "Declared a conflict of interest and stepped aside",
        "Moved from Senior officer for internal disclosure to Monitoring Officer, because "
        "everyone able to handle it has declared a conflict"]


def test_a_queue_with_someone_left_keeps_its_case(make, ctx, monitoring):
    case = make.lodge("disclosure", category="policy_breach").case
    first = make.staff(roles=("intake",), queues=("intake",))
    make.staff(roles=("intake",), queues=("intake",))
    recuse(ctx, first, case.reference, "a conflict")
    assert case.queue == "intake" and events(ctx, case, "queue_fallback") == []


def test_deactivating_the_last_handler_moves_their_cases(make, ctx, monitoring):
    admin = make.staff(roles=("admin",), queues=())
    case = make.lodge("disclosure", category="policy_breach").case
    leaving = make.user(roles=("intake",), queues=("intake",))
    deactivate(ctx, admin, leaving.id)
    assert case.queue == "monitoring_officer"
    other = make.lodge("disclosure", category="policy_breach").case
    moving = make.user(roles=("intake",), queues=("intake",))
    change_access(ctx, admin, moving.id, roles=("intake",), queues=("hr",))
    assert other.queue == "monitoring_officer"


def test_both_the_chief_executive_and_the_monitoring_officer_implicated_goes_outside(
        make, ctx, monitoring):
    chief = make.person("Chris Chief", roles=("chief_executive",))
    mo = ctx.session.get(User, monitoring.user_id).person_id
    lodged = make.lodge("disclosure", category="policy_breach", implicated=[chief, mo],
                        anonymous=False)
    case = lodged.case
    assert case.queue == "external"
    with pytest.raises(Conflict, match="contact the council's external auditor directly"):
        post_message(ctx, Reporter(case.id), None, "I have more to tell")  # nobody would read it
    with pytest.raises(Conflict):
        accept_evidence(ctx, Reporter(case.id), None, "more.txt", b"more")
    mine = reporter_view(ctx, Reporter(case.id))
    assert mine["handed_to"] == "the council's external auditor"
    assert "passed to the council's external auditor" in mine["stage"]
    assert mine["next_expected_on"] is None
    assert mine["timeline"][-1]["label"] == (
        "Your report was passed to the council's external auditor.")
    assert {c.status for c in case.clocks} == {"stopped"}  # the organisation's deadlines end
    referral = events(ctx, case, "external_referral")
    assert len(referral) == 1
    assert referral[0].facts["recipient"] == "the council's external auditor"
    waiting = unseen_cases(ctx)
    assert [(u.reference, u.exported) for u in waiting] == [(lodged.reference, False)]
    assert waiting[0].needs_action
    made = export_for_hand_over(ctx, lodged.reference)
    files = zipfile.ZipFile(io.BytesIO(made.data))
    record = json.loads(files.read("case.json"))
    assert record["for"] == "the council's external auditor"
    assert record["report"]["summary"] == "A summary"
    assert record["routing_reasons"] and record["messages"] == []
    assert "Rep Orter" not in files.read("case.json").decode()  # never the reporter's identity
    assert not unseen_cases(ctx)[0].needs_action
    assert events(ctx, case, "case_exported")[0].facts["sha256"] == made.sha256


def test_only_a_handed_over_case_can_be_exported(make, ctx):
    case = make.lodge("disclosure", category="policy_breach").case
    with pytest.raises(NotFound):
        export_for_hand_over(ctx, case.reference)


def test_a_new_implicated_person_with_nobody_left_moves_the_case_on(make, ctx, monitoring):
    suspect = make.person("Sam Suspect")
    case = make.lodge("disclosure", category="policy_breach").case
    handler = make.staff(roles=("intake",), queues=("intake",), person_id=suspect)
    other = make.staff(roles=("intake",), queues=("intake",))
    add_note(ctx, other, case.reference, "first look")
    add_implicated(ctx, other, case.reference, [ImplicatedInput(person_id=suspect)])
    assert case.queue == "intake"  # `other` still sees it
    recuse(ctx, other, case.reference, "now I have a conflict too")
    assert case.queue == "monitoring_officer" and handler


# --- the property: no sequence of changes leaves an open case unseen -----------------------

STEP = st.sampled_from(["recuse", "deactivate", "implicate", "assign", "move_member"])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(STEP, st.integers(0, 2)), min_size=1, max_size=8))
def test_no_sequence_of_changes_leaves_an_open_case_unseen(make, ctx, steps):
    savepoint = ctx.session.begin_nested()
    try:
        _run(make, ctx, steps)
    finally:
        savepoint.rollback()
        ctx.cache.clear()


def _run(make, ctx, steps) -> None:
    admin = make.staff(roles=("admin",), queues=())
    people = [make.person(f"Staff {i}") for i in range(3)]
    users = [make.user(roles=("intake", "investigator"), queues=("intake",), person_id=p)
             for p in people]
    make.staff(roles=("intake",), queues=("monitoring_officer",))
    case = make.lodge("disclosure", category="policy_breach").case
    for step, i in steps:
        user = users[i]
        actor = make.actor(user)
        try:
            if step == "recuse":
                recuse(ctx, actor, case.reference, "a conflict")
            elif step == "deactivate":
                deactivate(ctx, admin, user.id)
            elif step == "implicate":
                keeper = next((make.actor(u) for u in users if u.active), None) or \
                    make.staff(roles=("intake",), queues=(case.queue,))
                add_implicated(ctx, keeper, case.reference,
                               [ImplicatedInput(person_id=people[i])])
            elif step == "assign":
                boss = make.staff(roles=("intake",), queues=(case.queue,))
                assign(ctx, boss, case.reference, user.id, "investigator")
            else:
                change_access(ctx, admin, user.id, roles=("intake",), queues=("hr",))
        except Exception as exc:  # a refused step (already recused, closed account …)
            assert type(exc).__name__ in {"NotFound", "Conflict", "Forbidden", "Invalid"}, exc
        ctx.cache.clear()
        assert case.queue == "external" or seers_of(ctx, case, first=True), (steps, case.queue)


def test_a_move_made_in_a_french_moment_keeps_its_reason_in_english(make, ctx, monitoring,
                                                                     use_pack):
    """The reasons are kept with the case: the pack's words in them stay English (a staff
    member working in French must not leave French in the record)."""
    from casework import i18n

    use_pack("canada-federal")
    case = make.lodge("disclosure", category="danger").case
    only = make.staff(roles=("intake",), queues=("intake",))
    with i18n.language("fr"):
        recuse(ctx, only, case.reference, "my sister works there")
    assert case.queue == "monitoring_officer"
    reasons = ctx.vault(case).open_json("routing", case.id, case.routing_ct)["reasons"]
    assert reasons[-1] == (
        "moved to Senior Official for Values and Ethics because: everyone able to handle it "
        "has declared a conflict (next in line after Senior officer for internal disclosure "
        "in the policy)")
