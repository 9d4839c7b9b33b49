"""Cases and what hangs off them: keys, parties, events, assignments, recusals and clocks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, utcnow

PARTY_KINDS = ("reporter", "implicated", "witness", "support_person")


class Case(Base):
    """A report and its handling. Content is sealed; the columns here are facts, not words."""

    __tablename__ = "cases"
    # Each list filter leads an index that ends in each of the list's orders, (opened_at, id)
    # and (next_due_on, opened_at, id), so a page, a keyset page and the capped count read only
    # matching rows, in order (bench/bench_pages.py; tests/services/test_svc_list_plans.py).
    # The lodged-date index also holds what the access filter reads of each case (queue,
    # purged), so an unfiltered list's capped count reads no table row (migration 0022).
    __table_args__ = (
        Index("ix_cases_opened_reach", "opened_at", "id", "queue", "purged_at"),
        Index("ix_cases_queue_opened", "queue", "opened_at", "id"),
        Index("ix_cases_state_opened", "state", "opened_at", "id"),
        Index("ix_cases_category_opened", "category", "opened_at", "id"),
        Index("ix_cases_route_opened", "route", "opened_at", "id"),
        Index("ix_cases_next_due", "next_due_on", "opened_at", "id"),
        Index("ix_cases_queue_due", "queue", "next_due_on", "opened_at", "id"),
        Index("ix_cases_state_due", "state", "next_due_on", "opened_at", "id"),
        Index("ix_cases_category_due", "category", "next_due_on", "opened_at", "id"),
        Index("ix_cases_route_due", "route", "next_due_on", "opened_at", "id"),
        Index("ix_cases_received_quarter", "received_quarter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    route: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(32))
    queue: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(default=1)
    anonymous: Mapped[bool] = mapped_column(default=True)
    witness: Mapped[bool] = mapped_column(default=False)
    recorded_by_staff: Mapped[bool] = mapped_column(default=False)
    actions: Mapped[list[str]] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]
    receipt_hash: Mapped[str | None] = mapped_column(String(200))
    content_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    routing_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The earliest due date of the case's running clocks (None if none runs): a copy kept by
    #: services.clocks so lists can sort and filter by it from an index.
    next_due_on: Mapped[date | None]
    #: The reporter gave an email address and asked to be told (without content) of updates.
    notify_reporter: Mapped[bool] = mapped_column(default=False)
    #: The case this one follows from: a detriment reported at an aftercare check-in. (No
    #: foreign key: see migration 0005; cases are never deleted, only erased.)
    follows_case_id: Mapped[int | None] = mapped_column(index=True)
    #: Facts for statistics (casework.stats.facts), fixed when they happen: the quarter the
    #: report was received in (2026-Q3 is 20263, the organisation's days) and whole days to
    #: acknowledgement and to closure. Always set by the services; nullable only so that
    #: migration 0007 could add them without copying the table.
    received_quarter: Mapped[int | None]
    days_to_acknowledge: Mapped[int | None]
    days_to_close: Mapped[int | None]
    #: How its deadlines ended, kept as its clocks stop (casework.services.clocks): 0 none has
    #: ended, 1 each that ended was met, 2 one was missed. The statistics' "deadlines met"
    #: reads it in the same pass as the counts, with no join to the clocks.
    deadlines_ended: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Since when a legal hold has kept retention from destroying the case (None: no hold).
    legal_hold_since: Mapped[datetime | None]
    #: The queue a handler chose at triage; routing keeps the case there while no rule sends
    #: it elsewhere and the queue's owner is not implicated (casework.workflow.routing).
    chosen_queue: Mapped[str | None] = mapped_column(String(32))
    #: How the reporter knows what they report (casework.workflow.policy.RELATIONS); None for
    #: cases lodged before it was asked (`witness` then says only "someone else").
    relation: Mapped[str | None] = mapped_column(String(16))
    #: The pack level the reporter asked to raise it with, and what they said that routing
    #: looks at (pack statements): facts for routing, like the category.
    raise_with: Mapped[str | None] = mapped_column(String(32))
    reporter_says: Mapped[list[str] | None] = mapped_column(JSON)
    #: The case's record key for the cell key method (casework.stats.cellkey): random, set at
    #: lodging, never shown; a count's perturbation is keyed by the sum of its cases' keys.
    #: Nullable only so that migration 0013 could add it without copying the table.
    stats_key: Mapped[int | None]
    #: The language the report was made in: the reporter's emails go in it.
    reporter_language: Mapped[str | None] = mapped_column(String(16))
    #: A short, non-identifying title the handler gives the case, sealed under a key derived
    #: from the keyring (casework.services.search): shown in lists without opening the case.
    title_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    # Optimistic locking: every UPDATE checks the version it read and bumps it.
    __mapper_args__ = {"version_id_col": version}

    keys: Mapped[list[CaseKey]] = relationship(cascade="all, delete-orphan")
    parties: Mapped[list[CaseParty]] = relationship(cascade="all, delete-orphan")
    events: Mapped[list[CaseEvent]] = relationship(
        cascade="all, delete-orphan", order_by="CaseEvent.seq")
    clocks: Mapped[list[CaseClock]] = relationship(cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        """Closed cases have an outcome and a closing time."""
        return self.closed_at is None


class CaseKey(Base):
    """A case's data key, wrapped by a key-encryption key (`key_id` names it); destroying it
    erases the case for good."""

    __tablename__ = "case_keys"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)  # content | identity
    key_id: Mapped[str | None] = mapped_column(String(32), index=True)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)


class KeyEncryptionKey(Base):
    """A key-encryption key (KEK): wraps the case keys, and is itself wrapped by the outer key
    outside the database (casework.crypto.hierarchy). One is active (`active` is True; NULL
    otherwise, so a unique index allows only one); the others are being re-keyed away from
    (`rekey_after`: the case id a full re-key has reached) and are deleted when it finishes."""

    __tablename__ = "key_encryption_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    outer_key_id: Mapped[str] = mapped_column(String(32))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool | None] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rekey_after: Mapped[int | None]


class CaseParty(Base):
    """Someone connected with a case. Directory links are blind-indexed; names are sealed."""

    __tablename__ = "case_parties"
    # The access filter asks of every listed case "is this person implicated in it?": answered
    # from this index alone (no table row), which is most of what a capped count costs.
    # And, led by the person, the cases someone is implicated in: looked up once per list
    # statement by the access filter (migration 0022).
    __table_args__ = (Index("ix_case_parties_case_person", "case_id", "person_index", "kind"),
                      Index("ix_case_parties_person", "person_index", "kind", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_index: Mapped[str | None] = mapped_column(String(64), index=True)
    details_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


class CaseEvent(Base):
    """Something that happened to a case. Transition events are the truth of its state."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    transition: Mapped[str | None] = mapped_column(String(48))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff | reporter | system
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    fields_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


class Assignment(Base):
    """A staff member assigned to a case in a capacity (handler, investigator, decision maker)."""

    __tablename__ = "assignments"
    # (case, user, ended): the access policy asks "is this user assigned to this case now?" of
    # every case it tests, and with three columns to match SQLite never prefers the user's index.
    __table_args__ = (Index("ix_assignments_user_active", "user_id", "ended_at"),
                      Index("ix_assignments_case_user", "case_id", "user_id", "ended_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    capacity: Mapped[str] = mapped_column(String(32))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class Recusal(Base):
    """A staff member's declared conflict: they lose access to the case at once, for good."""

    __tablename__ = "recusals"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


class CaseClock(Base):
    """A deadline running on a case; a missed clock stays missed."""

    __tablename__ = "case_clocks"
    __table_args__ = (
        UniqueConstraint("case_id", "name"),
        Index("ix_case_clocks_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(48))
    status: Mapped[str] = mapped_column(String(16))  # running | paused | met | missed | stopped
    started_on: Mapped[date]
    due_on: Mapped[date]
    stopped_on: Mapped[date | None]
    #: While paused, the day the pause began; resuming gives the paused time back.
    paused_on: Mapped[date | None]
