"""Adding evidence: every upload path (report form, the reporter's page, the API) comes here.

The file is size-checked, then checked and cleaned by casework.evidence (the type allow-list,
by name and by content; metadata removed; bounded work), then sealed under the case key. The
answer says what was removed and what may remain, so each page can tell the uploader.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import BinaryIO

from casework.evidence import Cleaned, Refused, clean
from casework.i18n import _
from casework.models import Attachment, Case
from casework.services import handoff, inbox
from casework.services.access import Action, Actor, Reporter, open_case
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Invalid, TooLarge

MAX_ATTACHMENT = 20 * 1024 * 1024
MAX_NAME = 255


@dataclass(frozen=True)
class StoredAttachment:
    """What the uploader is told: id, name, size and digest of what was stored, and in plain
    words what was removed from it and what it may still hold."""

    id: int
    filename: str
    size: int
    sha256: str
    removed: str
    kept: str | None = None


def accept_evidence(ctx: Context, actor: Actor, reference: str | None, filename: str,
                   data: bytes | BinaryIO) -> StoredAttachment:
    """Check, clean and seal one file of evidence (bytes, or a seekable binary stream)."""
    case = open_case(ctx, actor, reference, Action.ADD_EVIDENCE)
    handoff.refuse_once_handed_over(ctx, case)
    name = _name(filename)
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    _check_size(stream, name)
    try:
        cleaned = clean(name, stream)
    except Refused as exc:
        raise Invalid(_("%(name)s was not stored. %(why)s", name=name, why=exc),
                      {"file": str(exc)}) from exc
    stored = _seal(ctx, actor, case, name, cleaned)
    del cleaned  # only the sealed copy is in memory when the audit event flushes the row
    ctx.audit(Kind.ATTACHMENT_ADD, actor.label, case_id=case.id, attachment=stored.id)
    if isinstance(actor, Reporter):
        inbox.tell_case(ctx, case, "reporter_evidence", f"attachment:{stored.id}")
    return stored


def _seal(ctx: Context, actor: Actor, case: Case, name: str, cleaned: Cleaned
          ) -> StoredAttachment:
    """A new attachment row holding the cleaned bytes and their name, sealed."""
    digest = hashlib.sha256(cleaned.data).hexdigest()
    is_reporter = isinstance(actor, Reporter)
    row = Attachment(case_id=case.id, uploaded_by="reporter" if is_reporter else "staff",
                     author_id=None if is_reporter else actor.user_id, at=ctx.now,
                     size=len(cleaned.data))
    ctx.session.add(row)
    ctx.session.flush()
    vault = ctx.vault(case)
    row.meta_ct = vault.seal_json("attachment-meta", row.id, {
        "filename": name, "content_type": cleaned.content_type, "sha256": digest})
    row.content_ct = vault.seal("attachment", row.id, cleaned.data)
    return StoredAttachment(row.id, name, row.size, digest, cleaned.removed, cleaned.kept)


def _name(filename: str | None) -> str:
    """The file's name as sent (its extension says what kind of file it claims to be)."""
    name = (filename or "").strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(_("Please send the file with its name (up to 255 characters), such as "
                        "photo.jpg."), {"file": _("a name with its extension is required")})
    return name


def _check_size(stream: BinaryIO, name: str) -> None:
    """Refuse an empty file, or one over MAX_ATTACHMENT, before any of it is read."""
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    if not size:
        raise Invalid(_("%(name)s is empty.", name=name), {"file": _("empty")})
    if size > MAX_ATTACHMENT:
        limit = _("at most %(size)s MB", size=MAX_ATTACHMENT // (1024 * 1024))
        raise TooLarge(_("%(name)s is too large: a file must be %(limit)s.", name=name,
                         limit=limit), {"file": limit})
