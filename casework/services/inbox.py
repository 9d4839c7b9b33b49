"""The staff inbox: what needs each person's attention, remembered per person as read or not.

Items are stored rows (services write them where the thing happens, through `deliver`), so
"read" is remembered per person and every path (pages, API, CLI, cron) makes the same items:

- `new_report`: a report lodged in a queue the person may see (`lodged`);
- `reporter_message`, `reporter_evidence`, `reporter_update`: the reporter wrote, sent a file,
  or did something else on their page (confirmed the record, answered a check-in, asked for a
  meeting, withdrew): `on_event`, from `events.add_event`, and `evidence.accept_evidence`;
- `assigned`: someone assigned the person to a case; `case_moved`: triage, or the fallback,
  moved a case into their reach;
- `grant_pending`: a request for access the person may approve (no case);
- `due_soon`, `overdue`: a deadline, written by the reminders run (`casework reminders send`);
- `escalated`, `referral_due`: what the policy pack says must reach someone at once (zero
  tolerance), or must have a referral decision (a possible offence).

Nobody is given an item about a case the access policy does not let them open (a person
implicated or recused never is), and the inbox asks the policy again each time it is read: an
item about a case the person can no longer open is not shown, not even counted. Items hold a
kind, a case and a time: never what the case says.

Email, by each person's choice (`InboxSetting`): `immediate` (one content-free email when
something new arrives, none while an earlier one still waits in the outbox; kinds that
already send their own email, such as deadlines and escalations, add none), `daily` (the
default: a digest, "you have 3 new items", from `casework inbox digest`), or `none`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from casework.i18n import _
from casework.models import Case, CaseEvent, InboxItem, InboxSetting, Notification, User
from casework.services import notify
from casework.services.access import Staff, seers_of, staff_actor, visible_filter
from casework.services.context import Context
from casework.services.errors import Invalid, NotFound

KINDS = ("new_report", "reporter_message", "reporter_evidence", "reporter_update", "assigned",
         "case_moved", "grant_pending", "due_soon", "overdue", "escalated", "referral_due")
#: Kinds whose event already sends its own email (reminders, escalation, grants): an
#: `immediate` choice adds no second one.
EMAILED = frozenset({"grant_pending", "due_soon", "overdue", "escalated"})
EMAIL_CHOICES = ("immediate", "daily", "none")
DEFAULT_EMAIL = "daily"
#: The inbox shows at most this many items, newest first.
LIMIT = 200
#: Reporter events with no inbox item of their own (the report itself is `new_report`).
QUIET_REPORTER_EVENTS = frozenset({"lodged"})


@dataclass(frozen=True)
class Item:
    """One item as its person sees it: no content, only what it is about and when."""

    id: int
    kind: str
    reference: str | None
    at: datetime
    read: bool


def _insert(ctx: Context, rows: list[dict]) -> list[tuple[int, int, int | None, str]]:
    """Insert rows whose key is new (a repeated run, or a concurrent one, adds nothing);
    returns (id, user, case, kind) of those inserted."""
    if not rows:
        return []
    insert = pg_insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = InboxItem.__table__
    statement = (insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
                 .returning(table.c.id, table.c.user_id, table.c.case_id, table.c.kind))
    ctx.session.flush()
    return [tuple(row) for row in ctx.session.connection().execute(statement, rows).all()]


def deliver(ctx: Context, kind: str, about: str, user_ids: Iterable[int],
            case: Case | None = None) -> int:
    """The one way items are written: `kind` for each of `user_ids` who may open `case` (all
    of them, for an item about no case), once per `about` (what happened, e.g. "message:41")
    and person. Returns how many items are new."""
    if kind not in KINDS:
        raise ValueError(f"unknown inbox kind {kind!r}")
    wanted = sorted(set(user_ids))
    if case is not None and wanted:
        from casework.services.reminders import visible_pairs  # (reminders writes items too)

        ctx.session.flush()
        wanted = sorted(u for u, _ in visible_pairs(ctx, {u: {case.id} for u in wanted}))
    case_id = case.id if case is not None else None
    return deliver_checked(ctx, [(kind, about, user_id, case_id) for user_id in wanted])


def deliver_checked(ctx: Context, entries: Iterable[tuple[str, str, int, int | None]]) -> int:
    """Items (kind, about, user, case) whose user the caller has already checked against the
    access policy (the reminders run asks it for many at once); returns how many are new."""
    rows = [{"user_id": user_id, "kind": kind, "case_id": case_id, "at": ctx.now,
             "dedupe_key": f"{about}:user:{user_id}"[:200], "read_at": None}
            for kind, about, user_id, case_id in entries]
    added = _insert(ctx, rows)
    _email_at_once(ctx, [row for row in added if row[3] not in EMAILED])
    return len(added)


def _email_at_once(ctx: Context, added: list[tuple]) -> None:
    """One "something new" email per person who chose `immediate`, unless one still waits."""
    users = sorted({user_id for _, user_id, _, _ in added})
    if not users:
        return
    immediate = set(ctx.session.execute(select(InboxSetting.user_id).where(
        InboxSetting.user_id.in_(users), InboxSetting.email == "immediate")).scalars())
    waiting = set(ctx.session.execute(select(Notification.user_id).where(
        Notification.user_id.in_(sorted(immediate)), Notification.kind == "inbox_new",
        Notification.status == "pending")).scalars()) if immediate else set()
    first: dict[int, tuple] = {}
    for row in added:
        if row[1] in immediate - waiting:
            first.setdefault(row[1], row)
    notify.enqueue_many(ctx, [notify.Outgoing(f"inbox:{item_id}", "inbox_new", "staff",
                                              user_id=user_id, case_id=case_id)
                              for item_id, user_id, case_id, _ in first.values()])


def tell_case(ctx: Context, case: Case, kind: str, about: str,
              exclude: Iterable[int | None] = ()) -> int:
    """An item for everyone who may open the case now (its queue's members and those
    assigned, as the policy decides), but those in `exclude` (who did it)."""
    people = {s.user_id for s in seers_of(ctx, case)} - set(exclude)
    return deliver(ctx, kind, about, people, case)


def _moved(event: CaseEvent) -> bool:
    facts = event.facts or {}
    before, after = facts.get("from"), facts.get("to")
    if isinstance(before, dict) and isinstance(after, dict):
        return before.get("queue") != after.get("queue")
    return before != after


def on_event(ctx: Context, case: Case, event: CaseEvent) -> None:
    """Items for a case event just added (called by `events.add_event`, so every path that
    records an event makes them)."""
    about = f"event:{case.id}:{event.seq}"
    if event.actor_kind == "reporter" and event.kind not in QUIET_REPORTER_EVENTS:
        kind = "reporter_message" if event.kind == "message" else "reporter_update"
        tell_case(ctx, case, kind, about)
    elif event.kind == "assigned":
        user_id = (event.facts or {}).get("user_id")
        if isinstance(user_id, int) and user_id != event.actor_user_id:
            deliver(ctx, "assigned", about, [user_id], case)
    elif event.kind in ("triaged", "queue_fallback") and _moved(event):
        tell_case(ctx, case, "case_moved", about, exclude=[event.actor_user_id])


def lodged(ctx: Context, case: Case, recorded_by: int | None) -> None:
    """A new report, routed: an item for everyone who may open it, and, when the policy asks
    for a referral decision on it, one saying so."""
    from casework.services.referrals import decisions_due

    tell_case(ctx, case, "new_report", f"lodged:{case.id}", exclude=[recorded_by])
    if decisions_due(ctx, case):
        tell_case(ctx, case, "referral_due", f"referral_due:{case.id}")


def _visible(actor: Staff) -> ColumnElement[bool]:
    """Items the person may see now: about no case, or about a case the policy lets them
    open (asked afresh at every read)."""
    return or_(InboxItem.case_id.is_(None), visible_filter(actor))


def _mine(actor: Staff):
    return (select(InboxItem, Case.reference).outerjoin(Case, Case.id == InboxItem.case_id)
            .where(InboxItem.user_id == actor.user_id, _visible(actor)))


def items(ctx: Context, actor: Staff, unread_only: bool = False,
          limit: int = LIMIT) -> list[Item]:
    """The person's items, newest first (unread only, if asked)."""
    query = _mine(actor)
    if unread_only:
        query = query.where(InboxItem.read_at.is_(None))
    rows = ctx.session.execute(query.order_by(InboxItem.at.desc(), InboxItem.id.desc())
                               .limit(limit)).all()
    return [Item(item.id, item.kind, ref, item.at, item.read_at is not None)
            for item, ref in rows]


