"""Public endpoints: metadata, workflows, lodging a report, reporter sign-in, the document."""

from __future__ import annotations

from flask import render_template

from casework.api import api
from casework.api.schemas import Meta, ReporterSessionIn, ReportIn, ReportOut, TokenOut, WorkflowOut
from casework.api.spec import build_openapi, operation
from casework.i18n import _
from casework.services import ratelimit, tokens
from casework.services.auth import reporter_sign_in
from casework.services.errors import NotFound
from casework.services.reports import ImplicatedInput, NewReport, ReporterInput, lodge_report
from casework.services.support import SupportInput
from casework.web.edge import context, runtime
from casework.web.errors import error_body
from casework.workflow.policy import RELATIONS
from casework.workflow.render import to_dict

TAG = ("public",)


@operation(api, "GET", "/meta", "Routes, categories and departments", response=Meta, tags=TAG)
def meta():
    pack, routes = runtime().pack, runtime().routes
    return {"routes": [{"key": r.key, "label": r.label} for r in routes.values()],
            "categories": [{"key": c.key, "label": c.label, "routes": sorted(c.routes)}
                           for c in pack.categories.values()],
            "departments": [{"key": k, "label": v} for k, v in pack.departments.items()],
            "relations": [{"key": k, "label": words} for k, (words, _) in RELATIONS.items()],
            "raise_with": [{"key": lv.key, "label": lv.label} for lv in pack.levels.values()],
            "statements": [{"key": st.key, "label": st.label}
                           for st in pack.statements.values()],
            "questions": [{"key": q.key, "label": q.label, "hint": q.hint,
                           "routes": sorted(q.routes)} for q in pack.questions.values()],
            "external_bodies": list(pack.external_bodies),
            "support": pack.support and {
                "routes": sorted(pack.support.routes), "information": pack.support.information,
                "kinds": [{"key": k, "label": v} for k, v in pack.support.kinds.items()]}}


@operation(api, "GET", "/workflows/{route}", "A workflow definition", response=WorkflowOut,
           errors=(404,), tags=TAG)
def workflow(route: str):
    definition = runtime().routes.get(route)
    if definition is None:
        raise NotFound(_("There is no such route."))
    return to_dict(runtime().pack.route(definition))


@operation(api, "POST", "/reports", "Lodge a report; the receipt is shown once",
           body=ReportIn, response=ReportOut, status=201, errors=(429,), tags=TAG)
def lodge(body: ReportIn):
    ctx = context()
    ratelimit.hit(runtime(), ctx.client, "intake", ratelimit.INTAKE)
    reporter = ReporterInput(**body.reporter.model_dump()) if body.reporter else None
    lodged = lodge_report(ctx, NewReport(
        route=body.route, category=body.category, summary=body.summary, details=body.details,
        anonymous=body.anonymous, reporter=reporter, witness=body.witness,
        implicated=tuple(ImplicatedInput(**i.model_dump()) for i in body.implicated),
        department=body.department, occurred_on=body.occurred_on,
        notify_by_email=body.notify_by_email, relation=body.relation,
        raise_with=body.raise_with, statements=tuple(body.statements),
        answers=dict(body.answers),
        support_person=SupportInput(**body.support_person.model_dump())
        if body.support_person else None))
    case = lodged.case
    return {"reference": lodged.reference, "receipt": lodged.receipt, "route": case.route,
            "state": case.state, "queue": case.queue}


@operation(api, "POST", "/reporter/session", "Sign in as a reporter with reference and receipt",
           body=ReporterSessionIn, response=TokenOut, errors=(401, 429), tags=TAG)
def reporter_session(body: ReporterSessionIn):
    ctx = context()
    ratelimit.hit(runtime(), ctx.client, "reporter-session", ratelimit.REPORTER_SESSION)
    actor = reporter_sign_in(ctx, body.reference, body.receipt)
    if actor is None:  # answered, not raised: the failed attempt must be committed
        return error_body("unauthorized",
                          _("That reference and receipt do not match a report.")), 401
    issued = tokens.issue(ctx, reporter=actor)
    return {"token": issued.token, "expires_at": issued.expires_at}


@api.get("/openapi.json")
def openapi():
    """The OpenAPI document of this API."""
    return build_openapi(runtime=runtime())


@api.get("/docs")
def docs():
    """A browsable page for the document, rendered on the server (no third-party assets)."""
    return render_template("api_docs.html", doc=build_openapi(runtime=runtime()))
