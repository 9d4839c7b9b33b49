"""The staff inbox page (/staff/inbox), its unread count in the navigation, the "New" markers
on case lists and the case page, and each person's choice of email. The items, who gets them
and what "read" means are services/inbox.py's; this module only shows them. (Registered on the
staff blueprint when staff_case imports it.)"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import RadioField
from wtforms.validators import DataRequired

from casework.i18n import _, _l, ngettext
from casework.services import inbox
from casework.services.access import open_case
from casework.web.edge import context
from casework.web.forms import Form
from casework.web.staff import actor, bp

#: What each kind of item says (no case content: the reference is shown beside it).
WORDS = {"new_report": _l("A new report has arrived in your queue"),
         "reporter_message": _l("The reporter has written a message"),
         "reporter_evidence": _l("The reporter has sent evidence"),
         "reporter_update": _l("The reporter has done something on their page"),
         "assigned": _l("You have been assigned to a case"),
         "case_moved": _l("A case has come within your reach"),
         "grant_pending": _l("A request for access waits for your decision"),
         "due_soon": _l("A deadline is coming up"),
         "overdue": _l("A deadline has passed"),
         "escalated": _l("Escalated to you at once by the policy"),
         "referral_due": _l("The policy asks for a referral decision")}
EMAIL_WORDS = {"immediate": _l("Straight away: one email when something new arrives"),
               "daily": _l("Once a day: a summary of how many new items there are"),
               "none": _l("Never: I will look at my inbox")}


class EmailChoiceForm(Form):
    """How the person hears of new items."""

    email = RadioField(_l("Email me about new items"), choices=list(EMAIL_WORDS.items()),
                       validators=[DataRequired(_l("Choose how you want to be told."))])


class Unread:
    """What is unread for the signed-in person, asked once per page and only if shown."""

    def __init__(self) -> None:
        self._count: int | None = None
        self._refs: frozenset[str] | None = None

    @property
    def count(self) -> int:
        if self._count is None:
            self._count = inbox.unread_count(context(), actor())
        return self._count

    def has(self, reference: str) -> bool:
        """Whether a case has unread items for this person."""
        if self._refs is None:
            self._refs = inbox.unread_references(context(), actor())
        return reference in self._refs


@bp.app_context_processor
def inject_inbox():
    """The navigation's unread count and the lists' markers, for signed-in staff."""
    return {"unread": Unread() if current_user.is_authenticated else None,
            "inbox_words": WORDS}


def read_on_opening(ref: str) -> None:
    """Opening a case page reads the person's items on it; the page says which were new."""
    ctx, me = context(), actor()
    g.inbox_fresh = inbox.open_case_items(ctx, me, open_case(ctx, me, ref))


@bp.get("/inbox")
@login_required
def inbox_page(form: EmailChoiceForm | None = None, status: int = 200):
    """What needs my attention, newest first, and how I am told of it."""
    if form is None:
        form = EmailChoiceForm(data={"email": inbox.email_choice(context(), current_user.id)})
    return render_template("staff/inbox.html", items=inbox.items(context(), actor()),
                           form=form, limit=inbox.LIMIT), status


@bp.post("/inbox/<int:item_id>/read")
@login_required
def inbox_read(item_id: int):
    """Mark one item read (someone else's is a 404)."""
    inbox.mark_read(context(), actor(), item_id)
    flash(_("Marked as read."), "success")
    return redirect(url_for("staff.inbox_page"), 303)


@bp.post("/inbox/read")
@login_required
def inbox_read_all():
    """Mark every item read."""
    done = inbox.mark_all_read(context(), actor())
    flash(ngettext("Marked %(num)s item as read.", "Marked %(num)s items as read.", done),
          "success")
    return redirect(url_for("staff.inbox_page"), 303)


@bp.post("/inbox/email")
@login_required
def inbox_email():
    """Change how I am told of new items."""
    form = EmailChoiceForm()
    if not form.validate_on_submit():
        return inbox_page(form, 422)
    inbox.set_email_choice(context(), actor(), form.email.data)
    flash(_("Your choice of email is saved."), "success")
    return redirect(url_for("staff.inbox_page"), 303)
