"""The audit trail's hash chain: tampering with, deleting or inserting an event is detected by
audit.verify and by `casework audit verify` (exit 1, naming the first bad event)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, func, insert, select, update

from casework.models import AuditEvent, AuditHead, Case
from casework.services import audit
from casework.services.audit import GENESIS, Kind, chain_key, event_hash, record
from casework.services.content import add_note, list_notes
from casework.services.views import case_view

EVENTS = AuditEvent.__table__


def KEY(ctx) -> bytes:  # noqa: N802 (reads as a constant at call sites)
    """The audit chain key of a context's runtime."""
    return chain_key(ctx.runtime.keyring)


def scratch_key(scratch) -> bytes:
    """The audit chain key of a scratch database's runtime (an insider who holds the key)."""
    return chain_key(scratch.runtime.keyring)


@pytest.fixture
def trail(scratch):
    """A scratch database with a committed trail of some length; returns (scratch, length)."""
    with scratch.make() as make:
        case = make.case("disclosure", path=["acknowledge"])
        handler = make.staff(roles=("intake",), queues=(case.queue,))
    for n in range(3):
        with scratch.ctx() as ctx:
            add_note(ctx, handler, case.reference, f"note {n}")
            list_notes(ctx, handler, case.reference)
            case_view(ctx, handler, case.reference)
    with scratch.ctx() as ctx:
        length = ctx.session.execute(select(func.max(AuditEvent.seq))).scalar()
    assert length >= 12
    return scratch, length


def verify_now(scratch) -> audit.Verification:
    with scratch.ctx() as ctx:
        return audit.verify(ctx.session, KEY(ctx), batch=4)  # the walk crosses batches


def change(scratch, statement) -> None:
    with scratch.engine.begin() as conn:
        assert conn.execute(statement).rowcount == 1


def test_an_untouched_trail_verifies(trail):
    scratch, length = trail
    assert verify_now(scratch) == audit.Verification(True, length)


@pytest.mark.parametrize("column, value", [
    ("details", {"note": 999}), ("actor", "user:999"), ("kind", str(Kind.LOGIN)),
    ("case_id", 424242), ("at", datetime(2020, 1, 1, tzinfo=UTC)),
])
def test_tampering_with_any_column_is_detected_at_that_event(trail, column, value):
    scratch, _ = trail
    change(scratch, update(EVENTS).where(EVENTS.c.seq == 7).values({column: value}))
    result = verify_now(scratch)
    assert (result.ok, result.first_bad, result.events) == (False, 7, 6)
    assert result.problem == "content does not match its hash"


def test_tampering_and_rehashing_one_event_breaks_the_link_after_it(trail):
    scratch, _ = trail
    with scratch.engine.begin() as conn:
        row = conn.execute(select(EVENTS).where(EVENTS.c.seq == 7)).one()
        forged = SimpleNamespace(**{**row._asdict(), "details": {"forged": True}})
        conn.execute(update(EVENTS).where(EVENTS.c.seq == 7).values(
            details=forged.details, hash=event_hash(scratch_key(scratch), row.prev_hash,
                                                    forged)))
    result = verify_now(scratch)
    assert (result.ok, result.first_bad) == (False, 8)
    assert result.problem == "does not link to the event before it"


def test_deleting_an_event_in_the_middle_is_detected(trail):
    scratch, _ = trail
    change(scratch, delete(EVENTS).where(EVENTS.c.seq == 5))
    result = verify_now(scratch)
    assert (result.ok, result.first_bad, result.events) == (False, 6, 4)
    assert result.problem == "sequence 6 where 5 was expected"


def test_deleting_the_last_event_is_detected(trail):
    scratch, length = trail
    change(scratch, delete(EVENTS).where(EVENTS.c.seq == length))
    result = verify_now(scratch)
    assert (result.ok, result.first_bad) == (False, length)
    assert "deleted" in result.problem


def _forged_after(conn, last: int, key: bytes = b"", **overrides) -> dict:
    prev = conn.execute(select(EVENTS).where(EVENTS.c.seq == last)).one()
    row = {"seq": last + 1, "at": prev.at, "kind": str(Kind.CASE_VIEW), "actor": "user:1",
           "case_id": prev.case_id, "details": {}, "prev_hash": prev.hash, **overrides}
    row["hash"] = event_hash(key, prev.hash, SimpleNamespace(**row))
    return row