def unread_count(ctx: Context, actor: Staff, since: datetime | None = None) -> int:
    """How many of the person's items are unread (of those they may still see; of those
    that arrived after `since`, if given)."""
    query = (select(func.count()).select_from(InboxItem).outerjoin(
        Case, Case.id == InboxItem.case_id).where(
        InboxItem.user_id == actor.user_id, InboxItem.read_at.is_(None), _visible(actor)))
    if since is not None:
        query = query.where(InboxItem.at > since)
    return ctx.session.execute(query).scalar_one()


def unread_references(ctx: Context, actor: Staff) -> frozenset[str]:
    """The references of cases with unread items for this person (for the "New" markers)."""
    rows = ctx.session.execute(
        select(Case.reference).join(InboxItem, InboxItem.case_id == Case.id)
        .where(InboxItem.user_id == actor.user_id, InboxItem.read_at.is_(None),
               visible_filter(actor)).distinct().limit(LIMIT)).scalars()
    return frozenset(rows)


def mark_read(ctx: Context, actor: Staff, item_id: int) -> Item:
    """Mark one of the person's items read; anyone else's, or one about a case they can no
    longer open, is not there (404)."""
    row = ctx.session.execute(_mine(actor).where(InboxItem.id == item_id)).first()
    if row is None:
        raise NotFound(_("There is no such item in your inbox."))
    item, ref = row
    if item.read_at is None:
        item.read_at = ctx.now
    return Item(item.id, item.kind, ref, item.at, True)


