"""Grants of access that wait for approval: nobody can give themselves (or anyone) a case.

A queue, the admin role, or a content role on an account that already reaches cases is asked
for here and takes effect only when approved: a queue by its owner (the account linked to the
directory person holding the queue's `owner_role`), or, where the queue has no such account or
the grant names no queue, by a second administrator; never by whoever asked, nor the grantee.
Approval writes the `user_roles` / `queue_memberships` row the access policy reads. Each step
is audited, and the people concerned are told in the app and by content-free email.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from casework.i18n import _, _l
from casework.models import (
    CONTENT_ROLES,
    AccessGrant,
    Assignment,
    Person,
    QueueMembership,
    User,
    UserRole,
)
from casework.services import inbox, notify
from casework.services.access import Power, Staff, has_power
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Conflict, Forbidden, NotFound

PENDING = "pending"
#: Why a decided request cannot be decided again, by its state.
DECIDED_ALREADY = {"approved": _l("This request was approved already."),
                   "refused": _l("This request was refused already."),
                   "withdrawn": _l("This request was withdrawn already.")}
#: Roles that always wait for a second administrator: an administrator approves grants, so
#: one who could make another administrator at will could approve their own requests.
APPROVED_ROLES = frozenset({"admin"})


@dataclass(frozen=True)
class GrantRow:
    """A grant as listed, with whether the viewer may decide it."""

    id: int
    user_id: int
    user_name: str
    user_roles: tuple[str, ...]
    queue: str | None
    role: str | None
    requested_by: int | None
    requested_by_name: str | None
    requested_at: datetime
    state: str
    #: Who decides it: the queue's "owner", or an "administrator" (not the one who asked).
    decider: str
    can_decide: bool


def reaches_cases(ctx: Context, user: User) -> bool:
    """Whether an account already reaches cases: a queue, or an open assignment."""
    return bool(user.queues) or ctx.session.execute(select(exists().where(
        Assignment.user_id == user.id, Assignment.ended_at.is_(None)))).scalar_one()


def give_or_request(ctx: Context, requester: Staff, user: User, roles: Iterable[str],
                    queues: Iterable[str]) -> list[AccessGrant]:
    """Give at once what reaches no case; ask for the rest. Returns the pending grants."""
    reach = reaches_cases(ctx, user)
    pending = []
    for role in sorted(set(roles) - user.roles):
        if role in APPROVED_ROLES or (role in CONTENT_ROLES and reach):
            pending.append(_request(ctx, requester, user, role=role))
        else:
            user.role_rows.append(UserRole(role=role))
    for queue in sorted(set(queues) - user.queues):
        pending.append(_request(ctx, requester, user, queue=queue))
    ctx.session.flush()
    return pending


@dataclass(frozen=True)
class Proposer:
    """Who asks when nobody in Casework does: the single sign-on, for the provider's groups."""

    label: str = "oidc"
    user_id: None = None


def propose(ctx: Context, user: User, roles: Iterable[str], queues: Iterable[str],
            proposer: Proposer = Proposer()) -> list[AccessGrant]:
    """What an identity provider's groups propose for an account: every role and queue it
    lacks becomes a pending grant, decided by the same rule as any other (never given at
    once, whatever it reaches). One refused before is not asked for again."""
    refused = {(g.queue, g.role) for g in ctx.session.execute(select(AccessGrant).where(
        AccessGrant.user_id == user.id, AccessGrant.state == "refused")).scalars()}
    made = [_request(ctx, proposer, user, role=role)
            for role in sorted(set(roles) - user.roles) if (None, role) not in refused]
    made += [_request(ctx, proposer, user, queue=queue)
             for queue in sorted(set(queues) - user.queues) if (queue, None) not in refused]
    return made


def _request(ctx: Context, requester: Staff | Proposer, user: User, *, queue: str | None = None,
             role: str | None = None) -> AccessGrant:
    same = ctx.session.execute(select(AccessGrant).where(
        AccessGrant.user_id == user.id, AccessGrant.state == PENDING,
        AccessGrant.queue.is_(None) if queue is None else AccessGrant.queue == queue,
        AccessGrant.role.is_(None) if role is None else AccessGrant.role == role)).scalar()
    if same is not None:
        return same
    grant = AccessGrant(user_id=user.id, queue=queue, role=role, state=PENDING,
                        requested_by=requester.user_id, requested_at=ctx.now)
    ctx.session.add(grant)
    ctx.session.flush()
    ctx.audit(Kind.GRANT_REQUEST, requester.label, grant=grant.id, user_id=user.id,
              **_what(grant))
    _tell(ctx, grant, _audience(ctx, grant) - {requester.user_id, user.id})
    inbox.deliver(ctx, "grant_pending", f"grant:{grant.id}", approvers(ctx, grant))
    return grant


