"""Keys: start-up refuses a missing or wrong key once data exists; rotating the outer key
rewraps the key-encryption key alone, a full re-key rewraps every case key (resumably), and
both keep everything readable; damaged or moved ciphertext is flagged, not fatal."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import select, update

from casework.crypto import envelope
from casework.crypto.envelope import DamagedRecord
from casework.crypto.hierarchy import unwrap_kek
from casework.crypto.keys import EnvKeySource, Keyring, KeySourceReadOnly, KeyUnavailable
from casework.models import Attachment, AuditEvent, CaseKey, KeyEncryptionKey, Note
from casework.services import keys as key_service
from casework.services.access import Reporter
from casework.services.accounts import NewUser, create_user
from casework.services.audit import Kind
from casework.services.content import (
    DAMAGED,
    add_note,
    list_messages,
    list_notes,
    post_message,
    read_attachment,
    reveal_identity,
)
from casework.services.errors import NotFound
from casework.services.evidence import accept_evidence
from casework.services.views import case_view
from tests.statements import statements_while


def seed(scratch, cases: int = 3) -> list[tuple[str, object]]:
    """Committed cases with sealed content of every kind; returns (reference, handler) pairs."""
    made = []
    with scratch.make() as make:
        for n in range(cases):
            case = make.lodge("disclosure", anonymous=False, implicated=[f"Name {n}"],
                              summary=f"summary {n}").case
            handler = make.staff(roles=("intake",), queues=(case.queue,))
            add_note(make.ctx, handler, case.reference, f"note {n}")
            post_message(make.ctx, Reporter(case.id), None, f"message {n}")
            accept_evidence(make.ctx, Reporter(case.id), None, f"file{n}.txt", b"bytes %d" % n)
            made.append((case.reference, handler))
    return made


def read_everything(scratch, made, runtime=None) -> list[tuple]:
    """Everything sealed, read back through the services (raises if a key is wrong)."""
    seen = []
    with scratch.ctx(runtime) as ctx:
        for reference, handler in made:
            view = case_view(ctx, handler, reference)
            notes = [n.body for n in list_notes(ctx, handler, reference)]
            messages = [m.body for m in list_messages(ctx, handler, reference)]
            who = reveal_identity(ctx, handler, reference, "checking")["name"]
            seen.append((view.summary, view.implicated[0]["name"], notes, messages, who))
    assert DAMAGED not in repr(seen)
    return seen


def wrapped_under(scratch) -> dict[str, int]:
    with scratch.engine.connect() as conn:
        ids = conn.execute(select(CaseKey.key_id)).scalars().all()
    return {k: ids.count(k) for k in set(ids)}


# --- start-up --------------------------------------------------------------------------------

def test_a_missing_key_file_with_data_refuses_to_start(scratch):
    seed(scratch, 1)
    key_file = scratch.settings.key_file
    key_file.unlink()
    with pytest.raises(KeyUnavailable, match=str(key_file)) as refused:
        scratch.new_runtime()
    assert "missing" in str(refused.value)
    assert not key_file.exists()  # never replaced by a fresh key


def test_a_different_key_file_with_data_refuses_to_start(scratch):
    seed(scratch, 1)
    key_file = scratch.settings.key_file
    key_file.write_text(Keyring.generate().to_json())
    with pytest.raises(KeyUnavailable, match=str(key_file)):
        scratch.new_runtime()


def test_a_different_key_with_the_same_id_is_caught_by_the_data(scratch):
    seed(scratch, 1)
    key_file = scratch.settings.key_file
    mine = Keyring.from_json(key_file.read_text())
    impostor = Keyring(mine.active_id, {mine.active_id: bytes(32)}, mine.index_key)
    key_file.write_text(impostor.to_json())
    with pytest.raises(KeyUnavailable, match=str(key_file)) as refused:
        scratch.new_runtime()
    assert "does not open the encrypted data" in str(refused.value)


def test_a_corrupt_key_file_refuses_to_start(scratch):
    seed(scratch, 1)
    scratch.settings.key_file.write_text("{not json")
    with pytest.raises(KeyUnavailable, match=str(scratch.settings.key_file)):
        scratch.new_runtime()


def test_a_wrong_key_in_the_environment_is_named(scratch):
    seed(scratch, 1)
    with pytest.raises(KeyUnavailable, match="CASEWORK_KEY"):
        scratch.new_runtime(key_env=EnvKeySource.encode(Keyring.generate()))


def test_accounts_alone_are_encrypted_data_too(scratch, tmp_path):
    """Staff TOTP secrets are sealed with the key: a fresh key would lock everyone out."""
    with scratch.ctx() as ctx:
        create_user(ctx, "cli", NewUser(email="officer@council.example", name="Officer",
                                        password="correct horse battery", roles=("intake",)))
    scratch.settings.key_file.unlink()
    with pytest.raises(KeyUnavailable, match=str(scratch.settings.key_file)):
        scratch.new_runtime()
    assert not scratch.settings.key_file.exists()
    scratch.settings.key_file.write_text(Keyring.generate().to_json())
    scratch.settings.key_file.chmod(0o600)
    with pytest.raises(KeyUnavailable, match="does not open"):
        scratch.new_runtime()


def test_with_no_data_a_missing_key_file_is_created_0600(scratch, tmp_path):
    key_file = tmp_path / "fresh" / "casework.key"
    runtime = scratch.new_runtime(key_file=key_file)
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Keyring.from_json(key_file.read_text()).active_id == runtime.keyring.active_id
    again = scratch.new_runtime(key_file=key_file)
    assert again.keyring.keys == runtime.keyring.keys  # read, not regenerated


# --- rotation of the outer key ---------------------------------------------------------------

def case_key_rows(scratch) -> list[tuple]:
    with scratch.engine.connect() as conn:
        return conn.execute(select(CaseKey.case_id, CaseKey.purpose, CaseKey.key_id,
                                   CaseKey.wrapped).order_by(CaseKey.case_id,
                                                             CaseKey.purpose)).all()


def kek_rows(scratch) -> list:
    with scratch.engine.connect() as conn:
        return conn.execute(select(KeyEncryptionKey).order_by(KeyEncryptionKey.id)).all()


def statements_on(engine, table: str, run) -> list[str]:
    """The SQL statements touching `table` while run() runs."""
    return statements_while(engine, lambda statement: table in statement, run)


def test_rotation_rewraps_the_kek_only_and_retires_the_old_key(scratch):
    made = seed(scratch)
    before = read_everything(scratch, made)
    old = scratch.runtime.keyring
    with scratch.engine.connect() as conn:
        notes_before = conn.execute(select(Note.id, Note.body_ct).order_by(Note.id)).all()
    keys_before = case_key_rows(scratch)
    [kek] = kek_rows(scratch)
    assert kek.outer_key_id == old.active_id and kek.active
    assert wrapped_under(scratch) == {kek.id: 2 * len(made)}  # case keys are under the KEK
    writes, result = statements_on(scratch.engine, "case_keys",
                                   lambda: key_service.rotate(scratch.runtime))
    assert writes == []  # not one case key read or written: O(1) at any size
    on_file = Keyring.from_json(scratch.settings.key_file.read_text())
    assert result.retired == (old.active_id,) and result.rewrapped == 1
    assert set(on_file.keys) == {result.active} and result.active != old.active_id
    [after] = kek_rows(scratch)
    assert (after.id, after.outer_key_id) == (kek.id, result.active)
    assert after.wrapped != kek.wrapped
    assert case_key_rows(scratch) == keys_before
    with scratch.engine.connect() as conn:
        assert conn.execute(select(Note.id, Note.body_ct).order_by(Note.id)).all() \
            == notes_before  # rows are not re-encrypted
    assert read_everything(scratch, made, scratch.new_runtime()) == before
    with scratch.ctx() as ctx:
        event_ = ctx.session.execute(select(AuditEvent).where(
            AuditEvent.kind == str(Kind.KEYS_ROTATE))).scalar_one()
    assert event_.details["retired"] == [old.active_id]
    assert event_.details["active"] == result.active


def test_the_old_key_file_no_longer_opens_the_database(scratch, tmp_path):
    made = seed(scratch, 1)
    backup = tmp_path / "old.key"
    backup.write_bytes(scratch.settings.key_file.read_bytes())
    backup.chmod(0o600)
    old = Keyring.from_json(backup.read_text())
    key_service.rotate(scratch.runtime)
    with pytest.raises(KeyUnavailable, match="not in the keyring"):
        scratch.new_runtime(key_file=backup)
    [kek] = kek_rows(scratch)
    with pytest.raises(KeyUnavailable):  # the KEK is wrapped under the new outer key only
        unwrap_kek(old, kek.outer_key_id, kek.id, kek.wrapped)
    impostor = Keyring(kek.outer_key_id, {kek.outer_key_id: old.keys[old.active_id]},
                       old.index_key)
    with pytest.raises(DamagedRecord):  # the old key's bytes under the new id open nothing
        unwrap_kek(impostor, kek.outer_key_id, kek.id, kek.wrapped)
    read_everything(scratch, made, scratch.new_runtime())


def test_a_rotation_that_crashes_before_its_commit_resumes(scratch, monkeypatch):
    made = seed(scratch)
    before = read_everything(scratch, made)
    old = scratch.runtime.keyring.active_id

    def power_cut(*args, **kwargs):
        raise OSError("power cut")

    monkeypatch.setattr(key_service.hierarchy, "wrap_kek", power_cut)
    with pytest.raises(OSError):
        key_service.rotate(scratch.runtime)
    monkeypatch.undo()
    pending = set(Keyring.from_json(scratch.settings.key_file.read_text()).keys)
    assert old in pending and len(pending) == 2  # the new key is on file, the old kept
    assert [k.outer_key_id for k in kek_rows(scratch)] == [old]  # the database is untouched
    assert read_everything(scratch, made, scratch.new_runtime()) == before
    done = key_service.rotate(scratch.runtime)
    assert done.active in pending and done.retired == (old,)  # resumed, not restarted
    assert [k.outer_key_id for k in kek_rows(scratch)] == [done.active]
    assert read_everything(scratch, made, scratch.new_runtime()) == before


def test_a_process_started_before_the_rotation_reloads_the_key(scratch):
    made = seed(scratch)
    before = read_everything(scratch, made)
    stale = scratch.new_runtime()
    key_service.rotate(scratch.runtime)
    assert read_everything(scratch, made, stale) == before
    assert stale.keyring.active_id == scratch.runtime.keyring.active_id


def test_rotating_twice_works(scratch):
    made = seed(scratch, 2)
    before = read_everything(scratch, made)
    first = key_service.rotate(scratch.runtime)
    second = key_service.rotate(scratch.runtime)
    assert second.active != first.active and second.retired == (first.active,)
    assert read_everything(scratch, made, scratch.new_runtime()) == before


def test_keys_in_the_environment_cannot_be_rotated_by_the_app(scratch):
    seed(scratch, 1)
    keyring = Keyring.from_json(scratch.settings.key_file.read_text())
    runtime = scratch.new_runtime(key_env=EnvKeySource.encode(keyring))
    with pytest.raises(KeySourceReadOnly):
        key_service.rotate(runtime)
    with pytest.raises(KeySourceReadOnly):
        key_service.rekey(runtime)
    assert [k.outer_key_id for k in kek_rows(scratch)] == [keyring.active_id]


def test_the_rotate_command_prints_what_it_did(scratch):
    made = seed(scratch, 1)
    done = scratch.cli("keys", "rotate")
    assert done.returncode == 0, done.stderr
    active = Keyring.from_json(scratch.settings.key_file.read_text()).active_id
    assert f"active key {active}; 1 key-encryption keys rewrapped; retired: " in done.stdout
    read_everything(scratch, made, scratch.new_runtime())


# --- full re-key -----------------------------------------------------------------------------

def test_a_full_rekey_moves_every_case_key_under_a_new_kek(scratch):
    made = seed(scratch)
    before = read_everything(scratch, made)
    stale = scratch.new_runtime()
    [old] = kek_rows(scratch)
    old_kek = scratch.runtime.kek(scratch.runtime.sessions(), old.id)
    old_outer = scratch.runtime.keyring.active_id
    result = key_service.rekey(scratch.runtime, batch=2)
    assert result.finished and result.rewrapped == 2 * len(made)
    assert result.retired == (old.id,) and result.kek != old.id
    assert result.outer.retired == (old_outer,)  # a new outer key as well
    [new] = kek_rows(scratch)
    assert (new.id, new.outer_key_id, new.active) == (result.kek, result.outer.active, True)
    assert wrapped_under(scratch) == {result.kek: 2 * len(made)}
    for row in case_key_rows(scratch):  # the old KEK opens none of them now
        with pytest.raises(DamagedRecord):
            envelope.unwrap_under(old_kek, row.wrapped, case_id=row.case_id,
                                  purpose=row.purpose)
    assert read_everything(scratch, made, scratch.new_runtime()) == before
    assert read_everything(scratch, made, stale) == before  # a process started before
    with scratch.ctx() as ctx:
        kinds = ctx.session.execute(select(AuditEvent.kind, AuditEvent.details).where(
            AuditEvent.kind.in_([str(Kind.KEYS_ROTATE), str(Kind.KEYS_REKEY)]))
            .order_by(AuditEvent.seq)).all()
    assert [(k, d.get("phase")) for k, d in kinds] == [
        ("keys:rotate", None), ("keys:rekey", "begin"), ("keys:rekey", "done")]
    assert kinds[2][1]["retired"] == [old.id] and kinds[2][1]["rewrapped"] == 2 * len(made)
    made += seed(scratch, 1)  # new cases go under the new KEK
    assert wrapped_under(scratch) == {result.kek: 2 * len(made)}


def test_an_interrupted_rekey_stays_readable_and_resumes(scratch, monkeypatch):
    made = seed(scratch, 4)
    before = read_everything(scratch, made)
    real, calls = key_service._write, []

    def crash_on_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(key_service, "_write", crash_on_third)
    with pytest.raises(OSError):
        key_service.rekey(scratch.runtime, batch=2)
    monkeypatch.undo()
    keks = kek_rows(scratch)
    [new] = [k for k in keks if k.active]
    [old] = [k for k in keks if not k.active]
    assert old.rekey_after == made_case_id(scratch, 2)  # progress recorded: two batches
    assert wrapped_under(scratch) == {new.id: 4, old.id: 2 * len(made) - 4}
    assert read_everything(scratch, made, scratch.new_runtime()) == before  # mixed KEKs
    made += seed(scratch, 1)  # lodged mid-way: under the new KEK at once
    again = key_service.rekey(scratch.runtime, batch=2)
    assert again.finished and again.outer is None  # continued, not restarted
    assert again.kek == new.id and again.retired == (old.id,)
    assert again.rewrapped == 2 * len(made) - 4 - 2
    assert [k.id for k in kek_rows(scratch)] == [new.id]
    assert wrapped_under(scratch) == {new.id: 2 * len(made)}
    assert read_everything(scratch, made, scratch.new_runtime()) == before + \
        read_everything(scratch, made[-1:], scratch.new_runtime())


def made_case_id(scratch, nth: int) -> int:
    """The id of the nth case (1-based) in id order."""
    with scratch.engine.connect() as conn:
        return conn.execute(select(CaseKey.case_id).distinct().order_by(CaseKey.case_id)
                            .offset(nth - 1).limit(1)).scalar()


def test_the_rekey_command_is_listed_and_finishes(scratch):
    made = seed(scratch, 2)
    before = read_everything(scratch, made)
    listed = scratch.cli("keys", "--help")
    assert "rekey" in listed.stdout and "rotate" in listed.stdout
    assert "rekey" in scratch.cli("--help").stdout
    done = scratch.cli("keys", "rekey", "--batch", "3")
    assert done.returncode == 0, done.stderr
    [kek] = kek_rows(scratch)
    assert f"key-encryption key {kek.id}; 4 case keys rewrapped; retired: kek-" in done.stdout
    assert read_everything(scratch, made, scratch.new_runtime()) == before


# --- damaged records -------------------------------------------------------------------------

@pytest.fixture
def noted(make, ctx):
    """A case with three notes, and its handler."""
    case = make.case("disclosure", implicated=["A. Person"])
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    notes = [add_note(ctx, handler, case.reference, f"note {n}") for n in range(3)]
    return case, handler, notes


def _set_body(ctx, note_id: int, blob: bytes) -> None:
    ctx.session.execute(update(Note).where(Note.id == note_id).values(body_ct=blob),
                        execution_options={"synchronize_session": False})
    ctx.session.expire_all()


def _damaged_events(ctx) -> list[dict]:
    return [e.details for e in ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == str(Kind.RECORD_DAMAGED)).order_by(AuditEvent.seq)).scalars()]


def test_a_flipped_byte_shows_one_note_as_damaged_and_is_audited(ctx, noted):
    case, handler, notes = noted
    blob = bytearray(notes[1].body_ct)
    blob[len(blob) // 2] ^= 0x01
    _set_body(ctx, notes[1].id, bytes(blob))
    bodies = [n.body for n in list_notes(ctx, handler, case.reference)]
    assert bodies == ["note 0", DAMAGED, "note 2"]
    assert _damaged_events(ctx) == [{"record_kind": "note", "record": notes[1].id}]


@pytest.mark.parametrize("how", ["moved", "truncated", "from_another_case"])
def test_a_moved_or_cut_ciphertext_is_damaged_too(make, ctx, noted, how):
    case, handler, notes = noted
    if how == "moved":
        blob = notes[0].body_ct
    elif how == "truncated":
        blob = notes[2].body_ct[:10]
    else:
        other = make.case("disclosure")
        boss = make.staff(roles=("intake",), queues=(other.queue,))
        blob = add_note(ctx, boss, other.reference, "elsewhere").body_ct
    _set_body(ctx, notes[2].id, blob)
    bodies = [n.body for n in list_notes(ctx, handler, case.reference)]
    assert bodies == ["note 0", "note 1", DAMAGED]
    assert _damaged_events(ctx) == [{"record_kind": "note", "record": notes[2].id}]


def test_a_damaged_message_and_attachment_are_flagged(ctx, noted):
    case, handler, _ = noted
    message = post_message(ctx, Reporter(case.id), None, "hello")
    stored = accept_evidence(ctx, Reporter(case.id), None, "a.txt", b"abc")
    ctx.session.flush()
    message.body_ct = message.body_ct[:-1] + bytes([message.body_ct[-1] ^ 1])
    ctx.session.flush()
    assert [m.body for m in list_messages(ctx, handler, case.reference)] == [DAMAGED]
    row = ctx.session.get(Attachment, stored.id)
    row.content_ct = row.content_ct[:-1] + bytes([row.content_ct[-1] ^ 1])
    ctx.session.flush()
    with pytest.raises(NotFound, match="damaged") as refused:
        read_attachment(ctx, handler, case.reference, stored.id)
    assert [d["record_kind"] for d in _damaged_events(ctx)] == ["message"]
    trace = refused.value.trace  # written by the edge after it rolls the read back
    assert (trace.kind, dict(trace.details)) == (
        Kind.RECORD_DAMAGED, {"record_kind": "attachment", "record": stored.id})


def test_a_damaged_case_key_leaves_the_case_page_readable_as_damaged(ctx, noted):
    case, handler, _ = noted
    ctx.session.execute(update(CaseKey).where(CaseKey.case_id == case.id,
                                              CaseKey.purpose == "content")
                        .values(wrapped=bytes(60)))
    ctx.session.expire_all()
    view = case_view(ctx, handler, case.reference)
    assert view.summary == DAMAGED and view.details == DAMAGED
    assert [n.body for n in list_notes(ctx, handler, case.reference)] == [DAMAGED] * 3
    assert {d["record_kind"] for d in _damaged_events(ctx)} >= {"case", "note"}


def test_a_damaged_identity_key_shows_the_identity_as_damaged(make, ctx):
    case = make.case("disclosure", anonymous=False)
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    ctx.session.execute(update(CaseKey).where(CaseKey.case_id == case.id,
                                              CaseKey.purpose == "identity")
                        .values(wrapped=bytes(60)))
    ctx.session.expire_all()
    assert reveal_identity(ctx, handler, case.reference, "needed")["name"] == DAMAGED
    assert [d["record_kind"] for d in _damaged_events(ctx)] == ["party"]
