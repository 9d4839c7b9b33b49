"""Statistics releases: HR analysts only, fixed finished periods, protected, stored, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from casework.models import AuditEvent, StatsRelease
from casework.services.errors import Forbidden, Invalid
from casework.services.stats import StatsRequest, release
from casework.stats.cellkey import NOISE_LIMIT


@pytest.fixture
def analyst(make):
    return make.staff(roles=("hr_analyst",), queues=())


@pytest.fixture
def year_2026(make, clock):
    """Twelve fraud reports and one of bribery in 2026; it is now 2027."""
    for _ in range(12):
        make.case("disclosure", category="fraud")
    make.case("disclosure", category="bribery_corruption")
    clock.now = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def rows_by(body, dim):
    return {r[dim]: (r["count"], r["suppressed"]) for r in body["rows"]
            if all(r[d] is not None for d in body["by"])}


def test_a_release_rounds_suppresses_and_states_its_rules(ctx, analyst, year_2026, no_noise):
    body = release(ctx, analyst, StatsRequest(("category",), "2026"))
    assert (body["period"], body["threshold"], body["rounding"]) == ("2026", 8, 5)
    assert (body["method"], body["noise"]) == ("cell key", NOISE_LIMIT)
    cells = rows_by(body, "category")
    assert cells["fraud"] == (10, False)  # 12 rounds to 10
    assert cells["bribery_corruption"] == (None, True)  # 1 is suppressed
    assert cells["sexual_harassment"] == (0, False)  # zero is shown as 0


def test_asking_again_gives_the_stored_release_and_both_are_audited(ctx, analyst, year_2026,
                                                                    make, clock, session):
    first = release(ctx, analyst, StatsRequest(("category",), "2026"))
    clock.now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    for _ in range(5):
        make.case("disclosure", category="fraud")  # late data for 2026
    clock.now = datetime(2027, 2, 2, 9, 0, tzinfo=UTC)
    assert release(ctx, analyst, StatsRequest(("category",), "2026")) == first
    assert session.execute(select(StatsRelease)).scalars().all().__len__() == 1
    audits = session.execute(select(AuditEvent).where(
        AuditEvent.kind == "stats:export").order_by(AuditEvent.id)).scalars().all()
    assert [a.details["reused"] for a in audits] == [False, True]


@pytest.mark.parametrize("period, field", [
    ("2026-01-01..2026-03-31", "period"), ("2026-03", "period"), ("2027", "period"),
    ("", "period")])
def test_a_free_range_or_an_unfinished_period_is_refused(ctx, analyst, year_2026, period,
                                                         field):
    with pytest.raises(Invalid) as refused:
        release(ctx, analyst, StatsRequest(("route",), period))
    assert set(refused.value.fields) == {field}


@pytest.mark.parametrize("by", [("department", "category"), ("respondent",), ("route", "route"),
                                ("route", "category", "outcome")])
def test_forbidden_or_unknown_dimensions_are_refused(ctx, analyst, year_2026, by):
    with pytest.raises(Invalid) as refused:
        release(ctx, analyst, StatsRequest(by, "2026"))
    assert set(refused.value.fields) == {"by"}


def test_only_hr_analysts_get_statistics(ctx, make, year_2026):
    for roles in (("intake",), ("auditor",), ("admin",)):
        with pytest.raises(Forbidden):
            release(ctx, make.staff(roles=roles, queues=("intake",)),
                    StatsRequest(("route",), "2026"))


def test_measures_need_enough_cases(ctx, analyst, year_2026):
    body = release(ctx, analyst, StatsRequest(("route",), "2026"))
    total = next(m for m in body["measures"] if m["route"] is None)
    assert total["days_to_acknowledge"] is None  # nobody acknowledged: no values at all


def acknowledged(ctx, make, clock, days: list[int]) -> None:
    """Reports lodged at the frozen time, each acknowledged so many days later."""
    from datetime import timedelta

    from casework.services.transitions import fire_transition
    from tests.services.test_svc_aftercare import boss_of
    start = clock.now
    for n in days:
        clock.now = start
        case = make.lodge().case
        clock.now = start + timedelta(days=n)
        fire_transition(ctx, boss_of(make, case), case.reference, "acknowledge", case.version)
    clock.now = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def test_measures_of_a_small_group_are_not_shown(ctx, analyst, make, clock):
    """Nine acknowledged on time: a 100% share of fewer than 20 would say what happened to
    each of them, and a median of nine could be one person's days."""
    acknowledged(ctx, make, clock, [1] * 9)
    body = release(ctx, analyst, StatsRequest(("route",), "2026"))
    total = next(m for m in body["measures"] if m["route"] is None)
    assert total["deadlines_missed"] == {"count": 0, "suppressed": False}
    assert total["deadlines_met"]["count"] in (10, 15)  # nine, perturbed and rounded
    assert total["clocks_met_share"] is None
    assert total["days_to_acknowledge"] is None


