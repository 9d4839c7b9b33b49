"""A copy of the database alone reveals no confidential words and links no one to a case."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect, select, text

from casework.models import CaseParty
from casework.services.access import Reporter
from casework.services.assignments import add_implicated, assign, recuse
from casework.services.content import (
    add_note,
    list_messages,
    list_notes,
    post_message,
    reveal_identity,
)
from casework.services.evidence import accept_evidence
from casework.services.reports import ImplicatedInput, NewReport, ReporterInput, lodge_report
from casework.services.transitions import fire_transition
from casework.services.vault import person_index
from casework.services.views import case_view
from tests.factories import Factories


@dataclass
class Written:
    """What a confidential world wrote: its markers and the implicated directory person."""

    words: dict[str, str]
    person_id: int
    case_id: int
    reference: str

    @property
    def all(self) -> list[str]:
        """Every marker written."""
        return list(self.words.values())


def write_confidential_world(scratch, marker) -> Written:
    """Write a unique marker through every service that takes confidential words; commit each."""
    words = {name: marker() for name in (
        "summary", "details", "name", "email", "implicated", "note", "reporter_message",
        "handler_message", "attachment_bytes", "attachment_name", "recusal", "assess_reason",
        "findings_reason", "action", "feedback", "reveal_reason", "added_implicated")}
    words["phone"] = "+44" + "".join(str(b % 10) for b in bytes.fromhex(marker()[3:]))[:12]
    with scratch.make() as make:
        chief = make.person("Chief Executive", roles=("chief_executive",))
        lodged = lodge_report(make.ctx, NewReport(
            route="disclosure", category="policy_breach", summary=words["summary"],
            details=f"It began with {words['details']} last year.", anonymous=False,
            reporter=ReporterInput(name=words["name"], email=f"{words['email']}@example.org",
                                   phone=words["phone"]),
            implicated=(ImplicatedInput(person_id=chief),
                        ImplicatedInput(name=words["implicated"], role="Clerk"))))
        ref, queue, case_id = lodged.reference, lodged.case.queue, lodged.case.id
        boss = _boss(make, queue)
        other = _boss(make, queue)
    with scratch.ctx() as ctx:
        add_note(ctx, boss, ref, f"note: {words['note']}")
        post_message(ctx, Reporter(case_id), None, words["reporter_message"])
        post_message(ctx, boss, ref, words["handler_message"])
        accept_evidence(ctx, Reporter(case_id), None, f"{words['attachment_name']}.txt",
                       b"%PDF " + words["attachment_bytes"].encode() + b" end")
        add_implicated(ctx, boss, ref, [ImplicatedInput(name=words["added_implicated"])])
        assign(ctx, boss, ref, other.user_id, "handler")
    with scratch.ctx() as ctx:
        recuse(ctx, other, ref, f"my cousin: {words['recusal']}")
        reveal_identity(ctx, boss, ref, words["reveal_reason"])
    for key, fields in (("acknowledge", {}),
                        ("accept_for_investigation", {"protected": True,
                                                      "reason": words["assess_reason"]}),
                        ("record_findings", {"finding": "substantiated",
                                             "reason": words["findings_reason"]}),
                        ("record_action", {"action": words["action"]}),
                        ("give_feedback", {"message": words["feedback"]})):
        with scratch.ctx() as ctx:
            fire_transition(ctx, boss, ref, key, None, fields)
    return Written(words, chief, case_id, ref)


def _boss(make: Factories, queue: str):
    return make.staff(roles=("intake", "investigator", "decision_maker"), queues=(queue,))


def dump_every_column(engine: Engine) -> bytes:
    """Every value of every column of every table, as bytes (bytea as raw bytes and as hex)."""
    parts = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if engine.dialect.name == "postgresql":
                rows = conn.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" t'))
                parts += [row[0].encode() for row in rows]
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        parts.append(bytes(value))
                    elif value is not None:
                        parts.append(json.dumps(value, default=str).encode())
                        parts.append(str(value).encode())
    return b"\n".join(parts)


def test_the_markers_really_were_stored_and_readable(scratch, markers):
    """The control: the world writes words the services can read back, so absence means sealed."""
    written = write_confidential_world(scratch, markers)
    words, ref = written.words, written.reference
    with scratch.ctx() as ctx:
        boss = Factories(ctx).staff(roles=("intake",), queues=("monitoring_officer",))
        view = case_view(ctx, boss, ref)
        notes = list_notes(ctx, boss, ref)
        messages = list_messages(ctx, boss, ref)
        identity = reveal_identity(ctx, boss, ref, "to check the control")
    assert (view.summary, view.queue) == (words["summary"], "monitoring_officer")
    assert words["details"] in view.details
    assert {d["name"] for d in view.implicated} >= {words["implicated"],
                                                    words["added_implicated"]}
    assert notes[0].body == f"note: {words['note']}"
    assert [m.body for m in messages] == [words["reporter_message"], words["handler_message"]]
    assert (identity["name"], identity["phone"]) == (words["name"], words["phone"])


def test_a_dump_of_every_column_holds_none_of_the_markers(scratch, markers, find_leaks):
    written = write_confidential_world(scratch, markers)
    dump = dump_every_column(scratch.engine)
    assert len(dump) > 10_000  # the dump really has the data in it
    assert find_leaks(dump, written.all) == []


def test_the_sqlite_file_wal_and_shm_hold_none_of_the_markers(sqlite_scratch, markers,
                                                               find_leaks):
    written = write_confidential_world(sqlite_scratch, markers)
    db = Path(sqlite_scratch.engine.url.database)
    files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    assert files[1].exists() and files[1].stat().st_size > 0  # the WAL holds recent writes
    for path in files:
        assert find_leaks(path.read_bytes(), written.all) == [], path
    sqlite_scratch.engine.dispose()  # last connection closes: the WAL is checkpointed
    assert find_leaks(db.read_bytes(), written.all) == []


def test_the_scans_would_see_a_marker_written_in_clear(sqlite_scratch, markers,
                                                            find_leaks):
    """The control for both scans: a word stored in a clear column is found."""
    word = markers()
    with sqlite_scratch.make() as make:
        make.person(name=word)  # the directory is not confidential: names are in clear
    db = Path(sqlite_scratch.engine.url.database)
    raw = db.read_bytes() + db.with_name(db.name + "-wal").read_bytes()
    assert find_leaks(raw, [word]) == [word]
    assert find_leaks(dump_every_column(sqlite_scratch.engine), [word]) == [word]


def test_an_implicated_directory_person_cannot_be_linked_without_the_key(scratch, markers):
    written = write_confidential_world(scratch, markers)
    with scratch.ctx() as ctx:
        parties = ctx.session.execute(select(CaseParty).where(
            CaseParty.case_id == written.case_id)).scalars().all()
        person_ids = [r[0] for r in ctx.session.execute(text("SELECT id FROM people"))]
    indexes = [p.person_index for p in parties if p.person_index]
    assert len(indexes) == 1 and {p.kind for p in parties} == {"implicated", "reporter"}
    index = indexes[0]
    # With the key outside the database the link is there ...
    assert index == person_index(scratch.runtime.keyring, written.person_id)
    # ... without it, no guess from the directory's ids reproduces the stored value.
    for pid in person_ids:
        for guess in _unkeyed_guesses(pid):
            assert guess != index
    clear = b"".join(bytes(p.details_ct or b"") for p in parties)
    assert b"person_id" not in clear
    assert set(CaseParty.__table__.columns.keys()) == {
        "id", "case_id", "kind", "person_index", "details_ct"}, \
        "a new case_parties column must be checked: it must not hold a person id in clear"


def _unkeyed_guesses(pid: int) -> list[str]:
    raw = str(pid).encode()
    return [str(pid), raw.hex(), hashlib.sha256(raw).hexdigest(), hashlib.md5(raw).hexdigest(),
            hashlib.sha1(raw).hexdigest(),
            hmac.new(b"\0" * 32, b"\0\0\0\x06person" + raw, hashlib.sha256).hexdigest(),
            hmac.new(b"", b"\0\0\0\x06person" + raw, hashlib.sha256).hexdigest()]
