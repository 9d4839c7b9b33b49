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


def _truncate(scratch, keep: int) -> None:
    """What someone with write access to the database alone can do: delete the newest events
    and rewind the head to the last one kept, copying its seq and hash."""
    with scratch.engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.seq > keep))
        last = conn.execute(select(EVENTS).where(EVENTS.c.seq == keep)).one()
        conn.execute(update(AuditHead.__table__).values(seq=keep, hash=last.hash))


def test_rewinding_the_head_after_deleting_the_newest_events_is_detected(trail):
    scratch, length = trail
    _truncate(scratch, length - 3)
    result = verify_now(scratch)
    assert (result.ok, result.first_bad) == (False, length - 3)
    assert "seal does not match" in result.problem


def test_clearing_the_seal_is_detected_and_appends_do_not_launder_it(trail):
    scratch, length = trail
    _truncate(scratch, length - 3)
    change(scratch, update(AuditHead.__table__).values(seal=None))
    assert "carries no seal" in verify_now(scratch).problem
    with scratch.ctx() as ctx:  # the application goes on auditing
        ctx.audit(Kind.AUDIT_VERIFY, "cli")
    result = verify_now(scratch)
    assert (result.ok, result.first_bad) == (False, length - 2)
    assert "carries no seal" in result.problem


def test_seal_seals_only_a_chain_that_verifies(trail):
    scratch, _ = trail
    change(scratch, update(AuditHead.__table__).values(seal=None))
    sealed = scratch.cli("audit", "seal")
    assert sealed.returncode == 0, sealed.stderr
    assert verify_now(scratch).ok
    change(scratch, update(EVENTS).where(EVENTS.c.seq == 3).values(actor="user:0"))
    refused = scratch.cli("audit", "seal")
    assert refused.returncode == 1 and "not sealed" in refused.stdout


def test_a_checkpoint_catches_truncation_and_a_wiped_trail(trail, tmp_path):
    """Deleting the newest events and forging the head with the key (an insider who holds it)
    passes `verify` alone; the checkpoint kept elsewhere still catches it. So does wiping the
    trail and its head (an empty trail verifies on its own)."""
    scratch, length = trail
    out = tmp_path / "audit-checkpoint.json"
    made = scratch.cli("audit", "checkpoint", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert f'"seq": {length}' in out.read_text()
    fine = scratch.cli("audit", "verify", "--checkpoint", str(out))
    assert fine.returncode == 0 and "1 checkpoint(s) still in it" in fine.stdout
    with scratch.ctx() as ctx:  # more events after the checkpoint are fine
        ctx.audit(Kind.AUDIT_VERIFY, "cli")
    assert scratch.cli("audit", "verify", "--checkpoint", str(out)).returncode == 0
    _truncate(scratch, length - 2)
    change(scratch, update(AuditHead.__table__).values(
        seal=audit.head_seal(scratch_key(scratch), length - 2, verify_hash(scratch, length - 2))))
    assert verify_now(scratch).ok  # the chain alone cannot tell
    caught = scratch.cli("audit", "verify", "--checkpoint", str(out))
    assert caught.returncode == 1
    assert f"names event {length}" in caught.stdout and "removed" in caught.stdout
    with scratch.engine.begin() as conn:
        conn.execute(delete(EVENTS))
        conn.execute(delete(AuditHead.__table__))
    assert verify_now(scratch).ok
    wiped = scratch.cli("audit", "verify", "--checkpoint", str(out))
    assert wiped.returncode == 1 and "removed" in wiped.stdout


def verify_hash(scratch, seq: int) -> str:
    with scratch.engine.connect() as conn:
        return conn.execute(select(EVENTS.c.hash).where(EVENTS.c.seq == seq)).scalar_one()


def test_a_checkpoint_must_be_signed_by_this_installation(trail, tmp_path):
    scratch, length = trail
    out = tmp_path / "cp.json"
    assert scratch.cli("audit", "checkpoint", "--out", str(out)).returncode == 0
    out.write_text(out.read_text().replace(f'"seq": {length}', f'"seq": {length - 1}'))
    forged = scratch.cli("audit", "verify", "--checkpoint", str(out))
    assert forged.returncode == 1 and "not signed by this installation" in forged.stdout


def test_checkpoint_to_standard_output_is_only_the_document(trail):
    import json

    scratch, length = trail
    made = scratch.cli("audit", "checkpoint", "--out", "-")
    assert made.returncode == 0
    assert json.loads(made.stdout)["seq"] == length
