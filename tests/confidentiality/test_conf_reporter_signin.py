"""Reporter sign-in: receipts throttled per reference and per client, in the database; unknown
references answered exactly like wrong receipts after equal work; receipts of 80+ bits."""

from __future__ import annotations

import contextlib
import math
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from casework.crypto import receipts
from casework.models import AuditEvent, Throttle
from casework.services import throttle
from casework.services.audit import Kind
from casework.services.auth import reporter_sign_in
from casework.services.context import Context
from casework.services.errors import TooManyAttempts

UNKNOWN = "CW-ZZZZZZZZ"


def wrong(receipt: str) -> str:
    """A well-formed receipt that is not this one."""
    return ("1" if receipt[0] != "1" else "2") + receipt[1:]


@pytest.fixture
def verifies(monkeypatch):
    """Every argon2 verify call, as (stored hash, secret)."""
    calls = []
    real = PasswordHasher.verify

    def spy(self, stored, secret):
        calls.append((stored, secret))
        return real(self, stored, secret)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    return calls


def test_strangers_failures_never_lock_the_reporter_out(make, ctx, session, runtime, clock):
    """Five wrong receipts block the reference for wrong receipts only (429), renewed as long
    as strangers keep failing; the right receipt opens the report all along."""
    lodged = make.lodge()
    for n in range(3 * throttle.RECEIPT_PER_REFERENCE.failures):
        stranger = Context(session, runtime, client=f"203.0.113.{n}")  # rotating addresses
        if n < throttle.RECEIPT_PER_REFERENCE.failures:
            assert reporter_sign_in(stranger, lodged.reference, wrong(lodged.receipt)) is None
        else:
            with pytest.raises(TooManyAttempts):
                reporter_sign_in(stranger, lodged.reference, wrong(lodged.receipt))
        owner = Context(session, runtime, client="198.51.100.99")
        if n >= throttle.RECEIPT_PER_REFERENCE.failures:
            assert reporter_sign_in(owner, lodged.reference, lodged.receipt).case_id == \
                lodged.case.id
            for _ in range(throttle.RECEIPT_PER_REFERENCE.failures):  # block it again
                stranger.client = f"203.0.113.{n + 100}"
                with contextlib.suppress(TooManyAttempts):
                    reporter_sign_in(stranger, lodged.reference, wrong(lodged.receipt))
        clock.now += timedelta(minutes=1)


def test_a_shared_address_is_not_capped_by_successes(make, ctx, session, runtime):
    """Reporters behind one address (an office, a library) each sign in; only failures use
    up the address's hourly allowance."""
    from casework.services import ratelimit

    lodged = make.lodge()
    office = Context(session, runtime, client="192.0.2.50")
    for _ in range(ratelimit.REPORTER_SESSION.failures + 5):
        ratelimit.hit(runtime, office.client, "reporter-session", ratelimit.REPORTER_SESSION)
        assert reporter_sign_in(office, lodged.reference, lodged.receipt) is not None
    for _ in range(ratelimit.REPORTER_SESSION.failures):
        ratelimit.hit(runtime, office.client, "reporter-session", ratelimit.REPORTER_SESSION)
    with pytest.raises(TooManyAttempts):
        ratelimit.hit(runtime, office.client, "reporter-session", ratelimit.REPORTER_SESSION)


def test_receipts_make_guessing_infeasible_at_the_documented_rates():
    """docs/PROTECTIONS.md's arithmetic: a million addresses, each guessing at its full
    per-address rate for a century, find a given report's receipt with odds below 2**-30."""
    per_address_per_year = throttle.RECEIPT_PER_CLIENT.failures * (
        timedelta(days=365) / (throttle.RECEIPT_PER_CLIENT.window
                               + throttle.RECEIPT_PER_CLIENT.block))
    guesses = 10**6 * per_address_per_year * 100
    assert receipts.RECEIPT_BITS >= 80
    assert math.log2(guesses) - receipts.RECEIPT_BITS < -30


def test_four_wrong_receipts_do_not_block(make, ctx):
    lodged = make.lodge()
    for _ in range(throttle.RECEIPT_PER_REFERENCE.failures - 1):
        reporter_sign_in(ctx, lodged.reference, wrong(lodged.receipt))
    assert reporter_sign_in(ctx, lodged.reference, lodged.receipt) is not None


def test_failures_outside_the_window_are_forgotten(make, ctx, clock):
    lodged = make.lodge()
    for _ in range(throttle.RECEIPT_PER_REFERENCE.failures - 1):
        reporter_sign_in(ctx, lodged.reference, wrong(lodged.receipt))
    clock.now += throttle.RECEIPT_PER_REFERENCE.window + timedelta(seconds=1)
    for _ in range(throttle.RECEIPT_PER_REFERENCE.failures - 1):
        reporter_sign_in(ctx, lodged.reference, wrong(lodged.receipt))
    assert reporter_sign_in(ctx, lodged.reference, lodged.receipt) is not None


