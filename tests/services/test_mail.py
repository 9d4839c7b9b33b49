"""Sending the outbox to a real SMTP server (aiosmtpd on 127.0.0.1): the right people, bland
words only, retried after a failure and sent once, and nothing for those who may not hear."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from casework.models import AuditEvent, Notification
from casework.services.assignments import assign, recuse
from casework.services.audit import Kind
from casework.services.mail import (
    BACKOFF,
    FOOTER,
    LEASE,
    MAX_ATTEMPTS,
    DeliveryRun,
    MailConfigError,
    Mailer,
    MailSettings,
    build_message,
    claim,
    deliver_one,
    deliver_pending,
    prepare,
)
from casework.services.notify import enqueue, tell_reporter
from casework.services.reminders import send_reminders

DUE_SOON = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
BASE = "https://casework.example.org"
SUMMARY = "Forklift interlock bypassed at Zanzibar depot"
DETAILS = "Quartermaster Wibblesworth disabled the interlock every Tuesday"
ACCUSED = "Ignatius Bumblethorpe"


@pytest.fixture(autouse=True)
def five_days_warning(runtime):
    """The warning period these tests are written for, whatever the pack ships."""
    runtime.pack = replace(runtime.pack, due_soon_days=5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Sink:
    """An SMTP server's handler: keeps what it accepts; refuses with `refuse` when set."""

    port: int = 0
    refuse: str | None = None
    received: list[tuple[tuple[str, ...], EmailMessage, bytes]] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)  # of every DATA, refused or not

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.message_ids.append(message["Message-ID"])
        if self.refuse:
            return self.refuse
        self.received.append((tuple(envelope.rcpt_tos), message, envelope.content))
        return "250 Message accepted"

    def settings(self, port: int | None = None) -> MailSettings:
        return MailSettings(host="127.0.0.1", port=port or self.port, security="none",
                            sender="Casework <casework@council.example>", base_url=BASE)


@pytest.fixture
def sink() -> Iterator[Sink]:
    """A real SMTP server on a free local port, for one test."""
    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def case(make):
    """A named reporter's case with words that must never reach an email."""
    return make.case(summary=SUMMARY, details=DETAILS, anonymous=False, implicated=[ACCUSED])


def body(message: EmailMessage) -> str:
    """The text as written (SMTP carries CRLF line ends)."""
    return message.get_content().replace("\r\n", "\n")


def rows(ctx) -> list[Notification]:
    ctx.session.expire_all()
    return list(ctx.session.execute(select(Notification).order_by(Notification.id)).scalars())


def staff_team(ctx, make, case):
    """A queue member and an investigator from another queue assigned to the case."""
    member = make.user(queues=(case.queue,))
    investigator = make.user(roles=("investigator",), queues=("hr",))
    assign(ctx, make.actor(member), case.reference, investigator.id, "investigator")
    return member, investigator


def test_reminders_reach_those_told_and_say_nothing_of_the_case(ctx, make, runtime, clock,
                                                                sink, case):
    member, investigator = staff_team(ctx, make, case)
    clock.now = DUE_SOON
    assert send_reminders(ctx).new == 2
    run = deliver_pending(runtime, sink.settings())
    assert (run.sent, run.retrying, run.failed, run.dropped) == (2, 0, 0, 0)
    assert sorted(to for to, _, _ in sink.received) == sorted([(member.email,),
                                                                (investigator.email,)])
    label = next(c.label for c in runtime.pack.categories_for(case.route)
                 if c.key == case.category)
    forbidden = [*SUMMARY.split(), *DETAILS.split()[:2], ACCUSED, "Rep Orter",
                 "rep@example.org", label, case.reference, case.reference[3:]]
    for to, message, raw in sink.received:
        text = raw.decode().lower()
        assert not [w for w in forbidden if w.lower() in text and len(w) > 3], to
        assert message["Subject"] == "Casework: a case is due"
        assert body(message) == (
            f"A case you handle is due on 9 March 2026.\n\nSign in to see it: {BASE}/staff/"
            + FOOTER)
    assert all(r.status == "sent" and r.sent_at == DUE_SOON and r.claimed_until is None
               for r in rows(ctx))
    assert deliver_pending(runtime, sink.settings()).sent == 0 and len(sink.received) == 2


def test_overdue_wording(ctx, make, runtime, clock, sink, case):
    staff_team(ctx, make, case)
    clock.now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    send_reminders(ctx)
    deliver_pending(runtime, sink.settings())
    bodies = {body(m) for _, m, _ in sink.received}
    assert bodies == {"A case you handle was due on 9 March 2026 and is overdue.\n\n"
                      f"Sign in to see it: {BASE}/staff/" + FOOTER}


