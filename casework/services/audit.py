"""The audit trail: a fixed vocabulary, an append-only hash chain, and its verification."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from casework.crypto.keys import Keyring
from casework.i18n import _, _l
from casework.models import AuditEvent, AuditHead

GENESIS = "0" * 64
UNSEALED = _l("is the chain head, which carries no seal (written before seals, or cleared): "
              "check it against a checkpoint, then run `casework audit seal`")
FORGED = _l("is the chain head, whose seal does not match: the head was rewritten without the "
            "key")
CHECKPOINT_FORMAT = "casework-audit-checkpoint/1"


class Kind(StrEnum):
    """What can be audited, tagged source:subject:action."""

    CASE_LODGE = "case:report:lodge"
    CASE_VIEW = "case:content:read"
    CASE_ROUTE = "case:routing:decide"
    CASE_TRANSITION = "case:transition:fire"
    CASE_ASSIGN = "case:assignment:add"
    CASE_RECUSE = "case:recusal:declare"
    NOTE_ADD = "case:note:add"
    NOTE_READ = "case:note:read"
    MESSAGE_ADD = "case:message:add"
    MESSAGE_READ = "case:message:read"
    ATTACHMENT_ADD = "case:attachment:add"
    ATTACHMENT_READ = "case:attachment:read"
    IDENTITY_REVEAL = "case:identity:reveal"
    IDENTITY_REFUSED = "case:identity:refuse"
    ACCESS_REFUSED = "case:access:refuse"
    CASE_FALLBACK = "case:queue:fallback"
    CASE_HANDOFF = "case:handoff:external"
    CASE_EXPORT = "case:file:export"
    CASE_FILE = "case:file:pdf"
    REPORTER_CONTACT_USED = "case:identity:contact"
    RECORD_DAMAGED = "case:record:damaged"
    CLOCK_CHANGE = "case:clock:change"
    CHECKIN_ANSWER = "case:checkin:answer"
    CASE_TRIAGE = "case:triage:apply"
    CASE_LINK = "case:link:add"
    HOLD_PLACE = "case:hold:place"
    HOLD_LIFT = "case:hold:lift"
    REFERRAL_RECORD = "case:referral:record"
    CASE_ESCALATE = "case:escalate:immediate"
    SUPPORT_NAMED = "case:support:name"
    NAME_MATCH = "case:implicated:match"
    CASE_TITLE = "case:title:set"
    CASE_SEARCH = "case:list:search"
    CASE_LIST_EXPORT = "case:list:export"
    REPORTER_LOGIN = "auth:reporter:login"
    REPORTER_LOGIN_FAIL = "auth:reporter:fail"
    LOGIN = "auth:login"
    LOGIN_FAIL = "auth:login:fail"
    LOGOUT = "auth:logout"
    OIDC_LINK = "auth:oidc:link"
    ENROL = "auth:enrol"
    ENROL_FAIL = "auth:enrol:fail"
    USER_CREATE = "admin:user:create"
    USER_INVITE = "admin:user:invite"
    USER_ACCESS = "admin:user:access"
    USER_DEACTIVATE = "admin:user:deactivate"
    INVITATION_ISSUE = "admin:invitation:issue"
    GRANT_REQUEST = "admin:grant:request"
    GRANT_APPROVE = "admin:grant:approve"
    GRANT_REFUSE = "admin:grant:refuse"
    GRANT_WITHDRAW = "admin:grant:withdraw"
    PERSON_CREATE = "admin:person:create"
    PERSON_UPDATE = "admin:person:update"
    EXPORT = "stats:export"
    KEYS_ROTATE = "keys:rotate"
    KEYS_REKEY = "keys:rekey"
    RETENTION_PURGE = "retention:purge"
    AUDIT_VERIFY = "audit:verify"
    AUDIT_READ = "audit:events:read"
    AUDIT_EXPORT = "audit:events:export"
    REMINDERS_SENT = "notify:reminders:send"


#: Events that stay on the record when the request around them is refused and undone: reads
#: (the content was shown), failed sign-ins and refusals (the attempt happened).
KEPT = frozenset({Kind.CASE_VIEW, Kind.NOTE_READ, Kind.MESSAGE_READ, Kind.ATTACHMENT_READ,
                  Kind.RECORD_DAMAGED, Kind.IDENTITY_REFUSED, Kind.ACCESS_REFUSED,
                  Kind.LOGIN_FAIL, Kind.REPORTER_LOGIN_FAIL, Kind.ENROL_FAIL,
                  Kind.AUDIT_VERIFY, Kind.AUDIT_READ, Kind.AUDIT_EXPORT, Kind.CASE_SEARCH,
                  Kind.CASE_LIST_EXPORT})


def _canonical(seq: int, at: datetime, kind: str, actor: str, case_id: int | None,
               details: dict) -> bytes:
    body = {"seq": seq, "at": at.isoformat(timespec="microseconds"), "kind": kind,
            "actor": actor, "case": case_id, "details": details}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def event_hash(key: bytes, prev_hash: str, event: AuditEvent) -> str:
    """The keyed hash (HMAC-SHA256) chaining an event to the one before it. The key lives
    outside the database, so someone who can only write to the database cannot rebuild the
    chain after changing it."""
    content = _canonical(event.seq, event.at, event.kind, event.actor, event.case_id,
                         event.details)
    return hmac.new(key, prev_hash.encode() + content, hashlib.sha256).hexdigest()


def chain_key(keyring: Keyring) -> bytes:
    """The audit chain's key, derived from the out-of-database index key."""
    return keyring.derive("audit-chain")


