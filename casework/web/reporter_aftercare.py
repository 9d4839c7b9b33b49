"""The reporter's answer to an aftercare check-in, from their page (no JavaScript needed).

"No" is thanked; "yes" opens a follow-up report whose reference and receipt are shown once on
the receipt page, exactly like a new report's: never in the URL, gone on reload.
"""

from __future__ import annotations

from flask import flash, redirect, session, url_for

from casework.i18n import _
from casework.services.aftercare import answer_checkin
from casework.services.errors import Invalid
from casework.web.edge import context, runtime
from casework.web.forms import CheckInForm
from casework.web.reporter import bp, current_reporter, plain_errors, render_my_report


@bp.post("/my-report/checkins/<int:checkin_id>")
def answer_checkin_form(checkin_id: int):
    """Answer an aftercare check-in: "no" is thanked; "yes" opens a follow-up report whose
    reference and receipt are shown once, like any report's."""
    actor, form = current_reporter(), CheckInForm()
    if form.validate_on_submit():
        try:
            lodged = answer_checkin(context(), actor, checkin_id, form.detriment.data == "yes",
                                    form.details.data)
        except Invalid as exc:
            plain_errors(form, exc)
        else:
            if lodged is None:
                flash(_("Thank you for telling us. If anything changes, you can send us a "
                        "message here at any time."), "success")
                return redirect(url_for("reporter.my_report"), 303)
            queue = runtime().pack.queues.get(lodged.case.queue)
            session["receipt_once"] = {"reference": lodged.reference, "receipt": lodged.receipt,
                                       "evidence": [], "follow_up": True,
                                       "handled_by": queue.label if queue else None}
            return redirect(url_for("reporter.receipt"), 303)
    return render_my_report(422, form)