def test_appending_a_well_chained_event_without_the_head_is_detected(trail):
    scratch, length = trail
    with scratch.engine.begin() as conn:
        conn.execute(insert(EVENTS).values(_forged_after(conn, length, scratch_key(scratch))))
    result = verify_now(scratch)
    assert (result.ok, result.first_bad, result.events) == (False, length + 1, length)
    assert "chain head" in result.problem


def test_inserting_an_event_before_the_others_is_detected(trail):
    scratch, length = trail
    with scratch.engine.begin() as conn:
        forged = _forged_after(conn, length, scratch_key(scratch))
        conn.execute(insert(EVENTS).values(id=0, **forged))
    result = verify_now(scratch)
    assert (result.ok, result.first_bad, result.events) == (False, length + 1, 0)


def test_appending_an_event_and_moving_the_head_to_it_is_caught_by_its_hash(trail):
    scratch, length = trail
    with scratch.engine.begin() as conn:
        row = _forged_after(conn, length, scratch_key(scratch))
        conn.execute(insert(EVENTS).values({**row, "details": {"sneaky": 1}}))
        conn.execute(update(AuditHead.__table__).values(seq=length + 1, hash=row["hash"]))
    result = verify_now(scratch)
    assert (result.ok, result.first_bad) == (False, length + 1)


def test_a_moved_or_missing_head_is_detected(trail):
    scratch, length = trail
    change(scratch, update(AuditHead.__table__).values(hash=GENESIS))
    assert (verify_now(scratch).ok, verify_now(scratch).first_bad) == (False, length)
    change(scratch, delete(AuditHead.__table__))
    assert (verify_now(scratch).ok, verify_now(scratch).first_bad) == (False, 1)


def test_verify_leaves_the_callers_session_usable(ctx, make):
    """It reads rows, so objects the caller holds stay attached (the API audits afterwards)."""
    case = make.case("disclosure")
    assert audit.verify(ctx.session, KEY(ctx)).ok
    ctx.session.expire(case)
    assert ctx.session.get(Case, case.id) is case and case.state == "received"


def test_events_hash_as_they_read_back_whatever_the_clock_zone(ctx):
    at = datetime(2026, 3, 2, 11, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    record(ctx.session, KEY(ctx), Kind.AUDIT_VERIFY, "cli", at)
    ctx.session.expire_all()
    assert audit.verify(ctx.session, KEY(ctx)).ok


def test_the_cli_passes_an_intact_trail_and_fails_a_broken_one(trail):
    scratch, length = trail
    intact = scratch.cli("audit", "verify")
    assert intact.returncode == 0, intact.stderr
    assert f"intact: {length} events" in intact.stdout
    change(scratch, update(EVENTS).where(EVENTS.c.seq == 9).values(actor="user:0"))
    broken = scratch.cli("audit", "verify")
    assert broken.returncode == 1, broken.stderr
    assert "BROKEN at event 9:" in broken.stdout


@pytest.mark.parametrize("how", ["delete", "insert"])
def test_the_cli_names_the_first_bad_event_after_a_delete_or_insert(trail, how):
    scratch, length = trail
    if how == "delete":
        change(scratch, delete(EVENTS).where(EVENTS.c.seq == 4))
        bad = 5
    else:
        with scratch.engine.begin() as conn:
            conn.execute(insert(EVENTS).values(_forged_after(conn, length, scratch_key(scratch))))
        bad = length + 1
    result = scratch.cli("audit", "verify")
    assert result.returncode == 1, result.stderr
    assert f"BROKEN at event {bad}:" in result.stdout


def test_rehashing_without_the_chain_key_is_detected(trail):
    """Someone with write access to the database but not the key cannot rebuild the chain."""
    scratch, _ = trail
    with scratch.engine.begin() as conn:
        row = conn.execute(select(EVENTS).where(EVENTS.c.seq == 7)).one()
        forged = SimpleNamespace(**{**row._asdict(), "details": {"forged": True}})
        conn.execute(update(EVENTS).where(EVENTS.c.seq == 7).values(
            details=forged.details, hash=event_hash(b"guessed key", row.prev_hash, forged)))
    result = verify_now(scratch)
    assert (result.ok, result.first_bad) == (False, 7)
    assert result.problem == "content does not match its hash"
