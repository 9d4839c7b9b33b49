"""SQLAlchemy 2 models. Import from here so every table is registered on the metadata."""

from casework.models.audit import AuditEvent, AuditHead, Throttle
from casework.models.base import Base, utcnow
from casework.models.cases import (
    Assignment,
    Case,
    CaseClock,
    CaseEvent,
    CaseKey,
    CaseParty,
    KeyEncryptionKey,
    Recusal,
)
from casework.models.content import Attachment, Message, Note
from casework.models.directory import Person
from casework.models.grants import AccessGrant, Invitation
from casework.models.inbox import InboxItem, InboxSetting
from casework.models.links import LINK_KINDS, CaseLink
from casework.models.notify import CheckIn, Notification
from casework.models.search import CaseWord, SavedFilter
from casework.models.stats import StatsRelease
from casework.models.tokens import ApiToken
from casework.models.users import (
    CONTENT_ROLES,
    STAFF_ROLES,
    OidcIdentity,
    QueueMembership,
    User,
    UserRole,
)
from casework.models.web import WebSession

__all__ = [
    "AccessGrant", "ApiToken", "Assignment", "Attachment", "AuditEvent", "AuditHead", "Base",
    "CONTENT_ROLES", "Case", "CaseClock", "CaseEvent", "CaseKey", "CaseLink", "CaseParty",
    "CaseWord", "CheckIn", "InboxItem", "InboxSetting", "LINK_KINDS",
    "Invitation", "KeyEncryptionKey", "Message", "Note", "Notification", "OidcIdentity", "Person",
    "QueueMembership", "Recusal",
    "STAFF_ROLES", "SavedFilter", "StatsRelease", "Throttle", "User", "UserRole", "WebSession",
    "utcnow",
]
