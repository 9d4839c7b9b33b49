"""Aftercare: after a case closes, the reporter is asked at intervals (the policy pack's
months) whether they have suffered any detriment because they reported. A "yes" opens a new
case that follows from the first, routed by the same rules with the same people implicated;
the first case's handlers are told that it happened, never what the reporter wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from casework.i18n import _, _l
from casework.models import Assignment, Case, CheckIn, User
from casework.services import notify
from casework.services.access import Action, Reporter, open_case
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Conflict, Invalid, NotFound
from casework.services.events import add_event
from casework.services.reports import (
    MAX_DETAILS,
    ImplicatedInput,
    Lodged,
    NewReport,
    ReporterInput,
    lodge_report,
)
from casework.services.routing import party_details
from casework.workflow.clocks import add_months

QUESTION = _l("Have you experienced any detriment because you reported?")
FOLLOW_UP_SUMMARY = "Detriment reported at an aftercare check-in"


def schedule_checkins(ctx: Context, case: Case) -> None:
    """On closing a case, set its check-ins: so many months after today, as the pack says;
    none after an outcome the route says asks nothing (a report found malicious)."""
    outcome = ctx.route(case.route).outcome(case.outcome)
    if outcome is not None and not outcome.aftercare:
        return
    closed_on = ctx.today
    for months in sorted(set(ctx.runtime.pack.aftercare_months)):
        ctx.session.add(CheckIn(case_id=case.id, due_on=add_months(closed_on, months)))


@dataclass(frozen=True)
class CheckInView:
    """A check-in as the reporter sees it."""

    id: int
    due_on: date
    answered_at: datetime | None
    detriment: bool | None
    follow_up_reference: str | None


def reporter_checkins(ctx: Context, actor: Reporter) -> list[CheckInView]:
    """The check-ins that have come due on the reporter's case, answered or not, newest first."""
    case = open_case(ctx, actor, None, Action.ANSWER_CHECKIN)
    rows = ctx.session.execute(
        select(CheckIn, Case.reference).outerjoin(Case, Case.id == CheckIn.follow_up_case_id)
        .where(CheckIn.case_id == case.id, CheckIn.due_on <= ctx.today)
        .order_by(CheckIn.due_on.desc())).all()
    return [CheckInView(c.id, c.due_on, c.answered_at, c.detriment, ref) for c, ref in rows]


def answer_checkin(ctx: Context, actor: Reporter, checkin_id: int, detriment: object,
                   details: str | None = None) -> Lodged | None:
    """Record the reporter's answer; "yes" opens the follow-up case and returns its reference
    and receipt (shown once, like any report's)."""
    case = open_case(ctx, actor, None, Action.ANSWER_CHECKIN)
    checkin = ctx.session.get(CheckIn, checkin_id)
    if checkin is None or checkin.case_id != case.id or checkin.due_on > ctx.today:
        raise NotFound(_("There is no such question for your report."))
    if checkin.answered_at is not None:
        raise Conflict(_("You have answered this question already. Thank you."))
    if not isinstance(detriment, bool):
        raise Invalid(_("Please answer yes or no."), {"detriment": _("choose yes or no")})
    text = (details or "").strip()
    if detriment and not text:
        raise Invalid(_("Please tell us what happened."), {
            "details": _("required when you answer yes: what happened, and when")})
    if len(text) > MAX_DETAILS:
        raise Invalid(_("That is too long."), {"details": _(
            "must be at most %(limit)s characters", limit=MAX_DETAILS)})
    checkin.answered_at, checkin.detriment = ctx.now, detriment
    lodged = _open_follow_up(ctx, case, checkin, text) if detriment else None
    ctx.audit(Kind.CHECKIN_ANSWER, actor.label, case_id=case.id, checkin=checkin.id,
              detriment=detriment,
              follow_up=lodged.case.id if lodged else None)
    return lodged


def _open_follow_up(ctx: Context, case: Case, checkin: CheckIn, text: str) -> Lodged:
    """A new case on the same route, same reporter (or as anonymous), same people implicated,
    in the pack's detriment category; routed and clocked like any new report."""
    reporter = None
    if not case.anonymous:
        identity = party_details(ctx, case, "reporter")
        if identity:
            d = identity[0][1]
            reporter = ReporterInput(d.get("name"), d.get("email"), d.get("phone"),
                                     d.get("person_id"))
    implicated = tuple(ImplicatedInput(d.get("person_id"), d.get("name"), d.get("role"))
                       for _, d in party_details(ctx, case, "implicated"))
    lodged = lodge_report(ctx, NewReport(
        route=case.route, category=ctx.runtime.pack.aftercare_categories[case.route],
        summary=FOLLOW_UP_SUMMARY, details=text, anonymous=case.anonymous or reporter is None,
        reporter=reporter, implicated=implicated, department=case.department))
    lodged.case.follows_case_id = case.id
    lodged.case.notify_reporter = case.notify_reporter
    checkin.follow_up_case_id = lodged.case.id
    add_event(ctx, case, "detriment_reported", actor_kind="reporter",
              facts={"follow_up": lodged.reference})
    _tell_handlers(ctx, case, checkin)
    return lodged


def _tell_handlers(ctx: Context, case: Case, checkin: CheckIn) -> None:
    """Everyone who was assigned to the first case and still has an account hears that a
    detriment was reported (and nothing of what); the outbox checks at sending time that
    each may still see that case."""
    users = ctx.session.execute(
        select(User.id).join(Assignment, Assignment.user_id == User.id)
        .where(Assignment.case_id == case.id, User.active.is_(True)).distinct()).scalars()
    notify.enqueue_many(ctx, [
        notify.Outgoing(f"aftercare:{checkin.id}:user:{user_id}", "aftercare_followup", "staff",
                        user_id=user_id, case_id=case.id) for user_id in users])


def notify_due_checkins(ctx: Context) -> int:
    """Tell reporters who asked for email that a check-in question waits for them (once per
    check-in); for cron, beside the reminders. Returns how many notifications were new."""
    rows = ctx.session.execute(
        select(CheckIn.id, CheckIn.case_id).join(Case, Case.id == CheckIn.case_id)
        .where(CheckIn.due_on <= ctx.today, CheckIn.answered_at.is_(None),
               Case.notify_reporter.is_(True), Case.anonymous.is_(False),
               Case.purged_at.is_(None))).all()
    return notify.enqueue_many(ctx, [
        notify.Outgoing(f"checkin:{checkin_id}", "reporter_update", "reporter", case_id=case_id)
        for checkin_id, case_id in rows])
