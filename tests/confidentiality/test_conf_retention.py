"""Retention purge: statistics stay, content and keys go for good; --dry-run changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from casework.models import (
    Attachment,
    AuditEvent,
    Case,
    CaseClock,
    CaseEvent,
    CaseKey,
    CaseParty,
    Message,
    Note,
    Recusal,
)
from casework.services.access import Reporter
from casework.services.assignments import assign, recuse
from casework.services.audit import Kind
from casework.services.auth import reporter_sign_in
from casework.services.content import (
    add_note,
    list_notes,
    post_message,
    reveal_identity,
)
from casework.services.errors import NotFound
from casework.services.evidence import accept_evidence
from casework.services.holds import place_hold
from casework.services.retention import purge
from casework.services.transitions import fire_transition
from casework.services.vault import KeyDestroyed
from casework.services.views import case_view, list_cases
from tests.factories import FIELDS

WALK = ["acknowledge", "accept_for_investigation", "record_findings", "record_action",
        "give_feedback"]


def full_case(make, ctx, path=WALK, department=None):
    """A named-reporter case with every kind of sealed content, walked along path."""
    lodged = make.lodge("disclosure", category="policy_breach", anonymous=False,
                        implicated=["A. Clerk"], department=department)
    case = lodged.case
    boss = make.staff(roles=("intake", "investigator", "decision_maker"), queues=(case.queue,))
    other = make.staff(roles=("intake",), queues=(case.queue,))
    add_note(ctx, boss, case.reference, "a note")
    post_message(ctx, Reporter(case.id), None, "a message")
    accept_evidence(ctx, Reporter(case.id), None, "evidence.txt", b"evidence")
    assign(ctx, boss, case.reference, other.user_id, "handler")
    recuse(ctx, other, case.reference, "conflicted")
    reveal_identity(ctx, boss, case.reference, "to interview them")
    for key in path:
        fire_transition(ctx, boss, case.reference, key, None, FIELDS.get(key, {}))
    return lodged, boss


def _department(ctx) -> str:
    return sorted(ctx.runtime.pack.departments)[0]


def _counts(session, case_id: int) -> dict[str, int]:
    return {m.__name__: session.execute(select(func.count()).select_from(m).where(
        m.case_id == case_id)).scalar() for m in (CaseKey, Note, Message, Attachment, CaseParty)}


@pytest.fixture
def aged(make, ctx, clock):
    """An old closed case, a recently closed one and an old open one; time moved past retention."""
    dept = _department(ctx)
    old, boss = full_case(make, ctx, department=dept)
    still_open, _ = full_case(make, ctx, path=["acknowledge"], department=dept)
    clock.now += timedelta(days=ctx.runtime.pack.retention_days + 1)
    recent, _ = full_case(make, ctx, path=["acknowledge", "no_further_action"], department=dept)
    return old, still_open, recent, boss


def test_purge_keeps_the_facts_statistics_need(ctx, aged, clock):
    old, _, _, _ = aged
    case = old.case
    before = {c: getattr(case, c) for c in ("route", "category", "department", "outcome",
                                            "opened_at", "closed_at", "state", "queue")}
    findings = _facts(ctx, case.id, "record_findings")
    clocks = ctx.session.execute(select(CaseClock.name, CaseClock.status).where(
        CaseClock.case_id == case.id)).all()
    assert purge(ctx) == [case.id]
    ctx.session.expire_all()
    case = ctx.session.get(Case, case.id)
    assert {c: getattr(case, c) for c in before} == before
    assert before["outcome"] == "substantiated" and before["department"]
    assert findings == {"finding": "substantiated"}
    assert _facts(ctx, case.id, "record_findings") == findings
    assert ctx.session.execute(select(CaseClock.name, CaseClock.status).where(
        CaseClock.case_id == case.id)).all() == clocks
    assert case.purged_at == clock.now


def test_purge_destroys_keys_and_every_sealed_thing(ctx, aged):
    old, _, _, _ = aged
    case = old.case
    assert all(_counts(ctx.session, case.id).values())
    sealed = ctx.session.execute(select(Note.body_ct).where(Note.case_id == case.id)).scalar()
    purge(ctx)
    ctx.session.expire_all()
    case = ctx.session.get(Case, case.id)
    assert _counts(ctx.session, case.id) == dict.fromkeys(_counts(ctx.session, case.id), 0)
    assert (case.content_ct, case.routing_ct, case.receipt_hash) == (None, None, None)
    assert ctx.session.execute(select(Recusal.reason_ct).where(
        Recusal.case_id == case.id)).scalars().all() == [None]
    assert ctx.session.execute(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.fields_ct.is_not(None))).scalar() == 0
    with pytest.raises(KeyDestroyed):  # a copy of the ciphertext no longer opens
        ctx.vault(case).open("note", 1, sealed)


def test_a_purged_case_is_gone_for_staff_and_reporter(ctx, aged):
    old, _, _, boss = aged
    purge(ctx)
    with pytest.raises(NotFound) as gone:
        case_view(ctx, boss, old.reference)
    with pytest.raises(NotFound) as never:
        case_view(ctx, boss, "CW-NOSUCH00")
    assert str(gone.value) == str(never.value)
    with pytest.raises(NotFound):
        list_notes(ctx, boss, old.reference)
    assert old.reference not in {c["reference"] for c in list_cases(ctx, boss).items}
    assert reporter_sign_in(ctx, old.reference, old.receipt) is None


def test_purge_leaves_open_and_recent_cases_alone(ctx, aged):
    _, still_open, recent, _ = aged
    keep = [still_open.case.id, recent.case.id]
    counts = {i: _counts(ctx.session, i) for i in keep}
    purge(ctx)
    for lodged in (still_open, recent):
        assert _counts(ctx.session, lodged.case.id) == counts[lodged.case.id]
        assert reporter_sign_in(ctx, lodged.reference, lodged.receipt) is not None


def test_purge_is_audited_with_a_count_only(ctx, aged):
    purge(ctx)
    event_ = ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == str(Kind.RETENTION_PURGE))).scalar_one()
    assert event_.details == {"cases": 1}


def test_dry_run_changes_nothing(ctx, aged):
    old, _, _, _ = aged
    audit_before = ctx.session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    counts, content = _counts(ctx.session, old.case.id), old.case.content_ct
    assert purge(ctx, dry_run=True) == [old.case.id]
    ctx.session.expire_all()
    case = ctx.session.get(Case, old.case.id)
    assert (case.content_ct, case.purged_at) == (content, None)
    assert _counts(ctx.session, case.id) == counts
    assert ctx.session.execute(select(func.count()).select_from(AuditEvent)).scalar() \
        == audit_before
    assert reporter_sign_in(ctx, old.reference, old.receipt) is not None


def test_nothing_is_due_before_the_retention_period_ends(make, ctx, clock):
    old, _ = full_case(make, ctx, department=_department(ctx))
    clock.now += timedelta(days=ctx.runtime.pack.retention_days - 1)
    assert purge(ctx) == []
    assert old.case.content_ct is not None


def test_purged_keys_do_not_linger_in_the_sqlite_file(sqlite_scratch, clock):
    """Crypto-shredding holds for the file too, even where SQLite would not zero freed space."""
    engine = sqlite_scratch.engine

    @event.listens_for(engine, "connect")
    def _upstream_default(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA secure_delete=OFF")

    engine.dispose()
    with sqlite_scratch.make() as make:
        old, _ = full_case(make, make.ctx, department=_department(make.ctx))
    with engine.connect() as conn:
        blobs = [bytes(b) for (b,) in conn.execute(text(
            "SELECT wrapped FROM case_keys UNION ALL SELECT body_ct FROM notes "
            "UNION ALL SELECT details_ct FROM case_parties UNION ALL SELECT content_ct FROM "
            "attachments UNION ALL SELECT content_ct FROM cases"))]
    assert len(blobs) >= 6
    clock.now += timedelta(days=sqlite_scratch.runtime.pack.retention_days + 1)
    with sqlite_scratch.ctx() as ctx:
        assert purge(ctx) == [old.case.id]
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    db = Path(engine.url.database)
    on_disk = db.read_bytes() + db.with_name(db.name + "-wal").read_bytes()
    assert [b[:16] in on_disk for b in blobs] == [False] * len(blobs)


def _facts(ctx, case_id: int, transition: str) -> dict:
    return ctx.session.execute(select(CaseEvent.facts).where(
        CaseEvent.case_id == case_id, CaseEvent.transition == transition)).scalar_one()


def test_the_cli_dry_run_counts_and_the_real_run_purges(scratch, clock):
    """`casework retention purge [--dry-run]` against committed data, on the real clock."""
    clock.now = clock.now.replace(year=2012)  # closed long ago, so past retention today
    with scratch.make() as make:
        old, _ = full_case(make, make.ctx, department=_department(make.ctx))
    dry = scratch.cli("retention", "purge", "--dry-run")
    assert (dry.returncode, dry.stdout.strip()) == (0, "would purge 1 cases"), dry.stderr
    with scratch.ctx() as ctx:
        assert _counts(ctx.session, old.case.id)["CaseKey"] == 2
    real = scratch.cli("retention", "purge")
    assert (real.returncode, real.stdout.strip()) == (0, "purged 1 cases"), real.stderr
    with scratch.ctx() as ctx:
        case = ctx.session.get(Case, old.case.id)
        assert (case.purged_at is not None, case.content_ct, case.outcome) == (
            True, None, "substantiated")
        assert _counts(ctx.session, case.id)["CaseKey"] == 0


def test_the_cli_says_how_many_a_legal_hold_held_back(scratch, clock):
    """A held case past retention is counted, not purged, by the dry run and the real run."""
    clock.now = clock.now.replace(year=2012)
    with scratch.make() as make:
        held, boss = full_case(make, make.ctx, department=_department(make.ctx))
        place_hold(make.ctx, boss, held.reference, "litigation pending")
    for args, verb in ((("--dry-run",), "would purge"), ((), "purged")):
        run = scratch.cli("retention", "purge", *args)
        assert (run.returncode, run.stdout.splitlines()) == (
            0, [f"{verb} 0 cases", "held back: 1 under a legal hold"]), run.stderr
    with scratch.ctx() as ctx:
        assert _counts(ctx.session, held.case.id)["CaseKey"] == 2
