"""The auditor's view of the trail: each filter narrows it, pages follow the sequence, an
auditor never meets the events of a case they are implicated in or recused from, only
auditors read it, every read is on the record, and the CSV cannot carry a formula."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from casework.models import AuditEvent
from casework.services import audit
from casework.services.assignments import recuse
from casework.services.audit_filters import TrailQuery, period_span
from casework.services.audit_views import export_trail, list_trail, verify_trail
from casework.services.errors import Forbidden, Invalid, NotFound
from casework.services.spreadsheet import safe_cell
from casework.services.views import case_view


@pytest.fixture
def auditor(make):
    """An auditor with no link to the directory (implicated nowhere)."""
    return make.staff(roles=("auditor",), queues=())


def trail(ctx, reader, **asked):
    """Every event the query finds (one large page)."""
    return list_trail(ctx, reader, TrailQuery(per_page=500, **asked)).items


def record(ctx, kind, actor="system", case_id=None, **details):
    return audit.record(ctx.session, audit.chain_key(ctx.runtime.keyring), kind, actor,
                        ctx.now, case_id=case_id, **details)


def last_event(ctx) -> AuditEvent:
    return ctx.session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalar()


def test_newest_first_with_references_not_row_ids(ctx, make, auditor):
    case = make.case(path=["acknowledge"])
    events = trail(ctx, auditor)
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs, reverse=True)
    lodged = next(e for e in events if e.kind == "case:report:lodge")
    assert lodged.case == case.reference and lodged.actor == "reporter"
    assert {e.case for e in events if e.kind.startswith("admin:")} == {None}


def test_the_case_filter_gives_that_case_only(ctx, make, auditor):
    one, other = make.case(path=["acknowledge"]), make.case()
    events = trail(ctx, auditor, case=one.reference)
    assert events and {e.case for e in events} == {one.reference}
    assert other.reference not in {e.case for e in trail(ctx, auditor, case=one.reference)}


def test_the_actor_filter(ctx, make, auditor):
    boss = make.staff(roles=("intake",), queues=("intake",))
    case_view(ctx, boss, make.case().reference)
    events = trail(ctx, auditor, actor=boss.label)
    assert events and {e.actor for e in events} == {boss.label}
    assert {e.actor for e in trail(ctx, auditor, actor="reporter")} == {"reporter"}
    assert trail(ctx, auditor, actor="system:demo") == []  # a qualified actor is a filter too


@pytest.mark.parametrize(("kind", "expected"), [
    ("case:report:lodge", {"case:report:lodge"}),
    ("case:", {"case:report:lodge", "case:routing:decide", "case:transition:fire"}),
    ("case", {"case:report:lodge", "case:routing:decide", "case:transition:fire"}),
    ("admin:", {"admin:user:create"}),
    ("auth:login", set()),
])
def test_the_kind_filter_is_exact_or_a_prefix(ctx, make, auditor, kind, expected):
    make.case(path=["acknowledge"])
    found = {e.kind for e in trail(ctx, auditor, kind=kind)}
    assert found == expected


def test_periods_and_dates_narrow_by_time(ctx, make, auditor, clock):
    start = clock.now
    early = make.case()  # 2 March 2026
    clock.now = start + timedelta(days=90)  # 31 May 2026
    late = make.case()
    cases = {"2026": {early, late}, "2026-Q1": {early}, "2026-H1": {early, late},
             "2026-03": {early}, "2026-05": {late}, "2026-04": set(), "2025": set(),
             "2026-q2": {late},
             "FY2026": {early}, "FY2027": {late}}  # financial years from April
    assert ctx.runtime.pack.fiscal_year_start_month == 4
    for period, expected in cases.items():
        found = {e.case for e in trail(ctx, auditor, period=period, kind="case:report:lodge")}
        assert found == {c.reference for c in expected}, period
    found = {e.case for e in trail(ctx, auditor, since=date(2026, 5, 31), until=date(2026, 5, 31),
                                   kind="case:report:lodge")}
    assert found == {late.reference}
    found = {e.case for e in trail(ctx, auditor, until=date(2026, 3, 2), kind="case:report:lodge")}
    assert found == {early.reference}


def test_a_month_and_the_fixed_periods():
    assert period_span("2026-05", 1) == (date(2026, 5, 1), date(2026, 6, 1))
    assert period_span("2026-12", 1) == (date(2026, 12, 1), date(2027, 1, 1))
    assert period_span("2026-Q3", 1) == (date(2026, 7, 1), date(2026, 10, 1))
    assert period_span("FY2026", 4) == (date(2025, 4, 1), date(2026, 4, 1))


@pytest.mark.parametrize(("asked", "field"), [
    ({"period": "2026-13"}, "period"), ({"period": "last week"}, "period"),
    ({"period": "2026-01-01..2026-02-01"}, "period"), ({"period": "0001-05"}, "period"),
    ({"kind": "case:nothing"}, "kind"), ({"kind": "drop table"}, "kind"),
    ({"actor": "user:abc"}, "actor"), ({"actor": "=1+1"}, "actor"),
    ({"since": date(2026, 5, 2), "until": date(2026, 5, 1)}, "to"),
    ({"since": date(1, 1, 1)}, "from"),
])
def test_a_bad_filter_is_refused_naming_it(ctx, auditor, asked, field):
    with pytest.raises(Invalid) as refused:
        list_trail(ctx, auditor, TrailQuery(**asked))
    assert field in refused.value.fields


def test_keyset_pages_cover_the_trail_once(ctx, make, auditor):
    for _ in range(3):
        make.case(path=["acknowledge"])
    start = last_event(ctx).seq + 1  # reads from here on are recorded after this point
    everything = [e.seq for e in trail(ctx, auditor, after=start)]
    seen, after = [], start
    while True:
        page = list_trail(ctx, auditor, TrailQuery(after=after, per_page=4))
        assert len(page.items) <= 4
        seen += [e.seq for e in page.items]
        if page.next is None:
            break
        assert page.next == page.items[-1].seq
        after = page.next
    assert seen == everything


def test_an_implicated_auditor_never_meets_that_case(ctx, make):
    person = make.person("Ann Auditor")
    auditor = make.staff(roles=("auditor",), queues=(), person_id=person)
    hidden, shown = make.case(implicated=[person]), make.case()
    assert hidden.reference not in {e.case for e in trail(ctx, auditor)}
    assert shown.reference in {e.case for e in trail(ctx, auditor)}
    with pytest.raises(NotFound) as implicated:
        list_trail(ctx, auditor, TrailQuery(case=hidden.reference))
    with pytest.raises(NotFound) as made_up:
        list_trail(ctx, auditor, TrailQuery(case="CW-NOSUCH00"))
    assert implicated.value.message == made_up.value.message
    assert hidden.reference not in export_trail(ctx, auditor, TrailQuery())


def test_a_recused_auditor_never_meets_that_case(ctx, make):
    both = make.staff(roles=("intake", "auditor"), queues=("intake",))
    case = make.case()
    assert case.reference in {e.case for e in trail(ctx, both)}
    recuse(ctx, both, case.reference, "my neighbour reported it")
    assert case.reference not in {e.case for e in trail(ctx, both)}
    with pytest.raises(NotFound):
        list_trail(ctx, both, TrailQuery(case=case.reference))


def test_details_naming_a_hidden_case_leave_it_out(ctx, make):
    person = make.person()
    auditor = make.staff(roles=("auditor",), queues=(), person_id=person)
    shown, hidden = make.case(), make.case(implicated=[person])
    record(ctx, audit.Kind.CHECKIN_ANSWER, "reporter", shown.id, detriment=True,
           follow_up=hidden.id)
    record(ctx, audit.Kind.CHECKIN_ANSWER, "reporter", shown.id, detriment=True,
           follow_up=shown.id)
    answers = trail(ctx, auditor, kind="case:checkin:answer")
    assert [e.details for e in answers] == [
        {"detriment": True, "follow_up": shown.reference}, {"detriment": True}]


def test_events_of_a_purged_case_are_not_listed(ctx, make, auditor, clock):
    case = make.case()
    case.purged_at = clock.now
    ctx.session.flush()
    assert case.reference not in {e.case for e in trail(ctx, auditor)}


@pytest.mark.parametrize("roles", [("intake",), ("admin",), ("hr_analyst",),
                                   ("intake", "investigator", "decision_maker")])
def test_only_auditors_read_the_trail(ctx, make, roles):
    someone = make.staff(roles=roles, queues=("intake",))
    for read in (list_trail, export_trail):
        with pytest.raises(Forbidden):
            read(ctx, someone, TrailQuery())
    with pytest.raises(Forbidden):
        verify_trail(ctx, someone)


def test_the_read_is_on_the_record_with_its_filters(ctx, make, auditor):
    case = make.case()
    page = list_trail(ctx, auditor, TrailQuery(case=case.reference, kind="case:",
                                               period="2026", per_page=10))
    event = last_event(ctx)
    assert event.kind == "audit:events:read" and event.actor == auditor.label
    assert event.case_id == case.id
    assert event.details == {"shown": len(page.items),
                             "filters": {"kind": "case:", "period": "2026"}}
    assert event.kind in audit.KEPT  # a read stays on the record if the request fails later
    export_trail(ctx, auditor, TrailQuery(actor="reporter"))
    event = last_event(ctx)
    assert event.kind == "audit:events:export" and event.details["filters"] == {
        "actor": "reporter"}


def test_a_refused_read_reads_nothing_and_records_nothing(ctx, auditor):
    before = ctx.session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(Invalid):
        list_trail(ctx, auditor, TrailQuery(period="soon"))
    assert ctx.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_csv_quotes_anything_a_spreadsheet_would_run(ctx, make, auditor):
    make.case()
    record(ctx, audit.Kind.LOGIN_FAIL, "=HYPERLINK(\"http://x\")", reason="+1")
    rows = list(csv.reader(io.StringIO(export_trail(ctx, auditor, TrailQuery()))))
    assert rows[0] == ["seq", "at", "kind", "actor", "case", "details"]
    attack = next(r for r in rows[1:] if r[2] == "auth:login:fail")
    assert attack[3] == "'=HYPERLINK(\"http://x\")"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert rows[1][1].endswith("+00:00")  # UTC


@pytest.mark.parametrize(("value", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\r=x", "'\r=x"), ("user:1", "user:1"), (None, ""), (12, "12"),
])
def test_safe_cell(value, safe):
    assert safe_cell(value) == safe


def test_verify_is_on_the_record(ctx, make, auditor):
    make.case()
    result = verify_trail(ctx, auditor)
    assert result.ok
    event = last_event(ctx)
    assert event.kind == "audit:verify" and event.details == {"ok": True,
                                                              "events": result.events}
