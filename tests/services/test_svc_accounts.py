"""Accounts: invitations (one use, 72 hours, a digest only), enrolling, a second-factor reset,
changes of roles and queues, deactivation, and administrators acting on others only."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from casework.models import AccessGrant, ApiToken, AuditEvent, Invitation, User, WebSession
from casework.services import accounts, invitations, throttle, tokens
from casework.services.auth import staff_sign_in
from casework.services.errors import Conflict, Forbidden, Invalid, TooManyAttempts, Unauthorized

PASSWORD = "a long enough password"


@pytest.fixture
def admin(make):
    return make.staff(("admin",), ())


def invite(ctx, admin, roles=("auditor",), queues=(), email="new@x.example"):
    return accounts.invite_user(ctx, admin, accounts.NewAccount(
        email=email, name="New", roles=roles, queues=queues))


def test_the_invitation_is_stored_as_a_digest_only(ctx, admin):
    invited = invite(ctx, admin)
    code = invited.invitation.code
    assert len(code.replace("-", "")) == 24  # 120 bits of base32
    row = ctx.session.execute(select(Invitation)).scalar_one()
    assert code not in repr(vars(row)) and code.replace("-", "") not in repr(vars(row))
    assert row.expires_at - ctx.now == timedelta(hours=72)
    assert invited.user.password_hash == "" and invited.user.totp_secret_ct is None


def test_only_administrators_invite(ctx, make):
    with pytest.raises(Forbidden):
        invite(ctx, make.staff(("intake",), ("intake",)))


def test_enrolling_once(ctx, admin, clock):
    code = invite(ctx, admin).invitation.code
    enrolled = invitations.enrol(ctx, code.lower().replace("-", " "), PASSWORD)
    assert enrolled.user.enrolled
    assert staff_sign_in(ctx, "new@x.example", PASSWORD,
                         pyotp.TOTP(enrolled.totp_secret).at(clock.now)).user is not None
    with pytest.raises(Unauthorized):
        invitations.enrol(ctx, code, "another long password")


def test_an_expired_invitation_is_refused(ctx, admin, clock):
    code = invite(ctx, admin).invitation.code
    clock.now += timedelta(hours=72)
    with pytest.raises(Unauthorized):
        invitations.enrol(ctx, code, PASSWORD)


def test_a_new_invitation_replaces_the_old(ctx, admin):
    invited = invite(ctx, admin)
    again = accounts.reinvite(ctx, admin, invited.user.id)
    assert again.purpose == "enrol"
    with pytest.raises(Unauthorized):
        invitations.enrol(ctx, invited.invitation.code, PASSWORD)
    assert invitations.enrol(ctx, again.code, PASSWORD).user.id == invited.user.id


def test_a_short_password_is_422_and_uses_nothing(ctx, admin):
    code = invite(ctx, admin).invitation.code
    with pytest.raises(Invalid) as refused:
        invitations.enrol(ctx, code, "short")
    assert "password" in refused.value.fields
    assert invitations.enrol(ctx, code, PASSWORD).user.enrolled


def test_a_wrong_first_code_saves_nothing(ctx, admin, clock):
    code = invite(ctx, admin).invitation.code
    secret = pyotp.random_base32()
    wrong = str((int(pyotp.TOTP(secret).at(clock.now)) + 1) % 10**6).zfill(6)
    with pytest.raises(Invalid):
        invitations.enrol(ctx, code, PASSWORD, secret=secret, first_code=wrong)
    user = ctx.session.execute(select(User).where(User.email == "new@x.example")).scalar_one()
    assert not user.enrolled and user.totp_secret_ct is None
    done = invitations.enrol(ctx, code, PASSWORD, secret=secret,
                             first_code=pyotp.TOTP(secret).at(clock.now))
    assert done.totp_secret == secret
    # The confirming code cannot sign in as well; the next one can.
    assert staff_sign_in(ctx, "new@x.example", PASSWORD,
                         pyotp.TOTP(secret).at(clock.now)).user is None
    clock.now += timedelta(seconds=30)
    assert staff_sign_in(ctx, "new@x.example", PASSWORD,
                         pyotp.TOTP(secret).at(clock.now)).user is not None


def test_guessing_invitations_is_throttled(ctx, admin):
    code = invite(ctx, admin).invitation.code
    for _ in range(throttle.ENROL_PER_CLIENT.failures):
        with pytest.raises(Unauthorized):
            invitations.enrol(ctx, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", PASSWORD)
    with pytest.raises(TooManyAttempts):
        invitations.enrol(ctx, code, PASSWORD)
    fails = ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == "auth:enrol:fail")).scalars().all()
    assert len(fails) == throttle.ENROL_PER_CLIENT.failures


def test_a_reset_needs_the_current_password_and_ends_sessions(ctx, make, admin, clock):
    user = make.user(("intake",), ("intake",))
    token = tokens.issue(ctx, user=user).token
    epoch = user.session_epoch
    issued = accounts.reinvite(ctx, admin, user.id)
    assert issued.purpose == "reset"
    assert user.totp_secret_ct is None and user.session_epoch == epoch + 1
    assert tokens.authenticate(ctx, token) is None
    with pytest.raises(Unauthorized):  # the administrator holding it cannot take the account
        invitations.enrol(ctx, issued.code, "the administrator's guess")
    enrolled = invitations.enrol(ctx, issued.code, "correct horse battery")
    assert enrolled.user.queues == {"intake"}  # a reset keeps what was approved
    clock.now += timedelta(seconds=30)
    assert staff_sign_in(ctx, user.email, "correct horse battery",
                         pyotp.TOTP(enrolled.totp_secret).at(clock.now)).user is not None


def test_roles_and_queues_removed_at_once_added_by_request(ctx, make, admin):
    user = make.user(("intake", "investigator"), ("intake", "hr"))
    change = accounts.change_access(ctx, admin, user.id, ("intake",),
                                    ("intake", "monitoring_officer"))
    assert user.roles == {"intake"} and user.queues == {"intake"}
    assert [g.queue for g in change.pending] == ["monitoring_officer"]
    accounts.change_access(ctx, admin, user.id, ("intake",), ("intake",))
    states = ctx.session.execute(select(AccessGrant.state)).scalars().all()
    assert states == ["withdrawn"]  # no longer wanted: withdrawn before anyone decided


def test_administrators_act_on_other_accounts_only(ctx, make, admin):
    with pytest.raises(Forbidden):
        accounts.change_access(ctx, admin, admin.user_id, ("admin", "intake"), ("intake",))
    with pytest.raises(Forbidden):
        accounts.deactivate(ctx, admin, admin.user_id)
    with pytest.raises(Forbidden):
        accounts.reinvite(ctx, admin, admin.user_id)
    other = make.user(("intake",), ("intake",))
    with pytest.raises(Forbidden):
        accounts.deactivate(ctx, make.staff(("intake",), ("intake",)), other.id)


def test_deactivation_ends_everything_at_once(ctx, make, admin):
    user = make.user(("intake",), ("intake",))
    token = tokens.issue(ctx, user=user).token
    ctx.session.add(WebSession(digest="d" * 64, user_id=user.id, created_at=ctx.now,
                               expires_at=ctx.now + timedelta(minutes=30), data_ct=b"x"))
    accounts.change_access(ctx, admin, user.id, ("intake",), ("intake", "hr"))
    accounts.deactivate(ctx, admin, user.id)
    assert not user.active and tokens.authenticate(ctx, token) is None
    assert ctx.session.execute(select(ApiToken.revoked_at)).scalar_one() == ctx.now
    assert ctx.session.execute(select(WebSession).where(
        WebSession.user_id == user.id)).first() is None
    assert ctx.session.execute(select(AccessGrant.state)).scalar_one() == "withdrawn"
    with pytest.raises(Conflict):
        accounts.deactivate(ctx, admin, user.id)
