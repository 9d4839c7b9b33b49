"""Sending the outbox by SMTP: fixed, bland words with no case content, retried with backoff.

A sender claims a batch of due rows (a conditional UPDATE per row, committed), then for each
row, in a transaction of its own, finds the address again (the staff account must still be
active and still allowed to see the case; the reporter must still want email and still be
named, and reading their sealed address is audited), sends outside any transaction, and marks
the row sent in another. A failed send is retried later with exponential backoff, and given up
("failed") after MAX_ATTEMPTS; what is stored of the error is its class and SMTP code only,
since the text may echo an address.

Delivery is at least once, not exactly once: if the process dies, or the database cannot be
reached, after the SMTP server accepted a message but before its row is marked sent, the next
run sends that message again. Both copies carry the same Message-ID (a keyed hash of the
notification's unique key, so it names nothing), which lets mail servers and clients that drop
duplicates by Message-ID show it once; not all do. (A row whose sender died is sent by a run
after its claim lapses, LEASE later.) Each row's claim is renewed, if still ours, just before
its send, and lasts LEASE, far longer than one SMTP exchange (TIMEOUT), so a slow send is not
taken over by a second sender meanwhile.

Nothing here logs or prints an address, a body or a reference.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session

from casework import i18n
from casework.crypto.envelope import DamagedRecord
from casework.crypto.keys import Keyring
from casework.i18n import _, ngettext
from casework.models import Case, CaseClock, Notification, User
from casework.runtime import Runtime
from casework.services.access import staff_actor, visible_filter
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.routing import party_details
from casework.services.vault import KeyDestroyed

SECURITY = ("starttls", "ssl", "none")
LEASE = timedelta(minutes=10)
TIMEOUT = 30.0
MAX_ATTEMPTS = 8
BACKOFF, BACKOFF_CAP = timedelta(minutes=5), timedelta(hours=6)
CLOCK_KINDS = frozenset({"clock_due_soon", "clock_overdue"})


def footer() -> str:
    """The last lines of every email, in the language of the moment."""
    return "\n\n" + _("This message was sent automatically by Casework. It holds no case "
                       "details.") + "\n"


with i18n.language(i18n.SOURCE):
    FOOTER = footer()  # in English


class MailConfigError(ValueError):
    """The SMTP settings are incomplete or invalid."""


@dataclass(frozen=True)
class MailSettings:
    """How to reach the SMTP server; no host means mail is off and the outbox waits."""

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security: str = "starttls"
    sender: str = ""
    base_url: str = ""
    timeout: float = TIMEOUT

    @property
    def enabled(self) -> bool:
        """Whether a server is configured."""
        return bool(self.host)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MailSettings:
        """Read CASEWORK_SMTP_* , CASEWORK_MAIL_FROM and CASEWORK_BASE_URL."""
        env = os.environ if environ is None else environ
        host = env.get("CASEWORK_SMTP_HOST", "").strip() or None
        security = env.get("CASEWORK_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
        port = env.get("CASEWORK_SMTP_PORT", "").strip() or "587"
        settings = cls(host=host, port=int(port) if port.isdigit() else -1,
                       username=env.get("CASEWORK_SMTP_USERNAME") or None,
                       password=env.get("CASEWORK_SMTP_PASSWORD") or None, security=security,
                       sender=env.get("CASEWORK_MAIL_FROM", "").strip(),
                       base_url=env.get("CASEWORK_BASE_URL", "").strip().rstrip("/"))
        if host:
            settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that could not send a useful email."""
        if self.security not in SECURITY:
            raise MailConfigError(f"CASEWORK_SMTP_SECURITY must be one of {', '.join(SECURITY)}")
        if not 0 < self.port < 65536:
            raise MailConfigError("CASEWORK_SMTP_PORT must be a port number")
        if "@" not in parseaddr(self.sender)[1]:
            raise MailConfigError("CASEWORK_MAIL_FROM must be an email address")
        if not self.base_url.startswith(("https://", "http://")):
            raise MailConfigError("CASEWORK_BASE_URL must be the site's address, "
                                  "e.g. https://casework.example.org")


