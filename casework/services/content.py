"""Reading and adding confidential content: every read is audited, every write sealed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from casework.crypto.envelope import DamagedRecord
from casework.i18n import _, _l
from casework.models import Attachment, Case, Message, Note, User
from casework.services import handoff, notify
from casework.services.access import Action, Actor, Reporter, Staff, open_case
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Invalid, NotFound, Trace
from casework.services.events import add_event
from casework.services.routing import party_details
from casework.services.shown import ShownText
from casework.services.vault import KeyDestroyed

DAMAGED = ShownText(_l("[this record is damaged and cannot be read]"))
MAX_BODY = 20_000


def open_or_flag(ctx: Context, actor: Actor, case: Case, kind: str, record_id: int,
                 blob: bytes | None, purpose: str = "content") -> str:
    """Decrypt a record; a damaged one is audited and shown as damaged, never a crash."""
    if blob is None:
        return ""
    try:
        return ctx.vault(case).open(kind, record_id, blob, purpose)
    except (DamagedRecord, KeyDestroyed):
        ctx.audit(Kind.RECORD_DAMAGED, actor.label, case_id=case.id, record_kind=kind,
                  record=record_id)
        return DAMAGED


def _text(value: str | None, field: str = "body", limit: int = MAX_BODY) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(_("Please write something."), {field: _("required")})
    if len(text) > limit:
        raise Invalid(_("Too long."), {field: _("must be at most %(limit)s characters",
                                                limit=limit)})
    return text


@dataclass(frozen=True)
class NoteView:
    """A confidential note as shown to handlers."""

    id: int
    author: str
    body: str
    at: datetime


def add_note(ctx: Context, actor: Staff, reference: str, body: str) -> Note:
    """Add a confidential note, sealed under the case key."""
    case = open_case(ctx, actor, reference, Action.ADD_NOTE)
    note = Note(case_id=case.id, author_id=actor.user_id, at=ctx.now)
    text = _text(body)
    ctx.session.add(note)
    ctx.session.flush()
    note.body_ct = ctx.vault(case).seal("note", note.id, text)
    ctx.audit(Kind.NOTE_ADD, actor.label, case_id=case.id, note=note.id)
    return note


@dataclass(frozen=True)
class Window:
    """Which slice of a list to read: oldest first, `size` at a time (None: everything)."""

    page: int = 1
    size: int | None = None

    def apply(self, query):
        """Limit and offset a query ordered oldest first."""
        if self.size is None:
            return query
        return query.limit(self.size).offset((max(self.page, 1) - 1) * self.size)


EVERYTHING = Window()


def list_notes(ctx: Context, actor: Staff, reference: str,
               window: Window = EVERYTHING) -> list[NoteView]:
    """The case's notes, decrypted; the read is audited."""
    case = open_case(ctx, actor, reference, Action.READ_NOTES)
    rows = ctx.session.execute(window.apply(
        select(Note, User.name).join(User, User.id == Note.author_id)
        .where(Note.case_id == case.id).order_by(Note.id))).all()
    ctx.audit(Kind.NOTE_READ, actor.label, case_id=case.id, count=len(rows))
    return [NoteView(n.id, name, open_or_flag(ctx, actor, case, "note", n.id, n.body_ct), n.at)
            for n, name in rows]


@dataclass(frozen=True)
class MessageView:
    """A message between reporter and handlers."""

    id: int
    sender: str  # reporter | handler
    body: str
    at: datetime


def post_message(ctx: Context, actor: Actor, reference: str | None, body: str) -> Message:
    """A message from the reporter to the handlers, or from a handler to the reporter."""
    case = open_case(ctx, actor, reference, Action.SEND_MESSAGE)
    handoff.refuse_once_handed_over(ctx, case)
    is_reporter = isinstance(actor, Reporter)
    text = _text(body)
    message = Message(case_id=case.id, sender="reporter" if is_reporter else "handler",
                      author_id=None if is_reporter else actor.user_id, at=ctx.now)
    ctx.session.add(message)
    ctx.session.flush()
    message.body_ct = ctx.vault(case).seal("message", message.id, text)
    add_event(ctx, case, "message", actor_kind="reporter" if is_reporter else "staff",
              actor_user_id=None if is_reporter else actor.user_id,
              facts={"sender": message.sender})
    ctx.audit(Kind.MESSAGE_ADD, actor.label, case_id=case.id, message=message.id)
    if not is_reporter:
        notify.tell_reporter(ctx, case, f"message:{message.id}")
    return message


def list_messages(ctx: Context, actor: Actor, reference: str | None,
                  window: Window = EVERYTHING) -> list[MessageView]:
    """The conversation with the reporter; the read is audited."""
    case = open_case(ctx, actor, reference, Action.READ_MESSAGES)
    rows = ctx.session.execute(window.apply(select(Message).where(Message.case_id == case.id)
                                            .order_by(Message.id))).scalars().all()
    ctx.audit(Kind.MESSAGE_READ, actor.label, case_id=case.id, count=len(rows))
    return [MessageView(m.id, m.sender, open_or_flag(ctx, actor, case, "message", m.id,
                                                     m.body_ct), m.at) for m in rows]


def reveal_identity(ctx: Context, actor: Staff, reference: str, reason: str) -> dict:
    """The reporter's identity, for those the policy allows, with a sealed reason; audited."""
    case = open_case(ctx, actor, reference, Action.REVEAL_IDENTITY)
    why = _text(reason, "reason", 2000)
    event = add_event(ctx, case, "identity_revealed", actor_kind="staff",
                      actor_user_id=actor.user_id)
    ctx.session.flush()
    event.fields_ct = ctx.vault(case).seal_json("event", event.id, {"reason": why})
    ctx.audit(Kind.IDENTITY_REVEAL, actor.label, case_id=case.id, event=event.id)
    if case.anonymous:
        return {"anonymous": True}
    try:
        details = party_details(ctx, case, "reporter")
    except (DamagedRecord, KeyDestroyed):
        ctx.audit(Kind.RECORD_DAMAGED, actor.label, case_id=case.id, record_kind="party",
                  record=case.id)
        details = [(None, {"name": DAMAGED})]
    identity = details[0][1] if details else {}
    return {"anonymous": False, "name": identity.get("name"), "email": identity.get("email"),
            "phone": identity.get("phone")}


def read_attachment(ctx: Context, actor: Staff, reference: str, attachment_id: int
                    ) -> tuple[dict, bytes]:
    """Download evidence (name, type and bytes); audited."""
    case = open_case(ctx, actor, reference, Action.READ_EVIDENCE)
    row = ctx.session.get(Attachment, attachment_id)
    if row is None or row.case_id != case.id:
        raise NotFound(_("There is no such file on this case."))
    vault = ctx.vault(case)
    try:
        meta = vault.open_json("attachment-meta", row.id, row.meta_ct)
        data = vault.open_bytes("attachment", row.id, row.content_ct)
    except (DamagedRecord, KeyDestroyed) as exc:
        raise NotFound(_("This file is damaged and cannot be read."), trace=Trace(
            Kind.RECORD_DAMAGED, actor.label, case.id,
            {"record_kind": "attachment", "record": row.id})) from exc
    ctx.audit(Kind.ATTACHMENT_READ, actor.label, case_id=case.id, attachment=row.id)
    return meta, data
