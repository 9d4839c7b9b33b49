"""The context a service runs in: one session (one transaction), the runtime, and the time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from casework.models import AuditEvent, Case
from casework.runtime import Runtime
from casework.services import audit
from casework.services.vault import Vault
from casework.workflow.clocks import local_date
from casework.workflow.definitions import Route


@dataclass
class Context:
    """Passed to every service; services flush, the caller commits."""

    session: Session
    runtime: Runtime
    client: str | None = None
    #: What this unit of work has worked out already (the access loader's cases and
    #: capacities); cleared by `access.forget` when who may see what changes.
    cache: dict = field(default_factory=dict)
    #: Writes that must outlive a refusal: audited reads, failed sign-ins, refusals on record.
    kept: list[Callable[[], object]] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        """The current time, through the runtime's injectable clock."""
        return self.runtime.clock()

    @property
    def today(self) -> date:
        """The organisation's calendar day now, in its policy pack's time zone: deadlines are
        counted in the days the organisation keeps, not UTC's."""
        return local_date(self.now, self.runtime.pack.timezone)

    def route(self, key: str) -> Route:
        """A loaded route definition, as the policy pack runs it."""
        return self.runtime.pack.route(self.runtime.routes[key])

    def vault(self, case: Case) -> Vault:
        """The sealing vault for a case."""
        return Vault(self.session, self.runtime, case)

    def audit(self, kind: audit.Kind, actor: str, /, *, case_id: int | None = None,
              **details: object) -> AuditEvent:
        """Append an audit event in this transaction. A read, a failed sign-in or a refusal
        is kept: it stays on the record even if the rest of the request is undone."""
        now = self.now

        def write() -> AuditEvent:
            return audit.record(self.session, audit.chain_key(self.runtime.keyring), kind,
                                actor, now, case_id=case_id, **details)
        return self.keep(write) if kind in audit.KEPT else write()

    def keep(self, write: Callable[[], object]) -> object:
        """Do a write now, and again after `undo` (it must outlive a refused request)."""
        self.kept.append(write)
        return write()

    def commit(self) -> None:
        """The request succeeded: everything it wrote stands."""
        self.session.commit()
        self.kept.clear()

    def undo(self) -> None:
        """The request was refused: roll back its work, then redo only what must be kept."""
        self.session.rollback()
        self.cache.clear()
        for write in self.kept:
            write()