@dataclass(frozen=True)
class Letter:
    """A subject and a plain-text body."""

    subject: str
    body: str


def long_date(iso: str) -> str:
    """9 March 2026 (9 mars 2026): the date in the language of the moment."""
    return i18n.format_day(date.fromisoformat(iso))


def compose(kind: str, params: Mapping, base_url: str) -> Letter:
    """The fixed words for a kind of notification, in the language of the moment: a date at
    most, never case content."""
    staff = _("Sign in to see it: %(link)s", link=base_url + "/staff/")
    if kind == "clock_due_soon":
        return Letter(_("Casework: a case is due"),
                      _("A case you handle is due on %(day)s.", day=long_date(params["due_on"]))
                      + "\n\n" + staff)
    if kind == "clock_overdue":
        return Letter(_("Casework: a case is overdue"),
                      _("A case you handle was due on %(day)s and is overdue.",
                        day=long_date(params["due_on"])) + "\n\n" + staff)
    if kind == "reporter_update":
        return Letter(_("Casework: an update on your report"),
                      _("There is an update on your report. Sign in with your reference and "
                        "receipt to read it: %(link)s", link=base_url + "/return"))
    if kind == "aftercare_followup":
        return Letter(_("Casework: a follow-up on a case you handled"),
                      _("The reporter of a case you handled has raised a further concern, and "
                        "a linked case has been opened.") + "\n\n" + staff)
    if kind == "case_fallback":
        return Letter(_("Casework: a case has come to your queue"),
                      _("A case has come to a queue you look after because nobody who could "
                        "handle it where it was can see it any more (a conflict of interest, "
                        "or an account closed). Please see that it is picked up.")
                      + "\n\n" + staff)
    if kind == "case_escalated":
        return Letter(_("Casework: a report needs your attention now"),
                      _("A report has arrived that the organisation's policy says must be "
                        "escalated at once to you. Please sign in and see it today.")
                      + "\n\n" + staff)
    if kind == "grant_pending":
        return Letter(_("Casework: a request for access waits for a decision"),
                      _("Someone has asked for an account to be given access in Casework, to a "
                        "queue you belong to or that you look after. It takes effect only once "
                        "it is approved.") + "\n\n" + staff)
    if kind == "grant_decided":
        return Letter(_("Casework: a request for access was decided"),
                      _("A request for access that concerns you or a queue you belong to has "
                        "been approved or refused.") + "\n\n" + staff)
    inbox = _("Sign in to see it: %(link)s", link=base_url + "/staff/inbox")
    if kind == "inbox_new":
        return Letter(_("Casework: something new needs your attention"),
                      _("There is something new in your Casework inbox.") + "\n\n" + inbox)
    if kind == "inbox_digest":
        count = int(params.get("count", 0))
        return Letter(_("Casework: your daily summary"),
                      ngettext("You have %(num)s new item in Casework.",
                               "You have %(num)s new items in Casework.", count)
                      + "\n\n" + inbox)
    raise ValueError(f"no words for notification kind {kind!r}")


def message_id(keyring: Keyring, dedupe_key: str, sender: str) -> str:
    """The same Message-ID every time for one notification; it reveals nothing about it."""
    digest = hmac.new(keyring.derive("message-id"), dedupe_key.encode(), hashlib.sha256)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "casework.invalid"
    return f"<{digest.hexdigest()[:40]}@{domain}>"


def build_message(settings: MailSettings, keyring: Keyring, row: Notification, address: str,
                  now: datetime) -> EmailMessage:
    """The email for one notification to one address."""
    letter = compose(row.kind, row.params or {}, settings.base_url)
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = address
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(keyring, row.dedupe_key, settings.sender)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter.body + footer())
    return message


