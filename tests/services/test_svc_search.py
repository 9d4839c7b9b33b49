"""Search: words of a case's own text through a keyed blind index (no word in the database),
metadata filters, titles, saved filters and the repeat-respondent notice, always through the
access policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from casework.models import AuditEvent, Case, CaseWord
from casework.services import search
from casework.services.assignments import assign
from casework.services.audit import Kind
from casework.services.errors import Forbidden, Invalid, NotFound
from casework.services.records import confirm_record
from casework.services.search import also_named, normalise, rebuild, set_title
from casework.services.worklists import CaseQuery, find_cases


def refs(ctx, actor, **query) -> list[str]:
    return [row["reference"] for row in find_cases(ctx, actor, CaseQuery(**query)).items]


@pytest.fixture
def handler(make):
    return make.staff(roles=("intake",), queues=("intake",))


def test_words_are_lowercased_folded_and_stop_words_dropped():
    assert normalise("The Café's RÉSUMÉ, and a naïve ré-sumé of the Depot_7!") == [
        "cafe", "s", "resume", "naive", "re", "sume", "depot", "7"]
    assert normalise("") == [] and normalise(None) == []


def test_a_word_of_the_details_finds_its_case_and_all_words_must_match(ctx, make, handler):
    forklift = make.case(summary="Unsafe loading", details="The forklift at the depot is broken")
    make.case(summary="Invoices", details="Someone altered invoices at the depot")
    assert refs(ctx, handler, words="FORKLIFT") == [forklift.reference]
    assert refs(ctx, handler, words="depot forklift") == [forklift.reference]
    assert sorted(refs(ctx, handler, words="depot")) == sorted(
        c.reference for c in ctx.session.scalars(select(Case)))
    assert refs(ctx, handler, words="depot bicycle") == []
    assert refs(ctx, handler, words="fork") == []  # exact words only


def test_the_database_holds_tokens_never_the_words(ctx, make, handler):
    case = make.case(summary="Quartermaster", details="zanzibarite contamination")
    rows = ctx.session.execute(select(CaseWord.token).where(
        CaseWord.case_id == case.id)).scalars().all()
    assert len(rows) == 3 and all(len(t) == 32 for t in rows)
    assert search.token(ctx.runtime.keyring, "zanzibarite") in rows
    dump = " ".join(str(v) for v in ctx.session.execute(text("SELECT * FROM case_words")).all())
    assert "zanzibarite" not in dump.lower() and "quartermaster" not in dump.lower()


def test_search_never_shows_a_case_to_someone_implicated_in_it(ctx, make):
    person = make.person("Pat Implicated")
    make.case(details="kickbacks from the supplier", implicated=[person])
    implicated = make.staff(roles=("intake",), queues=("intake",), person_id=person)
    other_queue = make.staff(roles=("intake",), queues=("hr",))
    assert refs(ctx, implicated, words="kickbacks") == []
    assert refs(ctx, other_queue, words="kickbacks") == []
    assert refs(ctx, implicated, implicated=person) == []


def test_filters_by_person_implicated_dates_and_assignee(ctx, make, handler):
    person = make.person("Robin Respondent")
    named = make.case(implicated=[person])
    claimed = make.case(reporter_person=person)  # the claimed reporter is not "implicated"
    make.case()
    assert refs(ctx, handler, implicated=person) == [named.reference]
    assert claimed.reference not in refs(ctx, handler, implicated=person)
    investigator = make.user(roles=("investigator",), queues=())
    assign(ctx, handler, named.reference, investigator.id)
    assert refs(ctx, handler, assigned_to=investigator.id) == [named.reference]
    today = ctx.today
    assert len(refs(ctx, handler, lodged_from=today, lodged_to=today)) == 3
    assert refs(ctx, handler, lodged_from=today + timedelta(days=1)) == []
    assert refs(ctx, handler, lodged_to=today - timedelta(days=1)) == []


def test_a_word_search_is_audited_without_the_words(ctx, make, handler):
    make.case(details="asbestos in the roof")
    refs(ctx, handler, words="asbestos roof")
    event = ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == str(Kind.CASE_SEARCH))).scalar_one()
    assert "asbestos" not in str(event.details) and event.details["words"] == 2
    with pytest.raises(Invalid) as refused:
        refs(ctx, handler, words=" ".join(f"w{n}" for n in range(search.MAX_TERMS + 1)))
    assert "q" in refused.value.fields


def test_a_title_is_sealed_shown_in_lists_searchable_and_audited(ctx, make, handler):
    case = make.case()
    done = set_title(ctx, handler, case.reference, "  Depot   overtime claims ", case.version)
    assert done.title == "Depot overtime claims" and done.version == case.version
    row = find_cases(ctx, handler, CaseQuery()).items[0]
    assert row["title"] == "Depot overtime claims"
    raw = ctx.session.execute(select(Case.title_ct).where(Case.id == case.id)).scalar_one()
    assert b"overtime" not in raw
    assert refs(ctx, handler, words="overtime") == [case.reference]
    set_title(ctx, handler, case.reference, "")
    assert refs(ctx, handler, words="overtime") == []
    assert ctx.session.scalar(select(func.count()).where(
        AuditEvent.kind == str(Kind.CASE_TITLE))) == 2
    with pytest.raises(Invalid):
        set_title(ctx, handler, case.reference, "x" * (search.MAX_TITLE + 1))


def test_only_handlers_give_a_title(ctx, make):
    case = make.case()
    investigator = make.staff(roles=("investigator",), queues=("intake",))
    with pytest.raises(Forbidden):
        set_title(ctx, investigator, case.reference, "A title")
    with pytest.raises(NotFound):
        set_title(ctx, make.staff(roles=("intake",), queues=("hr",)), case.reference, "A")


def test_a_reporters_correction_is_indexed(ctx, make, handler):
    from casework.services.access import Reporter
    recorder = make.user()
    case = make.lodge(details="as told on the phone", recorded_by=recorder.id).case
    confirm_record(ctx, Reporter(case.id), "It was the warehouse, not the office")
    assert refs(ctx, handler, words="warehouse") == [case.reference]


def test_rebuild_writes_the_same_index_again(ctx, make, handler):
    case = make.case(details="mislabelled chemicals")
    set_title(ctx, handler, case.reference, "Storage")
    before = set(ctx.session.execute(select(CaseWord.token, CaseWord.case_id)).all())
    ctx.session.execute(CaseWord.__table__.delete())
    assert refs(ctx, handler, words="chemicals") == []
    assert rebuild(ctx) == 1
    assert set(ctx.session.execute(select(CaseWord.token, CaseWord.case_id)).all()) == before


def test_also_named_counts_only_cases_the_handler_can_open(ctx, make, handler):
    person = make.person("Sam Repeat")
    this = make.case(implicated=[person])
    seen = make.case(implicated=[person])
    hidden = make.case(implicated=[person])
    hidden.queue = "hr"  # out of this handler's sight
    ctx.session.flush()
    make.case()
    found = also_named(ctx, handler, this.reference)
    assert [(f.name, f.count, f.references) for f in found] == [
        ("Sam Repeat", 1, (seen.reference,))]
    assert also_named(ctx, handler, make.case().reference) == []


def test_retention_destroys_a_cases_words_and_title(ctx, make, clock):
    from casework.services.retention import purge
    from tests.confidentiality.test_conf_retention import full_case
    old, boss = full_case(make, ctx)
    set_title(ctx, boss, old.reference, "Depot")
    assert ctx.session.scalar(select(func.count()).where(CaseWord.case_id == old.case.id))
    clock.now += timedelta(days=ctx.runtime.pack.retention_days + 1)
    assert purge(ctx) == [old.case.id]
    ctx.session.expire_all()
    assert ctx.session.scalar(select(func.count()).where(CaseWord.case_id == old.case.id)) == 0
    assert ctx.session.get(Case, old.case.id).title_ct is None
    assert rebuild(ctx) == 0  # a purged case is not indexed again


@pytest.mark.parametrize("gather", [True, False])
def test_common_and_rare_words_find_the_same_cases(ctx, make, handler, monkeypatch, gather):
    """Whichever way the page is found (gathered from a word's rows or walked), the answer is
    the same."""
    monkeypatch.setattr(search.WordSearch, "gathers", lambda self, need: gather)
    both = make.case(details="ladder scaffold").reference
    make.case(details="ladder only")
    make.case(details="scaffold only")
    assert refs(ctx, handler, words="scaffold ladder") == [both]
    assert len(refs(ctx, handler, words="ladder")) == 2
    assert refs(ctx, handler, words="ladder nothing") == []