def _head(session: Session) -> AuditHead:
    """The chain head, locked for this transaction so appends are serialised across processes."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # The first append ever creates the head; two first appends must not both try.
    session.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS)
                    .on_conflict_do_nothing(index_elements=[AuditHead.id]))
    return session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()


def head_seal(key: bytes, seq: int, last_hash: str) -> str:
    """The head's seal: an HMAC of its sequence number and hash under the chain key, which is
    outside the database. Without the key nobody can rewind the head to an earlier event (to
    hide the newest events after deleting them), because the earlier head's seal was never
    stored anywhere."""
    return hmac.new(key, f"audit-head:{seq}:{last_hash}".encode(), hashlib.sha256).hexdigest()


def _sealed(key: bytes, seq: int, last_hash: str, seal: str | None) -> bool:
    return seal is not None and hmac.compare_digest(seal, head_seal(key, seq, last_hash))


def record(session: Session, key: bytes, kind: Kind, actor: str, at: datetime, /, *,
           case_id: int | None = None, **details: object) -> AuditEvent:
    """Append one event. Details must be non-confidential facts (ids, keys, counts), never words.

    The new head is sealed only if the head it follows was (or the trail is new): an append
    never launders a head rewritten without the key; `casework audit seal` is the one way to
    seal an unsealed head, after the chain verifies."""
    head = _head(session)
    carry = (head.seq == 0 and head.hash == GENESIS) or _sealed(key, head.seq, head.hash,
                                                                 head.seal)
    at = at.astimezone(UTC) if at.tzinfo is not None else at  # hashed as it will read back
    event = AuditEvent(seq=head.seq + 1, at=at, kind=str(kind),
                       actor=actor, case_id=case_id, details=dict(details), prev_hash=head.hash,
                       hash="")
    event.hash = event_hash(key, head.hash, event)
    head.seq, head.hash = event.seq, event.hash
    head.seal = head_seal(key, event.seq, event.hash) if carry else None
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class Verification:
    """The result of walking the chain."""

    ok: bool
    events: int
    first_bad: int | None = None
    problem: str | None = None


def verify(session: Session, key: bytes, batch: int = 5000, *,
           sealed: bool = True) -> Verification:
    """Walk the chain in order; name the first event whose hash, link or sequence is wrong,
    and check the head's seal (unless `sealed` is False, to seal a head that has none).

    Rows are read as plain rows, never as ORM objects: the caller's session keeps its objects
    (nothing is expunged) and an event already in its identity map is still read from the
    database. Events appended while the walk runs are walked too, not taken for tampering.
    """
    table = AuditEvent.__table__
    prev, expected_seq, count, last_id = GENESIS, 1, 0, None
    while True:
        after = true() if last_id is None else table.c.id > last_id  # ids below 1 count too
        rows = session.execute(select(table).where(after)
                               .order_by(table.c.id).limit(batch)).all()
        for event in rows:
            problem = None
            if event.seq != expected_seq:
                problem = _("sequence %(seq)s where %(expected)s was expected",
                            seq=event.seq, expected=expected_seq)
            elif event.prev_hash != prev:
                problem = _("does not link to the event before it")
            elif event_hash(key, prev, event) != event.hash:
                problem = _("content does not match its hash")
            if problem:
                return Verification(False, count, event.seq, problem)
            prev, expected_seq, count, last_id = event.hash, expected_seq + 1, count + 1, event.id
        if len(rows) == batch:
            continue
        verdict = _against_head(session, key if sealed else None, count, prev, last_id)
        if verdict is not None:
            return verdict


def _against_head(session: Session, key: bytes | None, count: int, last_hash: str,
                  last_id: int | None) -> Verification | None:
    """Compare the walked chain with its head (and the head with its seal, given the key);
    None if events were appended meanwhile."""
    table = AuditEvent.__table__
    head = session.execute(select(AuditHead.seq, AuditHead.hash, AuditHead.seal)
                           .where(AuditHead.id == 1)).first()
    head_seq, head_hash, seal = head if head is not None else (0, GENESIS, None)
    if head_seq == count and head_hash == last_hash:
        if key is None or count == 0 or _sealed(key, head_seq, head_hash, seal):
            return Verification(True, count)
        return Verification(False, count, count, str(UNSEALED if seal is None else FORGED))
    if head_seq < count:  # an append always moves the head in the same transaction
        return Verification(False, head_seq, head_seq + 1,
                            _("is not covered by the chain head: added outside the trail"))
    if head_seq == count:
        return Verification(False, count - 1, count, _("does not match the chain head"))
    after = true() if last_id is None else table.c.id > last_id
    if session.execute(select(table.c.id).where(after).limit(1)).first():
        return None  # appended while we walked: walk those too
    return Verification(False, count, count + 1, _("events after the last one were deleted"))


def seal(session: Session, key: bytes) -> Verification:
    """Seal the head of a chain that verifies (for a trail from before seals, once it has
    been checked against a checkpoint); the chain's verdict either way."""
    result = verify(session, key, sealed=False)
    if result.ok and result.events:
        head = _head(session)
        head.seal = head_seal(key, head.seq, head.hash)
        session.flush()
    return result


