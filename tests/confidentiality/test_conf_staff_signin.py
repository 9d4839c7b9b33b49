"""Staff sign-in: throttle before password, TOTP for every account, each code accepted once."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from casework.models import User
from casework.services import auth, throttle
from casework.services.accounts import NewUser, create_user
from casework.services.auth import staff_sign_in
from casework.services.context import Context
from casework.services.errors import TooManyAttempts

PASSWORD = "correct horse battery staple"


@pytest.fixture
def account(ctx):
    """A content-role account: (email, TOTP)."""
    return _account(ctx, ("intake",))


def _account(ctx, roles, email="officer@council.example"):
    created = create_user(ctx, "test", NewUser(email=email, name="Officer", password=PASSWORD,
                                               roles=roles, queues=()))
    return email, pyotp.TOTP(created.totp_secret)


@pytest.fixture
def password_checks(monkeypatch):
    """Each call of verify_password made by sign-in."""
    calls = []
    real = auth.verify_password

    def spy(stored, password):
        calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(auth, "verify_password", spy)
    return calls


def code(totp: pyotp.TOTP, clock, steps: int = 0) -> str:
    return totp.at(clock.now + timedelta(seconds=30 * steps))


def test_password_and_current_code_sign_in(ctx, account, clock):
    email, totp = account
    result = staff_sign_in(ctx, email.upper(), PASSWORD, code(totp, clock))
    assert result.user is not None and result.user.email == email


def test_a_code_is_accepted_once(ctx, account, clock):
    email, totp = account
    now = code(totp, clock)
    assert staff_sign_in(ctx, email, PASSWORD, now).user is not None
    replay = staff_sign_in(ctx, email, PASSWORD, now)
    assert (replay.user, replay.reason) == (None, "bad_second_factor")
    clock.now += timedelta(seconds=30)
    assert staff_sign_in(ctx, email, PASSWORD, code(totp, clock)).user is not None


def test_an_older_code_after_a_newer_one_is_refused(ctx, account, clock):
    email, totp = account
    assert staff_sign_in(ctx, email, PASSWORD, code(totp, clock, +1)).user is not None
    assert staff_sign_in(ctx, email, PASSWORD, code(totp, clock)).reason == "bad_second_factor"


@pytest.mark.parametrize("steps, accepted", [(-2, False), (-1, True), (1, True), (2, False)])
def test_one_step_of_drift_is_allowed(ctx, account, clock, steps, accepted):
    email, totp = account
    result = staff_sign_in(ctx, email, PASSWORD, code(totp, clock, steps))
    assert (result.user is not None) is accepted


@pytest.mark.parametrize("given", [None, "", "000000x", "12345", "999999"])
def test_a_missing_or_wrong_code_fails(ctx, account, clock, given):
    email, totp = account
    if given == "999999" and code(totp, clock) == given:
        given = "999998"
    result = staff_sign_in(ctx, email, PASSWORD, given)
    assert (result.user, result.reason) == (None, "bad_second_factor")


def test_a_wrong_password_does_not_use_up_the_code(ctx, account, clock, password_checks):
    email, totp = account
    now = code(totp, clock)
    assert staff_sign_in(ctx, email, "wrong password!", now).reason == "bad_credentials"
    assert staff_sign_in(ctx, email, PASSWORD, now).user is not None


@pytest.mark.parametrize("roles", [("admin",), ("hr_analyst",), ("auditor",), ("intake",),
                                   ("investigator",), ("decision_maker",),
                                   ("admin", "investigator")])
def test_every_role_needs_a_code(ctx, clock, roles):
    """Every staff account has a second factor, whatever its roles (issue 12: an administrator
    with a password only was the way in)."""
    email, totp = _account(ctx, roles, email=f"{'-'.join(roles)}@council.example")
    assert totp is not None
    assert staff_sign_in(ctx, email, PASSWORD, None).reason == "bad_second_factor"
    assert staff_sign_in(ctx, email, PASSWORD, "").reason == "bad_second_factor"
    assert staff_sign_in(ctx, email, "not the password", None).reason == "bad_credentials"
    assert staff_sign_in(ctx, email, PASSWORD, code(totp, clock)).user is not None


def test_an_account_without_a_secret_cannot_sign_in(ctx, clock):
    """An account whose second factor was reset (or never set up) has no code to give."""
    email, totp = _account(ctx, ("auditor",), email="reset@council.example")
    user = staff_sign_in(ctx, email, PASSWORD, code(totp, clock)).user
    user.totp_secret_ct = None
    clock.now += timedelta(seconds=30)
    assert staff_sign_in(ctx, email, PASSWORD, code(totp, clock)).reason == "bad_second_factor"


def test_a_blocked_account_is_refused_before_its_password_is_checked(ctx, account, clock,
                                                                     password_checks):
    email, totp = account
    for _ in range(throttle.LOGIN_PER_ACCOUNT.failures):
        assert staff_sign_in(ctx, email, "wrong password!", None).user is None
    assert len(password_checks) == throttle.LOGIN_PER_ACCOUNT.failures
    with pytest.raises(TooManyAttempts):
        staff_sign_in(ctx, email, PASSWORD, code(totp, clock))
    assert len(password_checks) == throttle.LOGIN_PER_ACCOUNT.failures  # not even called
    clock.now += throttle.LOGIN_PER_ACCOUNT.block + timedelta(seconds=1)
    assert staff_sign_in(ctx, email, PASSWORD, code(totp, clock)).user is not None


def test_wrong_codes_count_towards_the_block(ctx, account, clock):
    email, totp = account
    for _ in range(throttle.LOGIN_PER_ACCOUNT.failures):
        staff_sign_in(ctx, email, PASSWORD, "000000" if code(totp, clock) != "000000" else "1")
    with pytest.raises(TooManyAttempts):
        staff_sign_in(ctx, email, PASSWORD, code(totp, clock))


def test_the_per_client_limit_holds_across_accounts(ctx, session, runtime, account, clock,
                                                    password_checks):
    email, totp = account
    sprayer = Context(session, runtime, client="192.0.2.1")
    for n in range(throttle.LOGIN_PER_CLIENT.failures):
        staff_sign_in(sprayer, f"nobody{n}@council.example", PASSWORD, None)
    assert password_checks == [None] * throttle.LOGIN_PER_CLIENT.failures  # equal work
    with pytest.raises(TooManyAttempts):
        staff_sign_in(sprayer, email, PASSWORD, code(totp, clock))
    other = Context(session, runtime, client="192.0.2.2")
    assert staff_sign_in(other, email, PASSWORD, code(totp, clock)).user is not None


def test_two_sign_ins_racing_with_one_code_let_only_one_in(scratch):
    with scratch.ctx() as ctx:
        email, totp = _account(ctx, ("intake",))
    now = totp.at(scratch.clock.now)
    first = scratch.runtime.sessions()
    try:
        assert staff_sign_in(Context(first, scratch.runtime), email, PASSWORD, now).user
        results = []
        racer = threading.Thread(target=lambda: results.append(_sign_in(scratch, email, now)))
        racer.start()
        racer.join(timeout=0.5)  # it waits for the first transaction (row or write lock)
        first.commit()
    finally:
        first.close()
    racer.join(timeout=60)
    assert results == ["bad_second_factor"]


def _sign_in(scratch, email: str, now: str) -> str | None:
    with scratch.ctx() as ctx:
        result = staff_sign_in(ctx, email, PASSWORD, now)
        return "in" if result.user else result.reason


def test_strangers_never_lock_the_owner_out_of_a_browser_they_used_before(
        ctx, session, runtime, account, clock):
    """Rotating addresses block the account for new browsers (guessing stays capped), but
    the owner's browser, known by the device token its last sign-in gave, has its own count."""
    email, totp = account
    first = staff_sign_in(ctx, email, PASSWORD, code(totp, clock))
    assert first.user is not None and first.device
    for n in range(throttle.LOGIN_PER_ACCOUNT.failures + 3):
        stranger = Context(session, runtime, client=f"203.0.113.{n}")
        with contextlib.suppress(TooManyAttempts):
            staff_sign_in(stranger, email, "wrong password!", None)
    clock.now += timedelta(seconds=30)
    with pytest.raises(TooManyAttempts):  # a browser never used before waits
        staff_sign_in(ctx, email, PASSWORD, code(totp, clock))
    owner = staff_sign_in(ctx, email, PASSWORD, code(totp, clock), first.device)
    assert owner.user is not None and owner.device is None  # the token stays as it was
    sprayer = Context(session, runtime, client="192.0.2.77")  # the owner's shared address
    for n in range(throttle.LOGIN_PER_CLIENT.failures):
        staff_sign_in(sprayer, f"nobody{n}@council.example", PASSWORD, None)
    clock.now += timedelta(seconds=30)
    assert staff_sign_in(sprayer, email, PASSWORD, code(totp, clock),
                         first.device).user is not None


def test_a_device_token_is_tied_to_its_account_and_counts_its_own_failures(
        ctx, account, clock):
    email, totp = account
    other_email, other_totp = _account(ctx, ("intake",), email="other@council.example")
    token = staff_sign_in(ctx, other_email, PASSWORD, code(other_totp, clock)).device
    assert auth.device_bucket(ctx, token, None) is None
    forged = token.rsplit(".", 1)[0] + ".0123456789abcdef0123456789abcdef"
    other = ctx.session.execute(select(User).where(User.email == other_email)).scalar_one()
    assert auth.device_bucket(ctx, forged, other) is None
    assert auth.device_bucket(ctx, token, other) is not None
    for _ in range(throttle.LOGIN_PER_DEVICE.failures):
        staff_sign_in(ctx, other_email, "wrong password!", None, token)
    with pytest.raises(TooManyAttempts):
        staff_sign_in(ctx, other_email, PASSWORD, code(other_totp, clock), token)
    clock.now += timedelta(seconds=30)
    assert staff_sign_in(ctx, email, PASSWORD, code(totp, clock), token).user is not None
