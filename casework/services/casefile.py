"""The case file: everything recorded on one case, for a body outside the organisation.

One record (`case_record`) decides what a case file holds; two outputs are built from it:
- the operator's hand-over zip (`export_for_hand_over`, the CLI), for a case handed to an
  outside recipient: the record as JSON and the evidence files; the reporter's identity is
  never in it;
- the handler's case file (`make_case_file`, the case page and the API), for a tribunal, an
  ombudsman or the outside recipient: the record with the notes and messages the handler
  chose, the evidence listed with its SHA-256 digests and the case's audit trail, redacted as
  the handler chose (the stored case is never changed), rendered to PDF by the caller's
  renderer and audited with the digest of what was made.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from casework.crypto.envelope import DamagedRecord
from casework.i18n import _, _l
from casework.models import Attachment, AuditEvent, Case, CaseParty, Message, Note, Person, User
from casework.services.access import Action, Staff, may, open_case
from casework.services.audit import Kind
from casework.services.content import DAMAGED, list_messages, list_notes, reveal_identity
from casework.services.context import Context
from casework.services.decisions import decisions
from casework.services.errors import Invalid, NotFound
from casework.services.events import add_event
from casework.services.reports import answers_in_words
from casework.services.routing import party_details
from casework.services.vault import KeyDestroyed
from casework.services.views import implicated_people, timeline

SAFE = re.compile(r"[^\w.\- ]")  # a file name inside the zip never names a folder
IDENTITY_NOTE = _l("The reporter's identity is not in this file. It is protected by law and "
                   "policy; it may be shared only with the reporter's consent or as the law "
                   "requires, through the organisation.")
#: Whom a handler's case file is for (its cover says so; the audit keeps the key).
PURPOSES = {"tribunal": _l("A tribunal or court"),
            "ombudsman": _l("An ombudsman or regulator"),
            "recipient": _l("The body outside the organisation the case was handed to"),
            "other": _l("Another body outside the organisation")}
#: What a handler may withhold from the file (the stored case keeps everything).
REDACTIONS = {"identity": _l("The reporter's identity (their name, email and phone, wherever "
                             "they appear)"),
              "names": _l("The names of people (those implicated, colleagues, anyone in the "
                          "directory), wherever they appear"),
              "notes": _l("The text of the confidential notes chosen (each stays listed, with "
                          "its date)")}
#: What stands in the file for what is withheld (in the language the file is made in).
WITHHELD_NAME = _l("[name withheld]")
WITHHELD_IDENTITY = _l("[reporter's identity withheld]")
WITHHELD_NOTE = _l("[the text of this note is withheld]")
#: Name parts this short are left alone (they would blank ordinary words).
SHORTEST_PART = 3


@dataclass(frozen=True)
class CaseFile:
    """The zip's bytes, its digest and the recipient it was made for."""

    data: bytes
    sha256: str
    recipient: str


def handed_over(ctx: Context, reference: str) -> Case:
    """A case handed to a recipient outside the organisation (only those are exported: the
    operator's export is for the hand-over, not a way round the access policy)."""
    recipients = {k for k, q in ctx.runtime.pack.queues.items() if q.recipient}
    case = ctx.session.execute(select(Case).where(
        Case.reference == (reference or "").strip().upper(), Case.purged_at.is_(None),
        Case.queue.in_(sorted(recipients)))).scalar_one_or_none()
    if case is None:
        raise NotFound(_("There is no case of that reference handed to an outside recipient."))
    return case


def export_for_hand_over(ctx: Context, reference: str) -> CaseFile:
    """Build the case file of a handed-over case; the export is recorded and audited."""
    case = handed_over(ctx, reference)
    recipient = ctx.runtime.pack.queues[case.queue].recipient or ""
    data = _zip(ctx, case, recipient)
    digest = hashlib.sha256(data).hexdigest()
    add_event(ctx, case, "case_exported", facts={"sha256": digest, "recipient": recipient})
    ctx.audit(Kind.CASE_EXPORT, "cli", case_id=case.id, sha256=digest)
    return CaseFile(data, digest, recipient)


