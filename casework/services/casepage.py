"""The staff case page in one call: the case view, notes, messages, evidence and the pickers.

Each part goes through the service that owns it (case_view, list_notes, list_messages), so
every content read is access-checked and audited as it is elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from casework.crypto.envelope import DamagedRecord
from casework.models import CONTENT_ROLES, Attachment, User
from casework.services.access import (
    ROLE_CAPACITY,
    Action,
    Seer,
    Staff,
    may,
    open_case,
    who_can_see,
)
from casework.services.audit import Kind
from casework.services.content import (
    DAMAGED,
    MessageView,
    NoteView,
    list_messages,
    list_notes,
)
from casework.services.context import Context
from casework.services.directory import person_choices
from casework.services.errors import Forbidden, NotFound
from casework.services.handling import Handling, handling_of
from casework.services.releases import release_state
from casework.services.vault import KeyDestroyed
from casework.services.views import CaseView, case_view


@dataclass(frozen=True)
class AttachmentRow:
    """Evidence on a case, as listed (the bytes are read only on download)."""

    id: int
    filename: str
    size: int
    uploaded_by: str
    at: datetime
    sha256: str | None = None


@dataclass(frozen=True)
class Colleague:
    """Someone who could be assigned, and the capacities their roles allow."""

    user_id: int
    name: str
    capacities: tuple[str, ...]


@dataclass
class CasePage:
    """Everything the case page shows a handler."""

    view: CaseView
    may: frozenset[Action]
    notes: list[NoteView]
    messages: list[MessageView]
    attachments: list[AttachmentRow]
    colleagues: list[Colleague]
    people: list[tuple[int, str]]
    seers: list[Seer]
    #: Triage, links and legal hold (casework.services.handling).
    handling: Handling | None = None
    #: Releasing the reporter's identity: whether a notice waits for its release, and its
    #: ground (casework.services.releases).
    release: dict | None = None

    @property
    def may_reveal(self) -> bool:
        """Whether to offer "see who reported this" (a named reporter, and the policy allows)."""
        return Action.REVEAL_IDENTITY in self.may and not self.view.anonymous


@dataclass(frozen=True)
class CaseStatus:
    """Where a case stands now (for the page that says someone else acted first)."""

    reference: str
    state: str
    state_label: str
    outcome: str | None


def case_page(ctx: Context, actor: Staff, reference: str) -> CasePage:
    """The case, its confidential notes, its messages and its evidence; each read audited."""
    view = case_view(ctx, actor, reference)
    case = open_case(ctx, actor, reference)
    allowed = may(ctx, actor, case)
    return CasePage(
        view=view, may=allowed,
        notes=list_notes(ctx, actor, reference) if Action.READ_NOTES in allowed else [],
        messages=list_messages(ctx, actor, reference)
        if Action.READ_MESSAGES in allowed else [],
        attachments=list_attachments(ctx, actor, reference)
        if Action.READ_EVIDENCE in allowed else [],
        colleagues=colleagues(ctx) if Action.ASSIGN in allowed else [],
        people=person_choices(ctx) if Action.ADD_IMPLICATED in allowed else [],
        seers=who_can_see(ctx, actor, reference) if Action.SEE_ACCESS in allowed else [],
        handling=handling_of(ctx, actor, reference),
        release=release_state(ctx, case) if Action.REVEAL_IDENTITY in allowed else None)


def list_attachments(ctx: Context, actor: Staff, reference: str) -> list[AttachmentRow]:
    """The case's evidence with the sealed file names opened (covered by the case-view read)."""
    case = open_case(ctx, actor, reference, Action.READ_EVIDENCE)
    vault, rows = ctx.vault(case), []
    for row in ctx.session.execute(select(Attachment).where(Attachment.case_id == case.id)
                                   .order_by(Attachment.id)).scalars():
        try:
            meta = vault.open_json("attachment-meta", row.id, row.meta_ct)
        except (DamagedRecord, KeyDestroyed):
            ctx.audit(Kind.RECORD_DAMAGED, actor.label, case_id=case.id,
                      record_kind="attachment", record=row.id)
            meta = {"filename": DAMAGED}
        rows.append(AttachmentRow(row.id, meta["filename"], row.size, row.uploaded_by, row.at,
                                  meta.get("sha256")))
    return rows


def colleagues(ctx: Context) -> list[Colleague]:
    """Active staff with a role that can handle cases. Nobody is left out here: assign()
    itself refuses anyone implicated in or recused from the case, so a refusal is explained
    rather than a name silently missing."""
    users = ctx.session.execute(select(User).where(User.active.is_(True))
                                .order_by(User.name, User.id)).scalars()
    return [Colleague(u.id, u.name, tuple(sorted(ROLE_CAPACITY[r] for r in u.roles
                                                 if r in ROLE_CAPACITY)))
            for u in users if u.roles & CONTENT_ROLES]


def case_status(ctx: Context, actor: Staff, reference: str) -> CaseStatus:
    """The state a visible case is in now; NotFound otherwise."""
    case = open_case(ctx, actor, reference)
    label = ctx.route(case.route).state(case.state).label
    return CaseStatus(case.reference, case.state, label, case.outcome)


def is_visible(ctx: Context, actor: Staff, reference: str) -> bool:
    """Whether the actor may still open a case (after re-routing, for instance)."""
    try:
        open_case(ctx, actor, reference)
    except (NotFound, Forbidden):
        return False
    return True