def test_the_per_client_limit_holds_across_references(make, ctx, session, runtime):
    lodged = make.lodge()
    attacker = Context(session, runtime, client="198.51.100.7")
    for n in range(throttle.RECEIPT_PER_CLIENT.failures):
        reference = f"CW-{n:08d}".replace("0", "A").replace("1", "B")
        assert reporter_sign_in(attacker, reference, lodged.receipt) is None
    with pytest.raises(TooManyAttempts):
        reporter_sign_in(attacker, lodged.reference, lodged.receipt)
    neighbour = Context(session, runtime, client="198.51.100.8")
    assert reporter_sign_in(neighbour, lodged.reference, lodged.receipt) is not None


def _fail_events(ctx) -> list[tuple]:
    rows = ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == str(Kind.REPORTER_LOGIN_FAIL)).order_by(AuditEvent.seq)).scalars()
    return [(e.actor, e.case_id, e.details) for e in rows]


def test_an_unknown_reference_is_answered_like_a_wrong_receipt(make, ctx, verifies):
    lodged = make.lodge()
    stored = lodged.case.receipt_hash
    assert reporter_sign_in(ctx, lodged.reference, wrong(lodged.receipt)) is None
    assert reporter_sign_in(ctx, UNKNOWN, wrong(lodged.receipt)) is None
    first, second = _fail_events(ctx)
    assert first == second == ("reporter", None, {})
    # equal work: one argon2 verify each, the unknown one against a hash of the same cost
    assert [s for s, _ in verifies][0] == stored
    assert len(verifies) == 2 and verifies[1][0] != stored
    assert _params(verifies[1][0]) == _params(stored)


def _params(argon_hash: str) -> str:
    return "$".join(argon_hash.split("$")[:4])  # $argon2id$v=19$m=..,t=..,p=..


@pytest.mark.parametrize("reference", ["", "   ", "cw-zzzzzzzz", "x" * 500])
def test_odd_references_cost_a_verify_too(ctx, verifies, reference):
    assert reporter_sign_in(ctx, reference, "whatever") is None
    assert len(verifies) == 1


def test_an_unknown_reference_is_throttled_like_a_known_one(make, ctx):
    lodged = make.lodge()
    errors = []
    for reference in (lodged.reference, UNKNOWN):
        for _ in range(throttle.RECEIPT_PER_REFERENCE.failures):
            reporter_sign_in(ctx, reference, wrong(lodged.receipt))
        with pytest.raises(TooManyAttempts) as blocked:
            reporter_sign_in(ctx, reference, wrong(lodged.receipt))
        errors.append((type(blocked.value), str(blocked.value)))
    assert errors[0] == errors[1]


def test_the_reference_is_matched_whatever_its_case_and_spacing(make, ctx):
    lodged = make.lodge()
    assert reporter_sign_in(ctx, f"  {lodged.reference.lower()} ", lodged.receipt) is not None


def test_throttles_live_in_the_database_for_every_process(scratch):
    with scratch.make() as make:
        lodged = make.lodge()
    for _ in range(throttle.RECEIPT_PER_REFERENCE.failures):  # one request each, committed
        with scratch.ctx(client="203.0.113.9") as ctx:
            assert reporter_sign_in(ctx, lodged.reference, wrong(lodged.receipt)) is None
    other_process = scratch.new_runtime()
    with scratch.ctx(other_process, client="203.0.113.10") as ctx, \
            pytest.raises(TooManyAttempts):
        reporter_sign_in(ctx, lodged.reference, wrong(lodged.receipt))
    with scratch.ctx(other_process) as ctx:
        buckets = ctx.session.execute(select(Throttle.bucket)).scalars().all()
    assert buckets and not any(lodged.reference in b or "203.0.113" in b for b in buckets)


def test_receipts_carry_at_least_80_bits_and_are_stored_only_as_a_slow_hash(make):
    lodged = make.lodge()
    assert receipts.RECEIPT_BITS >= 80
    normal = receipts.normalise_receipt(lodged.receipt)
    assert len(normal) * math.log2(len(receipts.ALPHABET)) >= 80
    assert set(normal) <= set(receipts.ALPHABET) and len(set(receipts.ALPHABET)) == 32
    assert lodged.case.receipt_hash.startswith("$argon2id$")
    assert normal not in lodged.case.receipt_hash and lodged.receipt not in \
        lodged.case.receipt_hash
    assert receipts.verify_receipt(lodged.case.receipt_hash, lodged.receipt)


def test_every_receipt_position_uses_the_whole_alphabet():
    """Uniform over 32 symbols at 20 positions: each position shows every symbol in 2000."""
    drawn = [receipts.normalise_receipt(receipts.new_receipt()) for _ in range(2000)]
    assert len(set(drawn)) == len(drawn)
    for position in range(receipts.RECEIPT_LENGTH):
        assert {r[position] for r in drawn} == set(receipts.ALPHABET)