def case_record(ctx: Context, case: Case, reader: str = "cli") -> dict:
    """What every case file holds of a case, whoever it is for (a system read: the caller
    audits the export). Notes and messages carry their ids so a handler can choose among
    them; the evidence is listed with its digests, not its bytes."""
    vault = ctx.vault(case)
    content = vault.open_json("case", case.id, case.content_ct) if case.content_ct else {}
    routing = vault.open_json("routing", case.id, case.routing_ct) if case.routing_ct else {}
    names = dict(ctx.session.execute(select(User.id, User.name)).all())
    return {
        "reference": case.reference, "route": case.route,
        "category": case.category, "state": case.state, "outcome": case.outcome,
        "opened_at": case.opened_at.isoformat(), "department": case.department,
        "reporter": {"anonymous": case.anonymous, "note": str(IDENTITY_NOTE)},
        "report": {"summary": content.get("summary"), "details": content.get("details"),
                   "occurred_on": content.get("occurred_on"),
                   "answers": answers_in_words(ctx, content)},
        "routing_reasons": routing.get("reasons", []),
        "decisions": [d.as_dict() | {"at": d.at.isoformat()} for d in decisions(ctx, case)],
        "timeline": [{"at": t["at"].isoformat(), "what": t["label"], "by": t["by"]}
                     for t in timeline(ctx, case)],
        "implicated": [{"name": p["name"], "position": p["position"]}
                       for p in implicated_people(ctx, reader, case)],
        "notes": [{"id": n.id, "at": n.at.isoformat(), "by": names.get(n.author_id),
                   "text": _opened(vault, "note", n.id, n.body_ct)}
                  for n in _rows(ctx, Note, case)],
        "messages": [{"id": m.id, "at": m.at.isoformat(), "from": m.sender,
                      "text": _opened(vault, "message", m.id, m.body_ct)}
                     for m in _rows(ctx, Message, case)],
        "evidence": [_evidence(ctx, case, row) for row in _rows(ctx, Attachment, case)],
    }


def _opened(vault, kind: str, record_id: int, blob: bytes | None) -> str:
    """A sealed text, or the damaged marker (a damaged record never stops the file)."""
    try:
        return vault.open(kind, record_id, blob) if blob is not None else ""
    except (DamagedRecord, KeyDestroyed):
        return DAMAGED


def _evidence(ctx: Context, case: Case, row: Attachment) -> dict:
    try:
        meta = ctx.vault(case).open_json("attachment-meta", row.id, row.meta_ct)
    except (DamagedRecord, KeyDestroyed):
        meta = {"filename": DAMAGED}
    return {"id": row.id, "filename": meta.get("filename"), "sha256": meta.get("sha256"),
            "size": row.size, "from": row.uploaded_by, "at": row.at.isoformat()}


def _zip(ctx: Context, case: Case, recipient: str) -> bytes:
    record = {"for": recipient, **case_record(ctx, case)}
    vault = ctx.vault(case)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        files = []
        for row, listed in zip(_rows(ctx, Attachment, case), record["evidence"], strict=True):
            path = f"evidence/{row.id}-{SAFE.sub('_', listed['filename'])[:120]}"
            target.writestr(path, vault.open_bytes("attachment", row.id, row.content_ct))
            files.append({"file": path, "sha256": listed["sha256"], "from": row.uploaded_by})
        record["evidence"] = files
        target.writestr("case.json", json.dumps(record, indent=2, default=str))
    return out.getvalue()


def _rows(ctx: Context, model, case: Case) -> list:
    return list(ctx.session.execute(select(model).where(model.case_id == case.id)
                                    .order_by(model.id)).scalars())


# --- the handler's case file ------------------------------------------------------------------


@dataclass(frozen=True)
class FileChoice:
    """What a handler puts in a case file: whom it is for, the notes and messages chosen
    (ids), and what is withheld. Withholding the reporter's identity is the default; giving
    it takes a reason, and the policy's leave to reveal it."""

    purpose: str = "tribunal"
    notes: frozenset[int] = frozenset()
    messages: frozenset[int] = frozenset()
    redact: frozenset[str] = frozenset(REDACTIONS)
    identity_reason: str | None = None