def _checkpoint_mac(key: bytes, body: dict) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, b"audit-checkpoint:" + text.encode(), hashlib.sha256).hexdigest()


def checkpoint(session: Session, key: bytes, now: datetime) -> tuple[Verification, dict | None]:
    """The head as a signed document to keep outside the database (another machine, or a
    mailbox), if the chain verifies: a later `verify_checkpoint` proves nothing after it was
    removed. The signature is an HMAC under the chain key: only this installation's key makes
    or checks one, and the document holds no secret."""
    result = verify(session, key)
    if not result.ok:
        return result, None
    head = session.execute(select(AuditHead.seq, AuditHead.hash)
                           .where(AuditHead.id == 1)).first()
    seq, last_hash = head if head is not None else (0, GENESIS)
    body = {"format": CHECKPOINT_FORMAT, "seq": seq, "hash": last_hash,
            "at": now.astimezone(UTC).isoformat(timespec="seconds")}
    return result, {**body, "mac": _checkpoint_mac(key, body)}


def verify_checkpoint(session: Session, key: bytes, document: object) -> str | None:
    """What is wrong with the trail measured against a checkpoint, or None: the checkpoint
    must be this installation's, and its event must still be in the trail, unchanged. (Run
    after `verify`, which checks everything from the first event to the head.)"""
    if not isinstance(document, dict) or document.get("format") != CHECKPOINT_FORMAT:
        return _("is not an audit checkpoint")
    body = {k: v for k, v in document.items() if k != "mac"}
    mac = document.get("mac")
    if not isinstance(mac, str) or not hmac.compare_digest(mac, _checkpoint_mac(key, body)):
        return _("is not signed by this installation's key (or was changed)")
    seq, last_hash = body.get("seq"), body.get("hash")
    if not isinstance(seq, int) or seq == 0:
        return None  # taken when the trail was empty: nothing to find
    table = AuditEvent.__table__
    found = session.execute(select(table.c.hash).where(table.c.seq == seq)).first()
    head = session.execute(select(AuditHead.seq).where(AuditHead.id == 1)).scalar()
    if found is None:
        return _("names event %(seq)s (at %(at)s), which is no longer in the trail (it now "
                 "ends at event %(head)s): events were removed", seq=seq, at=body.get("at"),
                 head=head or 0)
    if found.hash != last_hash:
        return _("names event %(seq)s, which the trail now holds with other content: rewritten",
                 seq=seq)
    return None