def withdraw(ctx: Context, actor: Staff, user: User, *, keep_roles: Iterable[str] = (),
             keep_queues: Iterable[str] = ()) -> None:
    """Pending grants for an account that no longer stand (everything not kept)."""
    keep_roles, keep_queues = set(keep_roles), set(keep_queues)
    rows = ctx.session.execute(select(AccessGrant).where(
        AccessGrant.user_id == user.id, AccessGrant.state == PENDING)).scalars()
    for grant in rows:
        if grant.role in keep_roles or grant.queue in keep_queues:
            continue
        grant.state, grant.decided_by, grant.decided_at = "withdrawn", actor.user_id, ctx.now
        inbox.mark_grant_read(ctx, grant.id)
        ctx.audit(Kind.GRANT_WITHDRAW, actor.label, grant=grant.id, user_id=user.id,
                  **_what(grant))


def decide(ctx: Context, actor: Staff, grant_id: int, approve: bool) -> AccessGrant:
    """Approve or refuse a pending grant; only those `approvers` names may (403)."""
    grant = ctx.session.execute(select(AccessGrant).where(AccessGrant.id == grant_id)
                                .with_for_update()).scalar_one_or_none()
    if grant is None:
        raise NotFound(_("There is no such request for access."))
    if actor.user_id not in approvers(ctx, grant):
        raise Forbidden(_refusal(ctx, actor, grant))
    if grant.state != PENDING:
        raise Conflict(DECIDED_ALREADY.get(grant.state) or _(
            "This request was %(state)s already.", state=grant.state))
    user = ctx.session.get(User, grant.user_id)
    if approve and grant.role is not None and grant.role not in user.roles:
        user.role_rows.append(UserRole(role=grant.role))
    if approve and grant.queue is not None and grant.queue not in user.queues:
        user.queue_rows.append(QueueMembership(queue=grant.queue))
    grant.state = "approved" if approve else "refused"
    grant.decided_by, grant.decided_at = actor.user_id, ctx.now
    ctx.session.flush()
    ctx.audit(Kind.GRANT_APPROVE if approve else Kind.GRANT_REFUSE, actor.label,
              grant=grant.id, user_id=grant.user_id, **_what(grant))
    inbox.mark_grant_read(ctx, grant.id)
    told = _audience(ctx, grant) | {grant.user_id, grant.requested_by or 0}
    _tell(ctx, grant, told - {actor.user_id, 0})
    return grant


def _refusal(ctx: Context, actor: Staff, grant: AccessGrant) -> str:
    if actor.user_id == grant.user_id:
        return _("Nobody may approve their own access.")
    if actor.user_id == grant.requested_by:
        return _("Someone other than the person who asked must decide this request.")
    if Deciders(ctx).of(grant)[0] == "owner":
        return _("Only the queue's owner may decide this request.")
    return _("Only another administrator may decide this request.")


def _excluded(grant: AccessGrant) -> set[int]:
    return {grant.user_id, grant.requested_by or 0}


def approvers(ctx: Context, grant: AccessGrant) -> frozenset[int]:
    """Who may decide a grant: the queue's owner accounts, else the administrators; never
    the one who asked, nor the grantee."""
    return Deciders(ctx).of(grant)[1]


