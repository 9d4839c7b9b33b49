"""Links through the service: related cases shown on both, a duplicate merged into the case it
repeats (its reporter keeps receipt and conversation and is told), and a link never showing a
case to someone who cannot see it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.models import AuditEvent, CaseEvent, CaseLink, CheckIn, Notification
from casework.services.access import Reporter
from casework.services.auth import reporter_sign_in
from casework.services.content import list_messages, post_message
from casework.services.errors import Conflict, Forbidden, Invalid, NotFound
from casework.services.links import link_cases, links_of
from casework.services.reporter_page import reporter_view
from casework.services.transitions import fire_transition


@pytest.fixture
def handler(make):
    """A handler of intake and of HR, who sees cases in both."""
    return make.staff(roles=("intake", "investigator"), queues=("intake", "hr"))


def named(make, route="disclosure", category="policy_breach"):
    """A report from a named reporter who asked to be told of updates."""
    return make.lodge(route, category=category, anonymous=False, notify_by_email=True)


def kinds(ctx, case):
    return [e.kind for e in ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).scalars()]


def test_related_cases_show_each_other_to_those_who_see_both(ctx, make, handler):
    first, second = make.lodge("disclosure").case, make.lodge("harassment").case
    link = link_cases(ctx, handler, first.reference, second.reference, "related")
    assert (link.case_id, link.other_case_id, link.kind) == (first.id, second.id, "related")
    (shown,) = links_of(ctx, handler, first)
    assert (shown.reference, shown.kind, shown.direction) == (second.reference, "related",
                                                              "related")
    assert links_of(ctx, handler, second)[0].reference == first.reference
    assert "linked" in kinds(ctx, first) and "linked" in kinds(ctx, second)
    intake_only = make.staff(roles=("intake",), queues=("intake",))
    assert links_of(ctx, intake_only, first) == []  # the harassment case is out of sight
    assert first.is_open and second.is_open


def test_a_duplicate_is_merged_and_both_reporters_keep_their_conversations(ctx, make,
                                                                           handler):
    dup, kept = named(make), named(make)
    post_message(ctx, Reporter(dup.case.id), None, "It happened again on Friday.")
    link_cases(ctx, handler, dup.reference, kept.reference, "duplicate")
    assert (dup.case.state, dup.case.outcome) == ("closed", "merged")
    assert {c.status for c in dup.case.clocks} == {"stopped"}
    assert kept.case.is_open and kept.case.outcome is None
    (into,) = links_of(ctx, handler, dup.case)
    (came,) = links_of(ctx, handler, kept.case)
    assert (into.reference, into.direction) == (kept.reference, "merged_into")
    assert (came.reference, came.direction, came.other_open) == (dup.reference,
                                                                 "merged_from", False)
    assert kinds(ctx, kept.case)[-1] == "merged_in"
    told = ctx.session.execute(select(Notification.case_id).where(
        Notification.kind == "reporter_update")).scalars().all()
    assert told == [dup.case.id]
    assert ctx.session.execute(select(CheckIn).where(CheckIn.case_id == dup.case.id)
                               ).first() is None  # the matter goes on in the other case
    for lodged in (dup, kept):  # both reporters still sign in and read their conversation
        reporter = reporter_sign_in(ctx, lodged.reference, lodged.receipt)
        assert reporter == Reporter(lodged.case.id)
        post_message(ctx, reporter, None, "Any news?")
    merged = reporter_view(ctx, Reporter(dup.case.id))
    assert (merged["state"], merged["outcome"]) == ("closed", "merged")
    assert merged["outcome_words"] == "joined to another report about the same matter"
    assert [m.body for m in list_messages(ctx, Reporter(dup.case.id), None)] == [
        "It happened again on Friday.", "Any news?"]


def test_the_audit_names_ids_and_the_events_no_reference(ctx, make, handler):
    dup, kept = make.lodge().case, make.lodge().case
    link_cases(ctx, handler, dup.reference, kept.reference, "duplicate")
    audits = ctx.session.execute(select(AuditEvent.case_id, AuditEvent.details).where(
        AuditEvent.kind == "case:link:add").order_by(AuditEvent.seq)).all()
    assert [tuple(a) for a in audits] == [
        (dup.id, {"other_case": kept.id, "kind": "duplicate", "side": "from"}),
        (kept.id, {"other_case": dup.id, "kind": "duplicate", "side": "to"})]
    facts = ctx.session.execute(select(CaseEvent.facts).where(
        CaseEvent.case_id.in_([dup.id, kept.id]))).scalars().all()
    assert not any(c.reference in str(f) for f in facts for c in (dup, kept))


def test_a_case_out_of_sight_is_not_found(ctx, make, handler):
    """Implicated, or in a queue the handler does not work: exactly as if it did not exist."""
    me = make.person("Handler Person")
    mine = make.staff(roles=("intake",), queues=("intake",), person_id=me)
    case, hidden = make.lodge().case, make.lodge(implicated=[me]).case
    audit = make.lodge("disclosure", category="fraud").case  # Internal Audit's
    for other in (hidden, audit):
        with pytest.raises(NotFound):
            link_cases(ctx, mine, case.reference, other.reference, "duplicate")
    with pytest.raises(NotFound):
        link_cases(ctx, mine, case.reference, "CW-NOSUCH22", "related")
    assert case.is_open and ctx.session.execute(select(CaseLink)).first() is None


def test_merging_into_a_closed_case_is_a_conflict(ctx, make, handler):
    closed = make.case(path=["acknowledge", "no_further_action"])
    case = make.lodge().case
    with pytest.raises(Conflict, match="closed"):
        link_cases(ctx, handler, case.reference, closed.reference, "duplicate")
    with pytest.raises(Conflict, match="This case is closed"):
        link_cases(ctx, handler, closed.reference, case.reference, "duplicate")
    link_cases(ctx, handler, case.reference, closed.reference, "related")  # still related


def test_cases_are_linked_once(ctx, make, handler):
    first, second = make.lodge().case, make.lodge().case
    link_cases(ctx, handler, first.reference, second.reference, "related")
    for a, b in ((first, second), (second, first)):
        with pytest.raises(Conflict, match="linked already"):
            link_cases(ctx, handler, a.reference, b.reference, "duplicate")
    assert first.is_open and second.is_open


@pytest.mark.parametrize(("other", "kind", "field"), [
    ("self", "related", "reference"), ("other", "sibling", "kind")])
def test_bad_links_are_invalid(ctx, make, handler, other, kind, field):
    case, second = make.lodge().case, make.lodge().case
    target = case.reference if other == "self" else second.reference
    with pytest.raises(Invalid) as refused:
        link_cases(ctx, handler, case.reference, target, kind)
    assert field in refused.value.fields


def test_only_handlers_link_and_merge_is_no_step_of_its_own(ctx, make, handler):
    case, second = make.lodge().case, make.lodge().case
    investigator = make.staff(roles=("investigator",), queues=("intake",))
    with pytest.raises(Forbidden):
        link_cases(ctx, investigator, case.reference, second.reference, "related")
    with pytest.raises(Forbidden, match="link the case"):
        fire_transition(ctx, handler, case.reference, "merge", case.version, {})
    assert case.is_open