def test_measures_are_derived_from_the_published_counts(ctx, analyst, make, clock):
    """Forty acknowledged, ten of them late: the median needs sixteen cases on either side
    whatever the perturbation, the quartiles thirty-two, the 90th percentile eighty."""
    acknowledged(ctx, make, clock, [1] * 20 + [3] * 10 + [12] * 10)
    body = release(ctx, analyst, StatsRequest(("route",), "2026"))
    total = next(m for m in body["measures"] if m["route"] is None)
    met, missed = total["deadlines_met"]["count"], total["deadlines_missed"]["count"]
    spread = NOISE_LIMIT + 2
    assert 30 - spread <= met <= 30 + spread and 10 - spread <= missed <= 10 + spread
    assert total["clocks_met_share"] == (200 * met + met + missed) // (2 * (met + missed))
    days, cases = total["days_to_acknowledge"], total["acknowledged"]["count"]
    assert days["p50"] == 1 and "p90" not in days
    assert ("p25" in days) == ("p75" in days) == (cases - 2 - NOISE_LIMIT >= 32)
    assert release(ctx, analyst, StatsRequest(("route",), "2026")) == body  # stored


def test_an_audit_that_cannot_finish_publishes_nothing_and_stores_nothing(
        ctx, analyst, year_2026, monkeypatch):
    from casework.stats import audit

    def unfinished(*args):
        raise audit.Unsure("out of time")
    monkeypatch.setattr(audit, "_safe", unfinished)
    body = release(ctx, analyst, StatsRequest(("category",), "2026"))
    assert body["withheld"] is True and body["retry"] is True and body["rows"] == []
    assert ctx.session.scalars(select(StatsRelease)).all() == []  # tried again next time
    monkeypatch.undo()
    again = release(ctx, analyst, StatsRequest(("category",), "2026"))
    assert "withheld" not in again and again["rows"]
    assert len(ctx.session.scalars(select(StatsRelease)).all()) == 1


def test_a_refusal_for_what_the_audit_found_is_stored_and_answered_the_same(
        ctx, analyst, year_2026, monkeypatch):
    from casework.stats import audit
    monkeypatch.setattr(audit, "_safe", lambda *args: False)
    body = release(ctx, analyst, StatsRequest(("category",), "2026"))
    assert body["withheld"] is True and "retry" not in body and body["rows"] == []
    monkeypatch.undo()
    assert release(ctx, analyst, StatsRequest(("category",), "2026")) == body


def test_a_request_stops_auditing_when_its_time_is_up_and_the_command_line_has_longer(
        ctx, analyst, year_2026, monkeypatch):
    from casework.services import stats
    monkeypatch.setattr(stats, "REQUEST_BUDGET", -1.0)  # a page's twenty seconds, spent
    body = release(ctx, analyst, StatsRequest(("category",), "2026"))
    assert body["retry"] is True and ctx.session.scalars(select(StatsRelease)).all() == []
    ctx.cache.clear()
    stats.allow_long_audits(ctx)  # what `casework stats export` and `stats annual` do
    assert "withheld" not in release(ctx, analyst, StatsRequest(("category",), "2026"))


def test_staff_comfort_is_measured_by_anonymous_against_named_and_detriment_afterwards(
        ctx, analyst, make, clock, session, no_noise):
    """Seed 004, Where to start: the measures Casework offers of whether staff are comfortable
    raising concerns are the share reporting anonymously and detriment reported afterwards."""
    from casework.models import CheckIn
    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    anonymous = [make.case("disclosure", category="fraud") for _ in range(12)]
    for _ in range(9):
        make.case("disclosure", category="fraud", anonymous=False)
    for case in anonymous[:10]:
        session.add(CheckIn(case_id=case.id, due_on=date(2026, 6, 1),
                            answered_at=datetime(2026, 6, 1, tzinfo=UTC), detriment=True))
    session.commit()
    clock.now = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    by_anonymous = rows_by(release(ctx, analyst, StatsRequest(("anonymous",), "2026")),
                           "anonymous")
    assert by_anonymous == {"anonymous": (10, False), "named": (10, False)}
    by_detriment = rows_by(release(ctx, analyst, StatsRequest(("detriment",), "2026")),
                           "detriment")
    assert by_detriment == {"reported": (10, False), "not_reported": (10, False)}
