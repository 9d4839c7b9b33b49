"""The timeline's words for routing, triage, links and legal holds, from each event's facts only (a
sealed reason is never part of them, nor is another case's reference)."""

from __future__ import annotations

from casework.models import Case, CaseEvent
from casework.services.context import Context

FIXED = {
    "linked": "Linked to a related report",
    "merged_in": "A duplicate report was merged into this one",
    "hold_placed": "Legal hold placed: retention will not destroy this case",
    "hold_lifted": "Legal hold lifted: retention applies again",
    "meeting_requested": "The reporter asked to meet in person",
    "release_notice": "The reporter was told their identity is to be released, and why",
    "identity_released": "The reporter's identity was released, on the ground they were told of",
    "support_person_named": "The reporter named a support person (who is sealed like their "
                            "identity)",
}


def fact_label(ctx: Context, name: str, key: str | None) -> str:
    """A route, category, department or queue key in the organisation's words."""
    pack = ctx.runtime.pack
    if key is None:
        return "none"
    if name == "route":
        return ctx.route(key).label if key in ctx.runtime.routes else key
    if name == "category":
        return pack.categories[key].label if key in pack.categories else key
    if name == "department":
        return pack.departments.get(key, key)
    return pack.queues[key].label if key in pack.queues else key


def handling_label(ctx: Context, case: Case, event: CaseEvent) -> str | None:
    """One routing, triage, link or hold event in plain words; None for any other kind."""
    if event.kind in FIXED:
        return FIXED[event.kind]
    if event.kind == "referral":
        from casework.services.referrals import referral_label  # (referrals imports handoff)

        return referral_label(event.facts or {})
    if event.kind == "escalated":
        return ("Escalated at once (a zero-tolerance matter): the queue's owner and the head "
                "of the organisation were alerted, unless implicated")
    if event.kind == "routed":
        return f"Routed to {fact_label(ctx, 'queue', (event.facts or {}).get('queue'))}"
    if event.kind != "triaged":
        return None
    before = (event.facts or {}).get("from", {})
    after = (event.facts or {}).get("to", {})
    changed = [f"{'kind of report' if name == 'route' else name} from "
               f"“{fact_label(ctx, name, before.get(name))}” to "
               f"“{fact_label(ctx, name, after.get(name))}”"
               for name in ("route", "category", "department", "queue")
               if before.get(name) != after.get(name)]
    return "Triage: " + ("; ".join(changed) if changed else "routed again")