class Deciders:
    """Who decides grants, each queue's owners and the administrators looked up once (a
    listing asks for every row)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._owners: dict[str, frozenset[int]] = {}
        self._admins: frozenset[int] | None = None

    def of(self, grant: AccessGrant) -> tuple[str, frozenset[int]]:
        """("owner", the queue's owner accounts), or, without any that may decide,
        ("administrator", the administrators), less the one who asked and the grantee."""
        excluded = _excluded(grant)
        if grant.queue is not None:
            if grant.queue not in self._owners:
                self._owners[grant.queue] = owner_accounts(self.ctx, grant.queue)
            if owners := self._owners[grant.queue] - excluded:
                return "owner", owners
        if self._admins is None:
            self._admins = admin_accounts(self.ctx)
        return "administrator", self._admins - excluded


def owner_accounts(ctx: Context, queue: str) -> frozenset[int]:
    """Active accounts linked to the directory person holding the queue's owner role."""
    found = ctx.runtime.pack.queues.get(queue)
    if found is None or found.owner_role is None:
        return frozenset()
    people = ctx.session.execute(select(Person.id, Person.roles)).all()
    holders = [pid for pid, roles in people if found.owner_role in (roles or ())]
    if not holders:
        return frozenset()
    return frozenset(ctx.session.execute(select(User.id).where(
        User.person_id.in_(holders), User.active.is_(True))).scalars())


def admin_accounts(ctx: Context) -> frozenset[int]:
    """Active accounts holding the admin role."""
    return frozenset(ctx.session.execute(select(User.id).join(UserRole).where(
        UserRole.role == "admin", User.active.is_(True))).scalars())


def owned_queues(ctx: Context, actor: Staff) -> frozenset[str]:
    """The queues whose owner this account is."""
    user = ctx.session.get(User, actor.user_id)
    person = ctx.session.get(Person, user.person_id) if user and user.person_id else None
    if person is None or not user.active:
        return frozenset()
    return frozenset(q.key for q in ctx.runtime.pack.queues.values()
                     if q.owner_role and q.owner_role in (person.roles or ()))


def list_grants(ctx: Context, actor: Staff, state: str | None = PENDING,
                user_id: int | None = None) -> list[GrantRow]:
    """Administrators see every grant; queue owners those for their queues (403 for others).
    Newest first; `state` None for every state, `user_id` for one account's."""
    admin = has_power(actor, Power.ADMINISTER)
    owned = frozenset() if admin else owned_queues(ctx, actor)
    if not admin and not owned:
        raise Forbidden(_("Only administrators and queue owners see requests for access."))
    return _rows(ctx, actor, None if admin else owned, state, user_id=user_id)


def news_for(ctx: Context, actor: Staff) -> list[GrantRow]:
    """Pending grants this person should know of: their queues' (as member or owner), and
    every one for an administrator. Nobody else is told anything."""
    if has_power(actor, Power.ADMINISTER):
        return _rows(ctx, actor, None, PENDING)
    queues = actor.queues | owned_queues(ctx, actor)
    return _rows(ctx, actor, queues, PENDING) if queues else []


def described(ctx: Context, actor: Staff, made: Iterable[AccessGrant]) -> list[GrantRow]:
    """Grants just asked for, as listed to the one who asked."""
    ids = [grant.id for grant in made]
    return _rows(ctx, actor, None, None, ids=ids) if ids else []


def _rows(ctx: Context, actor: Staff, queues: Iterable[str] | None, state: str | None, *,
          ids: list[int] | None = None, user_id: int | None = None) -> list[GrantRow]:
    asker = aliased(User)
    query = (select(AccessGrant, User, asker.name).join(User, User.id == AccessGrant.user_id)
             .outerjoin(asker, asker.id == AccessGrant.requested_by)
             .order_by(AccessGrant.requested_at.desc(), AccessGrant.id.desc()).limit(500))
    if state is not None:
        query = query.where(AccessGrant.state == state)
    if queues is not None:
        query = query.where(AccessGrant.queue.in_(sorted(queues)))
    if ids is not None:
        query = query.where(AccessGrant.id.in_(ids))
    if user_id is not None:
        query = query.where(AccessGrant.user_id == user_id)
    rows, who = [], Deciders(ctx)
    for grant, user, asker_name in ctx.session.execute(query).all():
        kind, deciders = who.of(grant)
        rows.append(GrantRow(grant.id, user.id, user.name, tuple(sorted(user.roles)),
                             grant.queue, grant.role, grant.requested_by, asker_name,
                             grant.requested_at, grant.state, kind,
                             grant.state == PENDING and actor.user_id in deciders))
    return rows


def _what(grant: AccessGrant) -> dict[str, str]:
    return {"queue": grant.queue} if grant.queue is not None else {"role": grant.role}


def _audience(ctx: Context, grant: AccessGrant) -> set[int]:
    """Who hears of a grant: the queue's members and owners, or the administrators."""
    if grant.queue is None:
        return set(admin_accounts(ctx))
    members = ctx.session.execute(select(User.id).join(QueueMembership).where(
        QueueMembership.queue == grant.queue, User.active.is_(True))).scalars()
    return set(members) | set(owner_accounts(ctx, grant.queue)) | set(approvers(ctx, grant))


def _tell(ctx: Context, grant: AccessGrant, user_ids: Iterable[int]) -> None:
    """One content-free email each ("a request for access needs you"), through the outbox."""
    kind = "grant_pending" if grant.state == PENDING else "grant_decided"
    notify.enqueue_many(ctx, [notify.Outgoing(f"grant:{grant.id}:{grant.state}:user:{uid}",
                                              kind, "staff", user_id=uid)
                              for uid in sorted(user_ids)])
