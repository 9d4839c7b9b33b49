"""Annual reports: every shape a pack may name, filled only from published, audited tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select

from casework.models import AuditEvent, StatsRelease
from casework.services.annual import (
    NON_SEXUAL,
    SEXUAL,
    annual_report,
    every_row,
    fill,
    report_csv,
)
from casework.services.annual_shapes import SHAPES
from casework.services.clocks import record_milestone
from casework.services.context import Context
from casework.services.errors import Forbidden, Invalid
from casework.services.stats import StatsRequest, check_request
from casework.services.stats_sql import domains
from casework.stats.tables import row_keys
from casework.workflow.policy import ANNUAL_REPORTS, load_pack
from tests.factories import Factories


@pytest.fixture
def analyst(make):
    return make.staff(roles=("hr_analyst",), queues=())


@pytest.fixture
def year_2026(make, clock):
    """Twelve fraud disclosures, nine sexual harassment complaints and two others in 2026;
    it is now February 2027."""
    for _ in range(12):
        make.case("disclosure", category="fraud")
    for _ in range(9):
        make.case("harassment", category="sexual_harassment")
    for _ in range(2):
        make.case("harassment", category="bullying")
    clock.now = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def counts(reports):
    return [(line.count, line.suppressed, line.withheld)
            for report in reports for section in report.sections for line in section.lines]


def test_every_shape_the_packs_may_name_is_defined_within_the_release_rules(ctx, clock):
    clock.now = datetime(2027, 2, 1, tzinfo=UTC)
    assert set(SHAPES) == ANNUAL_REPORTS
    for shape in SHAPES.values():
        assert shape.title and shape.citation and shape.sections
        for section in shape.sections:
            check_request(ctx, StatsRequest(by=section.by, period="2026"))  # no Invalid
            assert section.route in (None, *ctx.runtime.routes)
            assert not section.route or "route" in section.by
            assert len(section.values) == 0 or len(section.by) - bool(section.route) == 1


def test_the_pack_chooses_the_reports_every_count_is_protected_and_exported(ctx, analyst, year_2026,
                                                                    session, no_noise):
    reports = annual_report(ctx, analyst, "2026")
    assert [r.key for r in reports] == list(ctx.runtime.pack.annual_reports)
    assert [r.key for r in reports] == ["monitoring-officer", "eu-directive-art27"]
    for count, suppressed, withheld in counts(reports):
        assert suppressed or withheld or count % 5 == 0
        assert count is None or not 0 < count < 8
    received = reports[0].sections[0]
    assert {line.values: line.shown for line in received.lines} == {
        ("disclosure",): "10", ("harassment",): "10", (None,): "25"}
    tables = {s.table for r in reports for s in r.sections}
    stored = session.scalar(select(func.count()).select_from(StatsRelease))
    audited = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.kind == "stats:export"))
    assert stored == audited == len(tables)  # one release, and one audit entry, per table
    lines = report_csv(reports).splitlines()
    assert lines[0].startswith("report,citation,period,section,group,row,count")
    assert len(lines) == 1 + sum(len(s.lines) for r in reports for s in r.sections) + 2
    assert "Counts from 1 to 7 are not shown; other counts are moved by up to 10" in lines[-1]
    assert "rounded to a multiple of 5" in lines[-1]


@pytest.fixture
def published(ctx):
    """A stand-in for release(): every possible cell 10, impossible ones (fraud as harassment)
    0, harassment/bullying suppressed, the anonymous rows withheld, and a median of 40 days to
    close wherever there are measures."""
    every = {**domains(ctx), "outcome": ["open", "withdrawn", "substantiated"]}
    pack = ctx.runtime.pack

    def count(values):
        category, route = values.get("category"), values.get("route")
        if category and route and route not in pack.categories[category].routes:
            return 0
        return None if (category, route) == ("bullying", "harassment") else 10

    def table(by):
        rows, measures = [], []
        for key in row_keys(by, every):
            values = dict(zip(by, key, strict=True))
            if values.get("anonymous") != "anonymous":
                rows.append({**values, "count": count(values),
                             "suppressed": count(values) is None})
            if all(v is not None for v in key) or all(v is None for v in key):
                measures.append({**values, "days_to_acknowledge": None, "clocks_met_share": 80,
                                 "days_to_close": {"p25": 20, "p50": 40, "p75": 60, "p90": 90}})
        return {"period": "2026", "by": list(by), "threshold": 8, "rounding": 5, "rows": rows,
                "measures": measures}

    return table


@pytest.mark.parametrize("key", sorted(SHAPES))
def test_every_shape_fills_in_from_its_tables(ctx, published, key):
    report = fill(ctx, SHAPES[key], published)
    assert len(report.sections) == len(SHAPES[key].sections)
    assert (report.period, report.threshold, report.rounding) == ("2026", 8, 5)
    for shape_section, section in zip(SHAPES[key].sections, report.sections, strict=True):
        assert section.heading == shape_section.heading
        assert section.lines, section.heading
        assert not shape_section.route or "Route" not in section.columns
        for line in section.lines:
            assert line.shown in ("0", "10", "not shown", "withheld")


def test_sexual_harassment_is_set_apart_and_nothing_is_added_up(ctx, published):
    kinds = fill(ctx, SHAPES["canada-harassment"], published).sections[1]
    assert [(line.values, line.group, line.shown) for line in kinds.lines] == [
        (("sexual_harassment",), SEXUAL, "10"),
        (("bullying",), NON_SEXUAL, "not shown"),
        (("victimisation",), NON_SEXUAL, "10"),
        (("other_harassment",), NON_SEXUAL, "10"),
        ((None,), None, "10")]  # fraud cannot be raised as harassment: its 0 is left out


def test_time_taken_is_the_median_and_says_so(ctx, published):
    time = fill(ctx, SHAPES["canada-harassment"], published).sections[3]
    assert "median" in time.note and "not the average" in time.note
    assert [line.measures for line in time.lines] == [{"days_to_close": 40}]


def test_a_withheld_row_stays_in_the_report_as_withheld(ctx, published):
    raised = fill(ctx, SHAPES["monitoring-officer"], published).sections[2]
    shown = {line.values: line.shown for line in raised.lines}
    assert shown[("anonymous", "disclosure")] == "withheld"
    assert shown[("named", "disclosure")] == "10"


@pytest.mark.parametrize("period", ["2026-H1", "2026-Q4", "2027", "FY2027",
                                    "2026-01-01..2026-12-31", ""])
def test_only_a_finished_whole_year_is_reported(ctx, analyst, year_2026, period):
    with pytest.raises(Invalid) as refused:
        annual_report(ctx, analyst, period)
    assert set(refused.value.fields) == {"period"}


def test_only_hr_analysts_get_annual_reports(ctx, make, year_2026):
    with pytest.raises(Forbidden):
        annual_report(ctx, make.staff(roles=("intake", "investigator")), "2026")


def test_a_row_the_audit_withheld_is_put_back_as_withheld(ctx):
    body = {"by": ["anonymous"], "rows": [
        {"anonymous": "named", "count": 10, "suppressed": False},
        {"anonymous": None, "count": 15, "suppressed": False}]}
    assert every_row(ctx, body) == [
        {"anonymous": "anonymous", "count": None, "suppressed": False, "withheld": True},
        {"anonymous": "named", "count": 10, "suppressed": False, "withheld": False},
        {"anonymous": None, "count": 15, "suppressed": False, "withheld": False}]


def test_victoria_counts_the_disclosures_notified_to_ibac_not_every_referral(
        session, runtime, clock, monkeypatch):
    """s 68(1): "notified to the IBAC" is the cases with the milestone (counted_as notified),
    not the referrals to other bodies. Which cases are counted is under test here, not the cell
    key: its perturbation (random record keys: 10 shown as 15 about one run in forty) is held
    at 0."""
    monkeypatch.setattr("casework.stats.disclosure.perturbation", lambda key, noise: 0)
    ctx = Context(session, replace(runtime, pack=load_pack("vic-public-sector",
                                                           runtime.routes)))
    make = Factories(ctx)
    boss = make.staff(roles=("intake",), queues=("intake",))
    for _ in range(10):
        case = make.case(path=["acknowledge"])
        record_milestone(ctx, boss, case.reference, "notified_ibac", case.version)
    for _ in range(10):
        make.case(path=["acknowledge", "refer"])
    clock.now = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)  # received in March: FY2026 is over
    analyst = make.staff(roles=("hr_analyst",), queues=())
    [report] = [r for r in annual_report(ctx, analyst, "FY2026") if r.key == "vic-pid-s68"]
    section = next(s for s in report.sections if "notified to the IBAC" in s.heading)
    assert [(line.values, line.shown) for line in section.lines] == [(("notified",), "10")]


def stored_bodies(session):
    return {(row.period, row.dimensions): row.body
            for row in session.execute(select(StatsRelease)).scalars()}


@pytest.fixture
def varied_2026(make, clock):
    """A year of both routes, several kinds, named and anonymous, some acknowledged."""
    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for n in range(14):
        make.case("disclosure", category="fraud", anonymous=n % 3 != 0,
                  path=("acknowledge",) if n % 2 else ())
    for n in range(11):
        make.case("harassment", category="sexual_harassment", anonymous=n % 4 == 0,
                  path=("acknowledge",) if n % 3 else ())
    for _ in range(3):
        make.case("harassment", category="bullying")
    clock.now = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def test_a_first_showing_publishes_every_table_in_one_audit_as_one_at_a_time_would(
        ctx, analyst, varied_2026, session, monkeypatch):
    from casework.services import stats
    from casework.stats import audit
    calls = {"secure": 0, "together": []}
    real_secure, real_together = stats.secure, stats.safe_together

    def secure(*args, **kwargs):
        calls["secure"] += 1
        return real_secure(*args, **kwargs)

    def together(news, *args, **kwargs):
        calls["together"].append(len(news))
        return real_together(news, *args, **kwargs)

    # One table at a time, as before, for comparison; then forgotten.
    monkeypatch.setattr(stats, "secure", secure)
    monkeypatch.setattr(audit, "secure", secure)
    monkeypatch.setattr(stats, "safe_together", lambda *args, **kwargs: False)
    alone = annual_report(ctx, analyst, "2026")
    tables = {s.table for r in alone for s in r.sections}
    assert calls["secure"] >= 2 * len(tables)  # each table, then its measures' counts
    alone_bodies = stored_bodies(session)
    session.execute(delete(StatsRelease))
    session.execute(delete(AuditEvent).where(AuditEvent.kind == "stats:export"))
    calls["secure"] = 0

    monkeypatch.setattr(stats, "safe_together", together)
    together_reports = annual_report(ctx, analyst, "2026")
    assert calls["secure"] == 0 and len(calls["together"]) == 1
    assert calls["together"][0] >= len(tables)  # every table, and the counts of its measures
    assert stored_bodies(session) == alone_bodies  # the same numbers and measures
    assert all("measures" in body for body in alone_bodies.values())
    assert counts(together_reports) == counts(alone)
    exports = session.execute(select(AuditEvent).where(
        AuditEvent.kind == "stats:export")).scalars().all()
    assert len(exports) == len(tables)
    assert not any(event.details["reused"] for event in exports)  # published now, not reused


def test_when_the_audit_of_them_all_says_no_each_table_is_audited_on_its_own(
        ctx, analyst, varied_2026, session, monkeypatch):
    from casework.stats import audit
    real = audit._safe
    monkeypatch.setattr(audit, "_safe", lambda tally, releases, deadline, news=1: (
        False if news > 1 else real(tally, releases, deadline, news)))
    reports = annual_report(ctx, analyst, "2026")
    tables = {s.table for r in reports for s in r.sections}
    assert {dims for _period, dims in stored_bodies(session)} == tables
    assert not any(line.withheld for r in reports for s in r.sections for line in s.lines)


def test_a_second_showing_reuses_what_the_first_published_together(ctx, analyst, varied_2026,
                                                                   session):
    annual_report(ctx, analyst, "2026")
    before = session.scalar(select(func.count()).select_from(StatsRelease))
    annual_report(ctx, analyst, "2026")
    assert session.scalar(select(func.count()).select_from(StatsRelease)) == before
    exports = session.execute(select(AuditEvent).where(
        AuditEvent.kind == "stats:export").order_by(AuditEvent.id)).scalars().all()
    assert [e.details["reused"] for e in exports] == [False] * before + [True] * before
