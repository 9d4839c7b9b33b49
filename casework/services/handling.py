"""A case's triage, links and legal hold in one call, for its page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.services.access import Action, Staff, may, open_case
from casework.services.context import Context
from casework.services.holds import HoldRecord, hold_history
from casework.services.links import LinkView, links_of
from casework.services.triage import TriageRecord, triage_history


@dataclass(frozen=True)
class Handling:
    """What triage, links and holds have done to a case, and what the viewer may do next."""

    links: list[LinkView]
    legal_hold_since: datetime | None
    triages: list[TriageRecord]
    holds: list[HoldRecord]
    may: frozenset[Action]

    @property
    def merged_into(self) -> LinkView | None:
        """The case this one was merged into, if the viewer can see it."""
        return next((k for k in self.links if k.direction == "merged_into"), None)

    @property
    def merged_from(self) -> list[LinkView]:
        """The duplicates merged into this case that the viewer can see."""
        return [k for k in self.links if k.direction == "merged_from"]


def handling_of(ctx: Context, actor: Staff, reference: str) -> Handling:
    """The case's links (to cases the viewer also sees), hold, and triage and hold history
    with their reasons (covered by the case-view read)."""
    case = open_case(ctx, actor, reference)
    return Handling(links_of(ctx, actor, case), case.legal_hold_since,
                    triage_history(ctx, case), hold_history(ctx, case), may(ctx, actor, case))