def one_reminder(ctx, make, case) -> Notification:
    member = make.user(queues=(case.queue,))
    assert enqueue(ctx, key="clock:test:due_soon", kind="clock_due_soon",
                   recipient_kind="staff", user_id=member.id, case_id=case.id,
                   params={"due_on": "2026-03-09"})
    return rows(ctx)[-1]


def test_a_refusing_server_leaves_the_row_pending_and_a_later_run_sends_it_once(
        ctx, make, runtime, clock, sink, case):
    one_reminder(ctx, make, case)
    sink.refuse = "451 4.3.0 Try again later"
    run = deliver_pending(runtime, sink.settings())
    assert (run.sent, run.retrying) == (0, 1) and sink.received == []
    [row] = rows(ctx)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "SMTPDataError 451")
    assert row.next_attempt_at == clock.now + BACKOFF and row.claimed_until is None
    assert deliver_pending(runtime, sink.settings()).retrying == 0  # not due again yet
    assert len(sink.message_ids) == 1
    sink.refuse = None
    clock.now += BACKOFF
    assert deliver_pending(runtime, sink.settings()).sent == 1
    assert deliver_pending(runtime, sink.settings()).sent == 0
    assert len(sink.received) == 1
    assert sink.message_ids[0] == sink.message_ids[1]  # the retry is the same message
    [row] = rows(ctx)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, clock.now)


def test_an_unreachable_server_costs_one_attempt_and_leaves_the_rest_untried(
        ctx, make, runtime, clock, sink, case):
    one_reminder(ctx, make, case)
    enqueue(ctx, key="clock:test:overdue", kind="clock_overdue", recipient_kind="staff",
            user_id=rows(ctx)[0].user_id, case_id=case.id, params={"due_on": "2026-03-09"})
    run = deliver_pending(runtime, sink.settings(port=free_port()))  # nothing listens there
    assert (run.sent, run.retrying, run.waiting) == (0, 1, 1)
    first, second = rows(ctx)
    assert (first.attempts, first.last_error) == (1, "ConnectionRefusedError")
    assert (second.attempts, second.status, second.claimed_until) == (0, "pending", None)
    assert deliver_pending(runtime, sink.settings()).sent == 1  # the untried one, now
    clock.now += BACKOFF
    assert deliver_pending(runtime, sink.settings()).sent == 1
    assert len(sink.received) == 2 and {r.status for r in rows(ctx)} == {"sent"}


def test_a_claim_that_lapsed_and_was_taken_by_another_sender_is_left_to_it(
        ctx, make, runtime, clock, sink, case):
    one_reminder(ctx, make, case)
    [mine] = claim(runtime, 50)
    clock.now += LEASE + timedelta(seconds=1)  # earlier rows of my batch were slow
    [theirs] = claim(runtime, 50)
    assert theirs[0] == mine[0]
    run, mailer = DeliveryRun(), Mailer(sink.settings())
    assert deliver_one(runtime, sink.settings(), mailer, mine, run)
    assert run == DeliveryRun() and sink.message_ids == []
    assert deliver_one(runtime, sink.settings(), mailer, theirs, run) and run.sent == 1
    mailer.close()


def test_a_crash_between_sending_and_marking_sends_again_with_the_same_message_id(
        ctx, make, runtime, clock, sink, case):
    one_reminder(ctx, make, case)
    [held] = claim(runtime, 50)
    outcome, message = prepare(runtime, sink.settings(), held)
    mailer = Mailer(sink.settings())
    mailer.send(message)  # ... and the process dies before marking the row sent
    mailer.close()
    assert deliver_pending(runtime, sink.settings()).sent == 0  # still claimed
    clock.now += LEASE + timedelta(seconds=1)
    assert deliver_pending(runtime, sink.settings()).sent == 1
    assert len(sink.received) == 2 and len(set(sink.message_ids)) == 1  # one to a client


def test_it_gives_up_after_the_last_attempt(ctx, make, runtime, clock, sink, case):
    one_reminder(ctx, make, case)
    sink.refuse = "450 4.2.0 Mailbox busy"
    for _ in range(MAX_ATTEMPTS):
        deliver_pending(runtime, sink.settings())
        clock.now += timedelta(days=1)
    [row] = rows(ctx)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert deliver_pending(runtime, sink.settings()).failed == 0
    assert len(sink.message_ids) == MAX_ATTEMPTS


def contact_reads(ctx, case_id: int) -> list[AuditEvent]:
    return list(ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == str(Kind.REPORTER_CONTACT_USED),
        AuditEvent.case_id == case_id)).scalars())


