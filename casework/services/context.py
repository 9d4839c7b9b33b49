"""The context a service runs in: one session (one transaction), the runtime, and the time."""

from __future__ import annotations

from dataclasses import dataclass
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
        """A loaded route definition."""
        return self.runtime.routes[key]

    def vault(self, case: Case) -> Vault:
        """The sealing vault for a case."""
        return Vault(self.session, self.runtime, case)

    def audit(self, kind: audit.Kind, actor: str, /, *, case_id: int | None = None,
              **details: object) -> AuditEvent:
        """Append an audit event in this transaction."""
        return audit.record(self.session, audit.chain_key(self.runtime.keyring), kind, actor,
                            self.now, case_id=case_id, **details)
