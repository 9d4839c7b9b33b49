"""The staff inbox (docs/API.md: `GET /inbox`, `POST /inbox/{id}/read`): what needs the
caller's attention, only about cases the access policy lets them open."""

from __future__ import annotations

from dataclasses import asdict

from casework.api import api, staff
from casework.api.schemas import InboxItemOut, InboxQuery
from casework.api.spec import operation
from casework.services import inbox
from casework.services.inputs import path_id
from casework.web.edge import context

TAG = ("inbox",)


@operation(api, "GET", "/inbox", "What needs your attention, newest first (at most 200): new "
           "reports in your queues, reporter messages and evidence, assignments, requests "
           "for access you may approve, deadlines, escalations", auth="staff",
           query=InboxQuery, response=InboxItemOut, many=True, tags=TAG)
def inbox_items(query: InboxQuery):
    return [asdict(i) for i in inbox.items(context(), staff(), unread_only=bool(query.unread))]


@operation(api, "POST", "/inbox/{id}/read", "Mark one of your items read; an item that is not "
           "yours (or about a case you can no longer open) is a 404", auth="staff",
           response=InboxItemOut, errors=(404,), tags=TAG)
def inbox_read(id: str):
    return asdict(inbox.mark_read(context(), staff(), path_id(id)))
