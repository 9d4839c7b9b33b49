"""Staff second factors (RFC 6238: 30 s, 6 digits): new secrets, sealing them at rest, checking
a code once, and the address an authenticator app scans."""

from __future__ import annotations

import hmac

import pyotp
from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value

from casework.crypto import envelope
from casework.crypto.keys import Keyring
from casework.models import User
from casework.services.context import Context


def new_secret() -> str:
    """A fresh base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def _account_key(keyring: Keyring) -> bytes:
    return keyring.derive("account-secrets")


def seal_account_secret(keyring: Keyring, user_id: int, secret: str) -> bytes:
    """Encrypt a TOTP secret under a key derived from the out-of-database index key."""
    return envelope.encrypt(_account_key(keyring), secret, case_id=0, kind="totp",
                            record_id=user_id)


def open_account_secret(keyring: Keyring, user_id: int, blob: bytes) -> str:
    """Decrypt a TOTP secret."""
    return envelope.decrypt_text(_account_key(keyring), blob, case_id=0, kind="totp",
                                 record_id=user_id)


def matching_step(secret: str, code: str | None, now: float) -> int | None:
    """The time step whose code this is (one step of drift allowed either way), or None."""
    code = (code or "").replace(" ", "")
    if not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    step_now = int(now // totp.interval)
    for step in (step_now - 1, step_now, step_now + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def claim_step(ctx: Context, user: User, step: int) -> bool:
    """Mark a code's time step used, in one conditional UPDATE: of two sign-ins racing with
    the same code, the second waits for the first's row lock and then matches no row."""
    claimed = ctx.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None),
                                                   User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    if claimed:
        set_committed_value(user, "totp_last_step", step)
    return bool(claimed)


def accept_code(ctx: Context, user: User, code: str | None) -> bool:
    """A current code of the account's own secret, not used before by this account."""
    if not user.totp_secret_ct:
        return False
    secret = open_account_secret(ctx.runtime.keyring, user.id, user.totp_secret_ct)
    step = matching_step(secret, code, ctx.now.timestamp())
    return step is not None and claim_step(ctx, user, step)


def otpauth_uri(secret: str, email: str, organisation: str) -> str:
    """The otpauth:// address an authenticator app accepts for a secret, named so the person
    can tell it apart in the app."""
    return pyotp.TOTP(secret).provisioning_uri(name=email,
                                               issuer_name=f"{organisation} Casework")