def mark_all_read(ctx: Context, actor: Staff) -> int:
    """Mark every item the person can see read; returns how many were unread."""
    rows = ctx.session.execute(_mine(actor).where(InboxItem.read_at.is_(None))).all()
    for item, _ref in rows:
        item.read_at = ctx.now
    return len(rows)


def open_case_items(ctx: Context, actor: Staff, case: Case) -> list[str]:
    """The kinds of the person's unread items on a case they are opening, now marked read
    (opening the case page is reading them)."""
    rows = ctx.session.execute(select(InboxItem).where(
        InboxItem.user_id == actor.user_id, InboxItem.case_id == case.id,
        InboxItem.read_at.is_(None)).order_by(InboxItem.at, InboxItem.id)).scalars().all()
    for item in rows:
        item.read_at = ctx.now
    return list(dict.fromkeys(item.kind for item in rows))


def mark_grant_read(ctx: Context, grant_id: int) -> None:
    """A request for access once decided needs nobody's attention any more."""
    ctx.session.execute(update(InboxItem).where(
        InboxItem.dedupe_key.like(f"grant:{grant_id}:%"), InboxItem.read_at.is_(None))
        .values(read_at=ctx.now), execution_options={"synchronize_session": False})


def email_choice(ctx: Context, user_id: int) -> str:
    """How the person hears of new items: immediate, daily or none."""
    found = ctx.session.get(InboxSetting, user_id)
    return found.email if found is not None else DEFAULT_EMAIL


def set_email_choice(ctx: Context, actor: Staff, choice: str) -> str:
    """The person's own choice (nobody sets it for someone else)."""
    if choice not in EMAIL_CHOICES:
        raise Invalid(_("Choose how you want to be told."),
                      {"email": _("must be one of %(choices)s",
                                  choices=", ".join(EMAIL_CHOICES))})
    found = ctx.session.get(InboxSetting, actor.user_id)
    if found is None:
        ctx.session.add(InboxSetting(user_id=actor.user_id, email=choice))
    else:
        found.email = choice
    ctx.session.flush()
    return choice


@dataclass(frozen=True)
class DigestRun:
    """What one digest run did (counts only)."""

    people: int
    items: int


def send_digests(ctx: Context) -> DigestRun:
    """A daily digest for each active person who chose it (or left the default) and has
    unread items, visible to them, that arrived since their last digest: "you have 3 new
    items", content-free, once per day at most, through the outbox."""
    today = ctx.today
    users = ctx.session.execute(
        select(User).where(User.active.is_(True), User.id.in_(
            select(InboxItem.user_id).where(InboxItem.read_at.is_(None)).distinct()))
        .order_by(User.id)).scalars().all()
    settings = {s.user_id: s for s in ctx.session.execute(select(InboxSetting).where(
        InboxSetting.user_id.in_([u.id for u in users]))).scalars()}
    people = total = 0
    for user in users:
        setting = settings.get(user.id)
        if (setting.email if setting else DEFAULT_EMAIL) != "daily":
            continue
        since = setting.digest_at if setting else None
        if since is not None and since > ctx.now - timedelta(hours=20):
            continue  # one a day, whenever cron runs it
        count = unread_count(ctx, staff_actor(user, ctx.runtime.keyring), since)
        if not count:
            continue
        if notify.enqueue(ctx, key=f"digest:{user.id}:{today.isoformat()}", kind="inbox_digest",
                          recipient_kind="staff", user_id=user.id, params={"count": count}):
            people, total = people + 1, total + count
        if setting is None:
            setting = InboxSetting(user_id=user.id, email=DEFAULT_EMAIL)
            ctx.session.add(setting)
        setting.digest_at = ctx.now
    ctx.session.flush()
    return DigestRun(people, total)

