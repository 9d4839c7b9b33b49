"""Staff endpoints that put a case right and keep it: triage, links between cases (a duplicate
merged into the case it repeats) and legal hold."""

from __future__ import annotations

from casework.api import api, staff
from casework.api.schemas import HoldOut, LinkIn, LinkOut, ReasonIn, TriageIn, TriageOut
from casework.api.spec import operation
from casework.models import Case
from casework.services.holds import lift_hold, place_hold
from casework.services.links import link_cases
from casework.services.triage import triage
from casework.web.edge import context

TAG = ("cases",)
ACTING = (403, 404, 409)


@operation(api, "POST", "/cases/{ref}/triage",
           "Change the category, kind of report, department or queue (reason sealed); the "
           "routing rules run again; a move that would show the case to someone implicated "
           "is a 409", auth="staff", body=TriageIn, response=TriageOut, errors=ACTING, tags=TAG)
def case_triage(ref: str, body: TriageIn):
    done = triage(context(), staff(), ref, body.version, body.reason, category=body.category,
                  route=body.route, department=body.department, queue=body.queue)
    return {"queue": done.queue, "routing_reasons": list(done.routing_reasons),
            "version": done.version}


@operation(api, "POST", "/cases/{ref}/links",
           "Link to another case you handle: related, or duplicate (this case is merged into "
           "that one and closes; its reporter is told)", auth="staff", body=LinkIn,
           response=LinkOut, status=201, errors=ACTING, tags=TAG)
def case_link(ref: str, body: LinkIn):
    link = link_cases(context(), staff(), ref, body.reference, body.kind)
    return {"id": link.id, "reference": body.reference.strip().upper(), "kind": link.kind}


def _hold(case: Case) -> dict:
    return {"held": case.legal_hold_since is not None, "since": case.legal_hold_since,
            "version": case.version}


@operation(api, "POST", "/cases/{ref}/hold",
           "Place a legal hold: retention will not destroy the case (reason sealed)",
           auth="staff", body=ReasonIn, response=HoldOut, errors=ACTING, tags=TAG)
def hold_place(ref: str, body: ReasonIn):
    return _hold(place_hold(context(), staff(), ref, body.reason))


@operation(api, "DELETE", "/cases/{ref}/hold",
           "Lift the legal hold: retention applies again (reason sealed)", auth="staff",
           body=ReasonIn, response=HoldOut, errors=ACTING, tags=TAG)
def hold_lift(ref: str, body: ReasonIn):
    return _hold(lift_hold(context(), staff(), ref, body.reason))