def test_a_reporter_who_asked_gets_only_the_bland_text(ctx, runtime, sink, case):
    case.notify_reporter = True
    assert tell_reporter(ctx, case, "message:1")
    assert not tell_reporter(ctx, case, "message:2")  # one waits already: that says it all
    assert deliver_pending(runtime, sink.settings()).sent == 1
    [(to, message, raw)] = sink.received
    assert to == ("rep@example.org",)
    assert message["Subject"] == "Casework: an update on your report"
    assert body(message) == (
        "There is an update on your report. Sign in with your reference and receipt to read "
        f"it: {BASE}/return" + FOOTER)
    assert case.reference.encode() not in raw and b"Forklift" not in raw
    [read] = contact_reads(ctx, case.id)
    assert read.actor == "system" and "@" not in str(read.details)
    assert tell_reporter(ctx, case, "message:3")  # the first has gone: news again


def test_an_anonymous_reporter_or_one_who_did_not_ask_gets_nothing(ctx, make, runtime, sink):
    anonymous = make.case(summary=SUMMARY)
    anonymous.notify_reporter = True
    quiet = make.case(anonymous=False)
    assert not tell_reporter(ctx, anonymous, "event:1")
    assert not tell_reporter(ctx, quiet, "event:1")
    for n, target in enumerate((anonymous, quiet)):  # as if enqueued before they changed
        enqueue(ctx, key=f"update:test:{n}", kind="reporter_update", recipient_kind="reporter",
                case_id=target.id)
    run = deliver_pending(runtime, sink.settings())
    assert (run.sent, run.dropped) == (0, 2) and sink.message_ids == []
    assert {r.status for r in rows(ctx)} == {"dropped"}
    assert contact_reads(ctx, anonymous.id) == contact_reads(ctx, quiet.id) == []


def test_staff_who_lost_access_before_sending_hear_nothing(ctx, make, runtime, clock, sink,
                                                           case):
    member, investigator = staff_team(ctx, make, case)
    stays = make.user(queues=(case.queue,))
    clock.now = DUE_SOON
    assert send_reminders(ctx).new == 3
    recuse(ctx, make.actor(member), case.reference, "a conflict came to light")
    investigator.active = False
    ctx.session.flush()
    run = deliver_pending(runtime, sink.settings())
    assert (run.sent, run.dropped) == (1, 2)
    assert [to for to, _, _ in sink.received] == [(stays.email,)]


@pytest.mark.parametrize("change", ["met", "extended", "closed"])
def test_a_reminder_overtaken_before_sending_is_dropped(ctx, make, runtime, clock, sink, case,
                                                       change):
    staff_team(ctx, make, case)
    clock.now = DUE_SOON
    assert send_reminders(ctx).new == 2
    for clock_row in case.clocks:
        if change == "met":
            clock_row.status = "met"
        elif change == "extended":
            clock_row.due_on += timedelta(days=14)
    if change == "closed":
        case.closed_at = clock.now
    ctx.session.flush()
    assert deliver_pending(runtime, sink.settings()).dropped == 2 and sink.message_ids == []


def test_the_message_id_is_stable_per_notification_and_names_nothing(ctx, make, runtime,
                                                                     sink, case):
    first = one_reminder(ctx, make, case)
    enqueue(ctx, key="clock:test:overdue", kind="clock_overdue", recipient_kind="staff",
            user_id=first.user_id, case_id=case.id, params={"due_on": "2026-03-09"})
    first, second = rows(ctx)
    settings, now = sink.settings(), datetime.now(UTC)
    ids = [build_message(settings, runtime.keyring, row, "x@example.org", now)["Message-ID"]
           for row in (first, first, second)]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0].endswith("@council.example>") and "clock" not in ids[0]


def test_settings_from_the_environment():
    assert not MailSettings.from_env({}).enabled
    full = MailSettings.from_env({
        "CASEWORK_SMTP_HOST": "smtp.example.org", "CASEWORK_SMTP_USERNAME": "cw",
        "CASEWORK_SMTP_PASSWORD": "secret", "CASEWORK_MAIL_FROM": "casework@example.org",
        "CASEWORK_BASE_URL": "https://casework.example.org/"})
    assert (full.enabled, full.port, full.security, full.base_url) == (
        True, 587, "starttls", "https://casework.example.org")
    assert "secret" not in repr(full)
    for broken in ({"CASEWORK_SMTP_SECURITY": "tls"}, {"CASEWORK_MAIL_FROM": ""},
                   {"CASEWORK_BASE_URL": "casework.example.org"},
                   {"CASEWORK_SMTP_PORT": "smtp"}):
        with pytest.raises(MailConfigError):
            MailSettings.from_env({"CASEWORK_SMTP_HOST": "smtp.example.org",
                                   "CASEWORK_MAIL_FROM": "casework@example.org",
                                   "CASEWORK_BASE_URL": BASE, **broken})


def test_without_a_server_the_outbox_waits(ctx, make, runtime, case):
    one_reminder(ctx, make, case)
    run = deliver_pending(runtime, MailSettings.from_env({}))
    assert (run.sent, run.waiting) == (0, 1)
    [row] = rows(ctx)
    assert (row.status, row.attempts, row.claimed_until) == ("pending", 0, None)
