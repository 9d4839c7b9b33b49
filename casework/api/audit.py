"""The audit trail, for auditors: its events filtered and paged, as CSV, and its chain checked
(docs/API.md: `GET /audit/events`, `GET /audit/verify`)."""

from __future__ import annotations

from flask import Response

from casework.api import api, staff
from casework.api.schemas import AuditEventsOut, AuditEventsQuery, AuditTrailFilters, AuditVerifyOut
from casework.api.spec import operation
from casework.services.audit_filters import TrailQuery
from casework.services.audit_views import export_trail, list_trail, verify_trail
from casework.web.edge import context

TAG = ("audit",)
REFUSED = (403, 404, 422)


def trail_query(query: AuditTrailFilters, page: int = 1, per_page: int = 50) -> TrailQuery:
    """The service's question from the query string."""
    return TrailQuery(case=query.case, actor=query.actor, kind=query.kind, period=query.period,
                      since=query.from_, until=query.to, after=query.after, page=page,
                      per_page=per_page)


@operation(api, "GET", "/audit/events",
           "The audit trail, newest first, filtered (auditors; the read is audited); a case "
           "you may not reach is a 404", auth="staff", query=AuditEventsQuery,
           response=AuditEventsOut, errors=REFUSED, tags=TAG)
def audit_events(query: AuditEventsQuery):
    found = list_trail(context(), staff(), trail_query(query, query.page, query.per_page))
    return {"items": [vars(e) for e in found.items], "next": found.next,
            "per_page": found.per_page}


@operation(api, "GET", "/audit/events.csv",
           "The filtered audit trail as CSV, newest first (auditors; the export is audited)",
           auth="staff", query=AuditTrailFilters, errors=REFUSED, tags=TAG, media="text/csv")
def audit_events_csv(query: AuditTrailFilters):
    text = export_trail(context(), staff(), trail_query(query))
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="audit-events.csv"'})


@operation(api, "GET", "/audit/verify", "Verify the audit trail's hash chain", auth="staff",
           response=AuditVerifyOut, errors=(403,), tags=TAG)
def audit_verify():
    result = verify_trail(context(), staff())
    return {"ok": result.ok, "events": result.events, "first_bad": result.first_bad}