@dataclass(frozen=True)
class FileOptions:
    """What the case file form offers: the case's notes and messages to choose from."""

    reference: str
    anonymous: bool
    may_reveal: bool
    notes: list[dict]
    messages: list[dict]


@dataclass
class CaseFileDocument:
    """Everything the PDF shows, already chosen and redacted (the renderer adds nothing of
    the case). `trail` is the case's audit events before this export, oldest first:
    {seq, at, kind, actor}."""

    reference: str
    purpose: str
    exported_by: str
    exported_at: datetime
    redacted: list[str]
    reporter: dict
    record: dict
    trail: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class MadeFile:
    """The PDF, its digest and the name to download it under."""

    data: bytes
    sha256: str
    filename: str


def file_options(ctx: Context, actor: Staff, reference: str) -> FileOptions:
    """The notes and messages a handler may put in the case file (a read of them, audited
    as such)."""
    case = open_case(ctx, actor, reference, Action.EXPORT_FILE)
    return FileOptions(
        case.reference, case.anonymous, Action.REVEAL_IDENTITY in may(ctx, actor, case),
        [{"id": n.id, "at": n.at, "by": n.author, "text": n.body}
         for n in list_notes(ctx, actor, case.reference)],
        [{"id": m.id, "at": m.at, "from": m.sender, "text": m.body}
         for m in list_messages(ctx, actor, case.reference)])


def _checked(ctx: Context, case: Case, choice: FileChoice) -> None:
    problems = {}
    if choice.purpose not in PURPOSES:
        problems["purpose"] = _("must be one of: %(choices)s", choices=", ".join(PURPOSES))
    if not choice.redact <= set(REDACTIONS):
        problems["redact"] = _("may hold only: %(choices)s", choices=", ".join(REDACTIONS))
    for name, model in (("notes", Note), ("messages", Message)):
        ids = set(ctx.session.execute(select(model.id).where(model.case_id == case.id))
                  .scalars())
        if not set(getattr(choice, name)) <= ids:
            problems[name] = _("holds notes that are not on this case") if name == "notes" \
                else _("holds messages that are not on this case")
    if "identity" not in choice.redact and not case.anonymous \
            and not (choice.identity_reason or "").strip():
        problems["identity_reason"] = _("required to give the reporter's identity")
    if problems:
        raise Invalid(_("The case file cannot be made as asked."), problems)


def make_case_file(ctx: Context, actor: Staff, reference: str, choice: FileChoice,
                   render: Callable[[CaseFileDocument], bytes]) -> MadeFile:
    """The handler's case file as a PDF: chosen, redacted, rendered by `render`, and audited
    with its digest and what was chosen. Giving the reporter's identity is a reveal, with
    its reason, exactly as on the case page (403 where the policy does not allow it)."""
    case = open_case(ctx, actor, reference, Action.EXPORT_FILE)
    _checked(ctx, case, choice)
    reporter = {"anonymous": case.anonymous}
    if "identity" not in choice.redact and not case.anonymous:
        reporter = reveal_identity(ctx, actor, case.reference, choice.identity_reason or "")
    record = case_record(ctx, case, actor.label)
    record["notes"] = [n for n in record["notes"] if n["id"] in choice.notes]
    record["messages"] = [m for m in record["messages"] if m["id"] in choice.messages]
    if "notes" in choice.redact:
        record["notes"] = [n | {"text": str(WITHHELD_NOTE)} for n in record["notes"]]
    scrub = _scrubber(ctx, case, choice.redact)
    me = ctx.session.get(User, actor.user_id)
    document = CaseFileDocument(
        reference=case.reference, purpose=str(PURPOSES[choice.purpose]),
        exported_by=me.name if me else actor.label, exported_at=ctx.now,
        redacted=[str(REDACTIONS[r]) for r in REDACTIONS if r in choice.redact],
        reporter=scrub(reporter) if "identity" in choice.redact else reporter,
        record=scrub(record), trail=scrub(_trail(ctx, case)))
    data = render(document)
    digest = hashlib.sha256(data).hexdigest()
    ctx.audit(Kind.CASE_FILE, actor.label, case_id=case.id, sha256=digest,
              purpose=choice.purpose, notes=sorted(choice.notes),
              messages=sorted(choice.messages), redacted=sorted(choice.redact))
    return MadeFile(data, digest, f"case-file-{case.reference}.pdf")


