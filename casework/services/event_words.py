"""The timeline's words for routing, triage, links and legal holds, from each event's facts only (a
sealed reason is never part of them, nor is another case's reference); and the moments and
capacities staff pages name, in the language of the moment."""

from __future__ import annotations

from datetime import datetime

from casework import i18n
from casework.i18n import _, _l
from casework.models import Case, CaseEvent
from casework.services.context import Context

FIXED = {
    "linked": _l("Linked to a related report"),
    "merged_in": _l("A duplicate report was merged into this one"),
    "hold_placed": _l("Legal hold placed: retention will not destroy this case"),
    "hold_lifted": _l("Legal hold lifted: retention applies again"),
    "meeting_requested": _l("The reporter asked to meet in person"),
    "release_notice": _l("The reporter was told their identity is to be released, and why"),
    "identity_released": _l("The reporter's identity was released, on the ground they were "
                            "told of"),
    "support_person_named": _l("The reporter named a support person (who is sealed like their "
                               "identity)"),
}
#: The facts triage changes, as the timeline names them.
FACT_NAMES = {"route": _l("kind of report"), "category": _l("category"),
              "department": _l("department"), "queue": _l("queue")}
#: The capacities a colleague acts in, as the timeline and the assign picker name them.
CAPACITIES = {"handler": _l("handler"), "investigator": _l("investigator"),
              "decision_maker": _l("decision maker")}


def capacity_words(key: str) -> str:
    return str(CAPACITIES.get(key, key.replace("_", " ")))


def moment_words(value: datetime | None) -> str:
    """A moment (UTC) as staff pages write it: "02 March 2026 14:05" in English, "2 mars 2026
    14:05" in French."""
    if value is None:
        return ""
    if i18n.current() == i18n.SOURCE:
        return value.strftime("%d %B %Y %H:%M")
    return i18n.format_moment(value, "d MMMM y HH:mm")


def fact_label(ctx: Context, name: str, key: str | None) -> str:
    """A route, category, department or queue key in the organisation's words."""
    pack = ctx.runtime.pack
    if key is None:
        return _("none")
    if name == "route":
        return str(ctx.route(key).label) if key in ctx.runtime.routes else key
    if name == "category":
        return str(pack.categories[key].label) if key in pack.categories else key
    if name == "department":
        return str(pack.departments.get(key, key))
    return str(pack.queues[key].label) if key in pack.queues else key


def handling_label(ctx: Context, case: Case, event: CaseEvent) -> str | None:
    """One routing, triage, link or hold event in plain words; None for any other kind."""
    if event.kind in FIXED:
        return str(FIXED[event.kind])
    if event.kind == "referral":
        from casework.services.referrals import referral_label  # (referrals imports handoff)

        return referral_label(event.facts or {})
    if event.kind == "escalated":
        return _("Escalated at once (a zero-tolerance matter): the queue's owner and the head "
                 "of the organisation were alerted, unless implicated")
    if event.kind == "routed":
        return _("Routed to %(queue)s",
                 queue=fact_label(ctx, "queue", (event.facts or {}).get("queue")))
    if event.kind != "triaged":
        return None
    before = (event.facts or {}).get("from", {})
    after = (event.facts or {}).get("to", {})
    changed = [_("%(fact)s from “%(before)s” to “%(after)s”", fact=str(FACT_NAMES[name]),
                 before=fact_label(ctx, name, before.get(name)),
                 after=fact_label(ctx, name, after.get(name)))
               for name in ("route", "category", "department", "queue")
               if before.get(name) != after.get(name)]
    return _("Triage: %(changes)s", changes="; ".join(changed) if changed else _("routed again"))
