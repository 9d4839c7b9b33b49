"""The case file: everything recorded on one case, in one zip, for a hand-over to a body
outside the organisation. The reporter's identity is never in it."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass

from sqlalchemy import select

from casework.models import Attachment, Case, Message, Note, User
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.decisions import decisions
from casework.services.errors import NotFound
from casework.services.events import add_event
from casework.services.reports import answers_in_words
from casework.services.views import timeline

SAFE = re.compile(r"[^\w.\- ]")  # a file name inside the zip never names a folder
IDENTITY_NOTE = ("The reporter's identity is not in this file. It is protected by law and "
                 "policy; it may be shared only with the reporter's consent or as the law "
                 "requires, through the organisation.")


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
        raise NotFound("There is no case of that reference handed to an outside recipient.")
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


def _zip(ctx: Context, case: Case, recipient: str) -> bytes:
    vault = ctx.vault(case)
    content = vault.open_json("case", case.id, case.content_ct) if case.content_ct else {}
    routing = vault.open_json("routing", case.id, case.routing_ct) if case.routing_ct else {}
    names = dict(ctx.session.execute(select(User.id, User.name)).all())
    record = {
        "reference": case.reference, "for": recipient, "route": case.route,
        "category": case.category, "state": case.state, "outcome": case.outcome,
        "opened_at": case.opened_at.isoformat(), "department": case.department,
        "reporter": {"anonymous": case.anonymous, "note": IDENTITY_NOTE},
        "report": {"summary": content.get("summary"), "details": content.get("details"),
                   "occurred_on": content.get("occurred_on"),
                   "answers": answers_in_words(ctx, content)},
        "routing_reasons": routing.get("reasons", []),
        "decisions": [d.as_dict() | {"at": d.at.isoformat()} for d in decisions(ctx, case)],
        "timeline": [{"at": t["at"].isoformat(), "what": t["label"], "by": t["by"]}
                     for t in timeline(ctx, case)],
        "notes": [{"at": n.at.isoformat(), "by": names.get(n.author_id),
                   "text": vault.open("note", n.id, n.body_ct)}
                  for n in _rows(ctx, Note, case)],
        "messages": [{"at": m.at.isoformat(), "from": m.sender,
                      "text": vault.open("message", m.id, m.body_ct)}
                     for m in _rows(ctx, Message, case)],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        files = []
        for row in _rows(ctx, Attachment, case):
            meta = vault.open_json("attachment-meta", row.id, row.meta_ct)
            path = f"evidence/{row.id}-{SAFE.sub('_', meta['filename'])[:120]}"
            target.writestr(path, vault.open_bytes("attachment", row.id, row.content_ct))
            files.append({"file": path, "sha256": meta.get("sha256"), "from": row.uploaded_by})
        record["evidence"] = files
        target.writestr("case.json", json.dumps(record, indent=2, default=str))
    return out.getvalue()


def _rows(ctx: Context, model, case: Case) -> list:
    return list(ctx.session.execute(select(model).where(model.case_id == case.id)
                                    .order_by(model.id)).scalars())
