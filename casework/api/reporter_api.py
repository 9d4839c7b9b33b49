"""Reporter endpoints: one case, reached with a reporter token."""

from __future__ import annotations

from flask import request

from casework.api import api, reporter
from casework.api.schemas import (
    ActionIn,
    AttachmentOut,
    BodyIn,
    CheckInAnswerIn,
    CheckInsOut,
    FollowUpOut,
    IdOut,
    MeetingOut,
    NoFollowUpOut,
    ReporterCaseOut,
    StateOnly,
    SupportOut,
    SupportPersonIn,
)
from casework.api.spec import operation
from casework.i18n import _
from casework.services.aftercare import QUESTION, answer_checkin, reporter_checkins
from casework.services.content import list_messages, post_message
from casework.services.errors import Invalid
from casework.services.evidence import accept_evidence
from casework.services.inputs import path_id
from casework.services.meetings import request_meeting
from casework.services.reporter_page import reporter_view
from casework.services.support import SupportInput, SupportOffer, name_support_person
from casework.services.transitions import fire_transition
from casework.web.edge import context

TAG = ("reporter",)


@operation(api, "GET", "/reporter/case", "The reporter's case: stage, timeline, messages",
           auth="reporter", response=ReporterCaseOut, tags=TAG)
def reporter_case():
    actor, ctx = reporter(), context()
    view = reporter_view(ctx, actor)
    view["messages"] = [{"id": m.id, "from": m.sender, "body": m.body, "at": m.at}
                        for m in list_messages(ctx, actor, None)]
    view["meeting"] = vars(view["meeting"])
    view["support"] = _support(view["support"])
    return view


def _support(offer: SupportOffer) -> dict:
    return {**vars(offer), "information": list(offer.information),
            "kinds": [{"key": k, "label": v} for k, v in offer.kinds.items()]}


@operation(api, "POST", "/reporter/support-person",
           "Name (or change) a support person where the policy offers one; who it is is "
           "sealed like the reporter's identity, and handlers see only that there is one",
           auth="reporter", body=SupportPersonIn, response=SupportOut, status=201,
           errors=(409,), tags=TAG)
def reporter_support_person(body: SupportPersonIn):
    return _support(name_support_person(context(), reporter(), SupportInput(
        body.kind, body.name, body.contact)))


@operation(api, "POST", "/reporter/meeting",
           "Ask to meet in person (EU directive art 9(2)); 409 where the policy offers no "
           "meeting, the report is closed or handed outside, or it was asked already",
           auth="reporter", response=MeetingOut, status=201, errors=(409,), tags=TAG)
def reporter_meeting():
    return vars(request_meeting(context(), reporter()))


@operation(api, "POST", "/reporter/messages", "Send a message to the handlers", auth="reporter",
           body=BodyIn, response=IdOut, status=201, tags=TAG)
def reporter_message(body: BodyIn):
    return {"id": post_message(context(), reporter(), None, body.body).id}


@operation(api, "POST", "/reporter/actions", "Take a step open to the reporter",
           auth="reporter", body=ActionIn, response=StateOnly, errors=(403, 409), tags=TAG)
def reporter_action(body: ActionIn):
    actor, ctx = reporter(), context()
    reference = reporter_view(ctx, actor)["reference"]
    case = fire_transition(ctx, actor, reference, body.action, None, body.fields)
    return {"state": case.state}


@operation(api, "POST", "/reporter/attachments",
           "Add evidence: cleaned of metadata (the answer says what was removed); 413 over "
           "the size limit, 422 for a type not accepted or a file that cannot be cleaned",
           auth="reporter", response=AttachmentOut, status=201, multipart=True, errors=(413,),
           tags=TAG)
def reporter_attachment():
    actor, upload = reporter(), request.files.get("file")
    if upload is None:
        raise Invalid(_("Attach a file."), {"file": _("required")})
    return vars(accept_evidence(context(), actor, None, upload.filename or "", upload.stream))


@operation(api, "GET", "/reporter/checkins",
           "Aftercare questions that have come due since the case closed", auth="reporter",
           response=CheckInsOut, tags=TAG)
def reporter_checkins_index():
    return {"checkins": [
        {"id": c.id, "due_on": c.due_on, "question": str(QUESTION),
         "answered": c.answered_at is not None, "detriment": c.detriment,
         "follow_up": c.follow_up_reference} for c in reporter_checkins(context(), reporter())]}


@operation(api, "POST", "/reporter/checkins/{id}",
           "Answer a check-in: yes opens a follow-up report (201, its receipt shown once)",
           auth="reporter", body=CheckInAnswerIn, response=NoFollowUpOut,
           also={201: FollowUpOut}, errors=(404, 409), tags=TAG)
def reporter_checkin_answer(id: str, body: CheckInAnswerIn):  # noqa: A002  (the path's name)
    number = path_id(id, _("There is no such question for your report."))
    lodged = answer_checkin(context(), reporter(), number, body.detriment, body.details)
    if lodged is None:
        return {"follow_up": None}
    return {"reference": lodged.reference, "receipt": lodged.receipt}, 201
