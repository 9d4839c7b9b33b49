"""Grants of access: what waits for approval, who may decide (the queue's owner, else a second
administrator; never the one who asked nor the grantee), and what an approval writes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.models import (
    AccessGrant,
    AuditEvent,
    Case,
    Notification,
    QueueMembership,
    User,
)
from casework.services import accounts, grants
from casework.services.access import visible_filter
from casework.services.errors import Conflict, Forbidden, NotFound
from casework.services.mail import compose

QUEUES = ("intake", "hr", "monitoring_officer", "internal_audit", "chief_executive", "external")


@pytest.fixture
def org(make):
    """A directory with the posts that own queues, an administrator linked to the Chief
    Executive, a second administrator, and the Monitoring Officer's own account."""
    people = {role: make.person(position=role, roles=(role,)) for role in (
        "chief_executive", "monitoring_officer", "head_of_internal_audit", "hr_manager")}
    admin = make.staff(("admin",), (), person_id=people["chief_executive"])
    second = make.staff(("admin",), ())
    mo = make.staff(("intake", "investigator"), ("monitoring_officer",),
                    person_id=people["monitoring_officer"])
    return people, admin, second, mo


def invite(ctx, admin, roles=("intake",), queues=QUEUES, person_id=None, email="new@x.example"):
    return accounts.invite_user(ctx, admin, accounts.NewAccount(
        email=email, name="New Officer", roles=tuple(roles), queues=tuple(queues),
        person_id=person_id))


def pending(ctx, user_id):
    return {(g.queue, g.role): g for g in ctx.session.execute(select(AccessGrant).where(
        AccessGrant.user_id == user_id, AccessGrant.state == "pending")).scalars()}


def test_queues_wait_and_a_first_content_role_does_not(ctx, org):
    _, admin, _, _ = org
    invited = invite(ctx, admin)
    user = invited.user
    assert user.roles == {"intake"} and user.queues == frozenset()
    assert set(pending(ctx, user.id)) == {(q, None) for q in QUEUES}
    assert not user.enrolled and user.totp_secret_ct is None


def test_a_content_role_waits_once_the_account_reaches_cases(ctx, make, org):
    _, admin, _, _ = org
    officer = make.user(("intake",), ("intake",))
    change = accounts.change_access(ctx, admin, officer.id, ("intake", "investigator"),
                                    ("intake",))
    assert [(g.role, g.queue) for g in change.pending] == [("investigator", None)]
    assert officer.roles == {"intake"}


def test_the_admin_role_always_waits_and_other_powers_do_not(ctx, org):
    _, admin, _, _ = org
    invited = invite(ctx, admin, roles=("admin", "auditor", "hr_analyst"), queues=())
    assert invited.user.roles == {"auditor", "hr_analyst"}
    assert set(pending(ctx, invited.user.id)) == {(None, "admin")}


def test_the_queue_owner_decides_and_nobody_else(ctx, make, org):
    _, admin, second, mo = org
    user = invite(ctx, admin).user
    grant = pending(ctx, user.id)[("monitoring_officer", None)]
    assert grants.approvers(ctx, grant) == {mo.user_id}
    grantee = make.actor(user)
    for who in (admin, second, grantee):
        with pytest.raises(Forbidden):
            grants.decide(ctx, who, grant.id, approve=True)
    assert grants.decide(ctx, mo, grant.id, approve=True).state == "approved"
    assert ctx.session.get(User, user.id).queues == {"monitoring_officer"}
    with pytest.raises(Conflict):
        grants.decide(ctx, mo, grant.id, approve=False)


