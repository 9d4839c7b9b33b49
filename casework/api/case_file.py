"""The case file (PDF) over the API: the same choice, redaction, renderer and audit as the
case file page (casework.services.casefile, casework.web.staff_casefile)."""

from __future__ import annotations

import io
from typing import Literal

from flask import send_file
from pydantic import Field

from casework.api import api, staff
from casework.api.schemas import Schema
from casework.api.spec import operation
from casework.services.casefile import FileChoice, make_case_file
from casework.web.edge import context
from casework.web.staff_casefile import render_file

TAG = ("cases",)


class CaseFileIn(Schema):
    #: Whom the file is for: its cover says so.
    purpose: Literal["tribunal", "ombudsman", "recipient", "other"] = "tribunal"
    #: The ids of the notes and messages to include (none unless listed).
    notes: list[int] = Field(default_factory=list, max_length=10_000)
    messages: list[int] = Field(default_factory=list, max_length=10_000)
    #: What to withhold; the default withholds all three.
    redact: list[Literal["identity", "names", "notes"]] = Field(
        default_factory=lambda: ["identity", "names", "notes"], max_length=3)
    #: Required to give the reporter's identity (not withheld): a reveal, audited.
    identity_reason: str | None = Field(default=None, max_length=2000)


@operation(api, "POST", "/cases/{ref}/file",
           "The case file as a PDF for a body outside the organisation: the chosen notes and "
           "messages, evidence digests and the case's audit trail, redacted as asked and "
           "watermarked with who made it and when (handlers only; the export is audited)",
           auth="staff", body=CaseFileIn, errors=(403, 404), tags=TAG,
           media="application/pdf")
def case_file(ref: str, body: CaseFileIn):
    made = make_case_file(context(), staff(), ref, FileChoice(
        purpose=body.purpose, notes=frozenset(body.notes), messages=frozenset(body.messages),
        redact=frozenset(body.redact), identity_reason=body.identity_reason), render_file)
    return send_file(io.BytesIO(made.data), mimetype="application/pdf", as_attachment=True,
                     download_name=made.filename, conditional=False, etag=False, max_age=0)