def _trail(ctx: Context, case: Case) -> list[dict]:
    """The case's audit events so far, oldest first, each actor named as the auditor's pages
    name them (an account by its name)."""
    events = list(ctx.session.execute(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                      .order_by(AuditEvent.seq)).scalars())
    ids = {int(e.actor[5:]) for e in events if e.actor.startswith("user:")
           and e.actor[5:].isdigit()}
    names = {f"user:{i}": n for i, n in ctx.session.execute(
        select(User.id, User.name).where(User.id.in_(sorted(ids)))).all()} if ids else {}
    return [{"seq": e.seq, "at": e.at, "kind": e.kind, "actor": names.get(e.actor, e.actor)}
            for e in events]


#: Fields that are the record's own machinery (times, keys, digests, sizes), never words
#: anyone wrote: a name that happens to be "00" or "disclosure" must not rewrite them.
STRUCTURAL = frozenset({"at", "opened_at", "occurred_on", "reference", "route", "state",
                        "category", "outcome", "department", "transition", "kind", "seq", "id",
                        "size", "sha256", "from", "anonymous", "for"})


def _scrubber(ctx: Context, case: Case, redact: frozenset[str]) -> Callable:
    """A function that blanks, in every text of a structure, what is to be withheld (the
    record's machinery, STRUCTURAL, is left as it is)."""
    rules: list[tuple[re.Pattern, str]] = []
    if "identity" in redact and not case.anonymous:
        rules.append((_words(_identity_words(ctx, case)), str(WITHHELD_IDENTITY)))
    if "names" in redact:
        whole, parts = _names(ctx, case)
        rules.append((_words(whole), str(WITHHELD_NAME)))
        rules.append((_words(parts), str(WITHHELD_NAME)))

    def text(value: str) -> str:
        for pattern, instead in rules:
            if pattern.pattern:
                value = pattern.sub(instead, value)
        return value

    def scrub(value):
        if isinstance(value, str):
            return text(value)
        if isinstance(value, dict):
            return {k: v if k in STRUCTURAL else scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [scrub(v) for v in value]
        return value

    return scrub


def _words(items: set[str]) -> re.Pattern:
    """One pattern for whole words or phrases, longest first, any case."""
    kept = sorted({i.strip() for i in items if i and i.strip()}, key=len, reverse=True)
    if not kept:
        return re.compile("")
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(i) for i in kept) + r")(?!\w)",
                      re.IGNORECASE)


def _identity_words(ctx: Context, case: Case) -> set[str]:
    """The reporter's name (and each part of it), email and phone, read to blank them only."""
    try:
        details = party_details(ctx, case, "reporter")
    except (DamagedRecord, KeyDestroyed):
        return set()
    found: set[str] = set()
    for _kind, identity in details:
        name = identity.get("name") or ""
        found |= {name, identity.get("email") or "", identity.get("phone") or ""}
        found |= {p for p in name.split() if len(p) >= SHORTEST_PART}
    return found


def _names(ctx: Context, case: Case) -> tuple[set[str], set[str]]:
    """Every name the file could hold: staff and directory names in full, and each part of
    the names of those on this case (implicated, named by the rules, assigned)."""
    whole = set(ctx.session.execute(select(User.name)).scalars())
    whole |= set(ctx.session.execute(select(Person.name)).scalars())
    vault, own = ctx.vault(case), set()
    for party in ctx.session.execute(select(CaseParty).where(
            CaseParty.case_id == case.id, CaseParty.kind == "implicated")).scalars():
        try:
            details = vault.open_json("party", party.id, party.details_ct) \
                if party.details_ct is not None else {}
        except (DamagedRecord, KeyDestroyed):
            continue
        own.add(details.get("name") or "")
        if details.get("person_id"):
            person = ctx.session.get(Person, details["person_id"])
            own.add(person.name if person else "")
    whole |= own
    parts = {p for name in own for p in name.split() if len(p) >= SHORTEST_PART}
    return whole, parts