def test_without_an_owner_account_a_second_administrator_decides(ctx, org):
    _, admin, second, mo = org
    user = invite(ctx, admin).user
    waiting = pending(ctx, user.id)
    for queue in ("intake", "external", "internal_audit", "hr"):  # no owner, or no account
        assert grants.approvers(ctx, waiting[(queue, None)]) == {second.user_id}, queue
    # The Chief Executive's queue: its owner's account is the administrator who asked.
    assert grants.approvers(ctx, waiting[("chief_executive", None)]) == {second.user_id}
    with pytest.raises(Forbidden, match="other than the person who asked"):
        grants.decide(ctx, admin, waiting[("intake", None)].id, approve=True)
    with pytest.raises(Forbidden):
        grants.decide(ctx, mo, waiting[("intake", None)].id, approve=True)
    assert grants.decide(ctx, second, waiting[("intake", None)].id, approve=False).state == (
        "refused")
    assert ctx.session.get(User, user.id).queues == frozenset()


def test_the_owner_is_not_asked_about_their_own_access(ctx, make, org):
    people, admin, second, _ = org
    owner_user = invite(ctx, admin, queues=("hr",), person_id=people["hr_manager"]).user
    grant = pending(ctx, owner_user.id)[("hr", None)]
    assert grants.approvers(ctx, grant) == {second.user_id}


def test_approval_is_what_opens_the_queue(ctx, make, org):
    _, admin, _, mo = org
    case = make.lodge("disclosure", implicated=[org[0]["chief_executive"]])
    assert case.case.queue == "monitoring_officer"
    user = invite(ctx, admin).user

    def visible() -> bool:
        return ctx.session.execute(select(Case.id).where(
            Case.id == case.case.id, visible_filter(make.actor(user)))).first() is not None

    assert not visible()
    grants.decide(ctx, mo, pending(ctx, user.id)[("monitoring_officer", None)].id, True)
    assert visible()
    assert ctx.session.execute(select(QueueMembership).where(
        QueueMembership.user_id == user.id)).scalars().one().queue == "monitoring_officer"


def test_lists_show_administrators_everything_and_owners_their_queues(ctx, make, org):
    _, admin, second, mo = org
    user = invite(ctx, admin).user
    everything = grants.list_grants(ctx, second)
    assert {r.queue for r in everything if r.user_id == user.id} == set(QUEUES)
    mine = grants.list_grants(ctx, mo)
    assert [(r.queue, r.can_decide, r.decider) for r in mine] == [
        ("monitoring_officer", True, "owner")]
    assert not any(r.can_decide for r in grants.list_grants(ctx, admin))
    with pytest.raises(Forbidden):
        grants.list_grants(ctx, make.staff(("intake",), ("intake",)))
    with pytest.raises(NotFound):
        grants.decide(ctx, mo, 987654, approve=True)


def test_members_are_told_without_content(ctx, make, org):
    _, admin, second, mo = org
    member = make.staff(("intake",), ("monitoring_officer",))
    user = invite(ctx, admin).user
    told = ctx.session.execute(select(Notification).where(
        Notification.kind == "grant_pending")).scalars().all()
    assert {mo.user_id, member.user_id, second.user_id} <= {n.user_id for n in told}
    assert admin.user_id not in {n.user_id for n in told} and user.id not in {
        n.user_id for n in told}
    assert all(n.case_id is None and n.params == {} for n in told)
    letter = compose("grant_pending", {}, "https://casework.example")
    assert "sign in" in letter.body.lower() and "https://casework.example/staff/" in letter.body
    assert compose("grant_decided", {}, "https://x.example").subject


def test_each_step_is_audited(ctx, org):
    _, admin, _, mo = org
    user = invite(ctx, admin, queues=("monitoring_officer",)).user
    grants.decide(ctx, mo, pending(ctx, user.id)[("monitoring_officer", None)].id, True)
    kinds = [(e.kind, e.actor) for e in ctx.session.execute(select(AuditEvent).order_by(
        AuditEvent.seq)).scalars() if e.kind.startswith(("admin:user", "admin:grant"))]
    assert kinds[-3:] == [("admin:user:invite", admin.label), ("admin:grant:request", admin.label),
                          ("admin:grant:approve", mo.label)]