class Mailer:
    """One SMTP connection, opened when first needed and dropped after any error."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    @property
    def connected(self) -> bool:
        """Whether a connection is open (a failure while opening one means the server is
        unreachable, or refuses us, for every message alike)."""
        return self._smtp is not None

    def send(self, message: EmailMessage) -> None:
        """Send one message; raises smtplib.SMTPException or OSError."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        s, context = self.settings, ssl.create_default_context()
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.security == "starttls":
                smtp.starttls(context=context)
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        """Say goodbye if the connection still answers; forget it either way."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


@dataclass
class DeliveryRun:
    """What one delivery run did (counts only); waiting: rows left untried in the outbox
    (mail is off, or the server could not be reached)."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0
    waiting: int = 0


def pending_count(runtime: Runtime) -> int:
    """How many notifications wait in the outbox."""
    with runtime.transaction() as session:
        return session.execute(select(func.count()).select_from(Notification)
                               .where(Notification.status == "pending")).scalar_one()


Claim = tuple[int, datetime]  # a row's id, and the claimed_until that says it is ours


def claim(runtime: Runtime, batch: int) -> list[Claim]:
    """Take up to batch due, unclaimed rows for LEASE; a row another sender took is skipped."""
    with runtime.transaction() as session:
        now = runtime.clock()
        free = (Notification.status == "pending",
                or_(Notification.claimed_until.is_(None), Notification.claimed_until < now))
        ids = session.execute(select(Notification.id)
                              .where(Notification.next_attempt_at <= now, *free)
                              .order_by(Notification.next_attempt_at, Notification.id)
                              .limit(batch)).scalars().all()
        claimed = []
        for notification_id in ids:
            taken = session.execute(update(Notification).where(
                Notification.id == notification_id, *free).values(claimed_until=now + LEASE),
                execution_options={"synchronize_session": False})
            if taken.rowcount == 1:
                claimed.append((notification_id, now + LEASE))
    return claimed


def hold(session: Session, held: Claim, until: datetime | None) -> bool:
    """Move a claim's end (None: let it go) if the row is still ours: a claim that lapsed while
    earlier rows of the batch were sent may have been taken by another sender since."""
    notification_id, token = held
    moved = session.execute(update(Notification).where(
        Notification.id == notification_id, Notification.status == "pending",
        Notification.claimed_until == token).values(claimed_until=until),
        execution_options={"synchronize_session": False})
    return moved.rowcount == 1


def staff_address(ctx: Context, row: Notification) -> str | None:
    """The account's address if it is active and may still see the case (and, for a clock
    reminder, the case is open and a clock still runs to that due date)."""
    user = ctx.session.get(User, row.user_id) if row.user_id is not None else None
    if user is None or not user.active:
        return None
    if row.case_id is not None:
        query = select(Case.id).where(Case.id == row.case_id,
                                      visible_filter(staff_actor(user, ctx.runtime.keyring)))
        if row.kind in CLOCK_KINDS:
            due = date.fromisoformat((row.params or {}).get("due_on", "0001-01-01"))
            query = query.where(Case.closed_at.is_(None), exists().where(
                CaseClock.case_id == Case.id, CaseClock.status == "running",
                CaseClock.due_on == due))
        if ctx.session.execute(query).first() is None:
            return None
    return user.email


def reporter_address(ctx: Context, row: Notification) -> str | None:
    """The reporter's sealed address if they still ask for email and are still named; the
    system read is audited (the case, never the address)."""
    case = ctx.session.get(Case, row.case_id) if row.case_id is not None else None
    if case is None or not case.notify_reporter or case.anonymous or case.purged_at:
        return None
    try:
        details = party_details(ctx, case, "reporter")
    except (DamagedRecord, KeyDestroyed):
        return None
    ctx.audit(Kind.REPORTER_CONTACT_USED, "system", case_id=case.id, notification=row.id)
    address = (details[0][1].get("email") or "").strip() if details else ""
    return address or None


