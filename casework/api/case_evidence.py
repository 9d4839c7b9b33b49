"""Staff endpoints for a case's evidence: the list, and each file (its download audited)."""

from __future__ import annotations

import io

from flask import send_file

from casework.api import api, staff
from casework.api.schemas import CaseAttachmentOut
from casework.api.spec import operation
from casework.i18n import _
from casework.services.casepage import list_attachments
from casework.services.content import read_attachment
from casework.services.inputs import path_id
from casework.web.edge import context

TAG = ("cases",)


@operation(api, "GET", "/cases/{ref}/attachments", "The case's evidence (names, sizes, digests)",
           auth="staff", response=CaseAttachmentOut, many=True, errors=(403, 404), tags=TAG)
def attachments_index(ref: str):
    return [{"id": a.id, "filename": a.filename, "size": a.size, "sha256": a.sha256,
             "at": a.at, "from": a.uploaded_by} for a in list_attachments(context(), staff(), ref)]


@operation(api, "GET", "/cases/{ref}/attachments/{id}",
           "One file of evidence, as stored after cleaning (the download is audited)",
           auth="staff", errors=(403, 404), tags=TAG, media="application/octet-stream")
def attachment_file(ref: str, id: str):  # noqa: A002  (the path's name)
    number = path_id(id, _("There is no such file on this case."))
    meta, data = read_attachment(context(), staff(), ref, number)
    return send_file(io.BytesIO(data), mimetype="application/octet-stream", as_attachment=True,
                     download_name=meta.get("filename") or f"evidence-{id}", conditional=False,
                     etag=False, max_age=0)