def error_label(exc: Exception) -> str:
    """The exception's class and SMTP code(s): never its text, which may echo an address."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = ",".join(sorted({str(c) for c, _ in exc.recipients.values()}))
    return f"{type(exc).__name__} {code}" if code else type(exc).__name__


def prepare(runtime: Runtime, settings: MailSettings, held: Claim
            ) -> tuple[str, EmailMessage | None]:
    """("send", the message) for a row still ours, held for another LEASE; ("dropped", None)
    after marking it so (no one to send it to); ("taken", None) if another sender has it."""
    with runtime.transaction() as session:
        ctx = Context(session, runtime)
        if not hold(session, held, ctx.now + LEASE):
            return "taken", None
        row = session.get(Notification, held[0])
        resolve = {"staff": staff_address, "reporter": reporter_address}.get(row.recipient_kind)
        address = resolve(ctx, row) if resolve else None
        if address is None:
            row.status, row.claimed_until = "dropped", None
            return "dropped", None
        with i18n.language(recipient_language(ctx, row)):  # the email in the reader's language
            return "send", build_message(settings, runtime.keyring, row, address, ctx.now)


def recipient_language(ctx: Context, row: Notification) -> str | None:
    """The language an email is written in: a staff member's own, or the one the reporter
    made their report in (None: English)."""
    if row.recipient_kind == "staff" and row.user_id is not None:
        user = ctx.session.get(User, row.user_id)
        return user.language if user is not None else None
    if row.recipient_kind == "reporter" and row.case_id is not None:
        case = ctx.session.get(Case, row.case_id)
        return case.reporter_language if case is not None else None
    return None


def settle(runtime: Runtime, notification_id: int, error: Exception | None) -> str:
    """Mark a row sent, or count the failed attempt and schedule the next; returns its status."""
    with runtime.transaction() as session:
        row = session.get(Notification, notification_id)
        now, row.claimed_until = runtime.clock(), None
        if error is None:
            row.status, row.sent_at = "sent", now
            return "sent"
        row.attempts += 1
        row.last_error = error_label(error)
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
        else:
            row.next_attempt_at = now + min(BACKOFF * 2 ** (row.attempts - 1), BACKOFF_CAP)
        return row.status


def release(runtime: Runtime, claims: list[Claim]) -> int:
    """Give claimed rows back untried (the server is unreachable); returns how many."""
    if not claims:
        return 0
    with runtime.transaction() as session:
        return sum(hold(session, held, None) for held in claims)


def deliver_one(runtime: Runtime, settings: MailSettings, mailer: Mailer, held: Claim,
                run: DeliveryRun) -> bool:
    """Send one claimed row and count the result; False if the server could not be reached."""
    outcome, message = prepare(runtime, settings, held)
    run.dropped += outcome == "dropped"
    if message is None:
        return True
    connecting, error = not mailer.connected, None
    try:
        mailer.send(message)
    except (smtplib.SMTPException, OSError) as exc:
        error = exc
    status = settle(runtime, held[0], error)
    run.sent += status == "sent"
    run.retrying += status == "pending"
    run.failed += status == "failed"
    return not (error is not None and connecting)


def deliver_pending(runtime: Runtime, settings: MailSettings, *, batch: int = 50
                    ) -> DeliveryRun:
    """Send every due notification in the outbox, batch by batch; counts what happened. If the
    server cannot be reached the run stops, leaving the rest for the next."""
    run = DeliveryRun()
    if not settings.enabled:
        run.waiting = pending_count(runtime)
        return run
    mailer = Mailer(settings)
    try:
        while claimed := claim(runtime, batch):
            for n, held in enumerate(claimed):
                if not deliver_one(runtime, settings, mailer, held, run):
                    run.waiting += release(runtime, claimed[n + 1:])
                    return run
    finally:
        mailer.close()
    return run
