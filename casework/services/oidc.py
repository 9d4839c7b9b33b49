"""Staff single sign-on through an OpenID Connect provider (authorisation code flow with PKCE,
`state` and `nonce`): which account an identity signs in to. The protocol itself (Authlib for
the flow, joserfc for the ID token) is in oidc_protocol.py.

The provider proves who someone is; Casework still decides what they may see. An identity
signs in to an existing active account only: the one linked to its issuer and subject, or,
at its first sign-in, the one whose address is the identity's verified email (the link is
then stored). No account is ever made here. The provider's groups may propose roles and
queues (`CASEWORK_OIDC_PROPOSE`): they become pending grants (services/grants.py), decided
like any other. A second factor counts only where the ID token's `amr`/`acr` shows one was
used; otherwise the account's own TOTP code is still asked for.

When the provider vouches for an account's email with a different subject from the one
linked, the linked identity no longer exists there (deleted and made again, or the address
given to someone else): the account is deactivated and the sign-in refused, so a new
identity never inherits what the old one could see. A sign-in the provider itself refuses
names nobody, so nothing is done to any account then.

Tokens and codes are never logged, stored or audited; only the outcome is.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from casework.config import OidcSettings
from casework.i18n import _l
from casework.models import STAFF_ROLES, OidcIdentity, User
from casework.services import accounts, grants, throttle, totp
from casework.services import oidc_protocol as protocol
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.oidc_protocol import ProviderError

PENDING_FOR = 600  # seconds a sign-in may spend at the provider
PROVIDER = grants.Proposer("oidc")


@dataclass(frozen=True)
class Outcome:
    """A sign-in through the provider: the account, and whether it still needs its own
    TOTP code; or, without an account, why not (`reason` for the audit trail, `message` for
    the page)."""

    user: User | None
    needs_code: bool = False
    reason: str | None = None
    message: str | None = None


REFUSED = _l("Single sign-on did not complete. Please try again.")
NO_ACCOUNT = _l("There is no Casework account for this sign-in. Ask a Casework administrator "
                "to invite you; signing in does not create an account.")
CLOSED = _l("This Casework account is closed. Ask a Casework administrator.")
GONE = _l("The provider no longer knows the identity this account was linked to, so the "
          "account has been closed. Ask a Casework administrator.")


def finish(ctx: Context, config: OidcSettings, pending: Mapping | None, args: Mapping[str, str],
           redirect_uri: str) -> Outcome:
    """The browser is back from the provider: check `state`, exchange the code (with the PKCE
    verifier), check the ID token (signature, issuer, audience, times, nonce), then find the
    account. Every refusal is audited (auth:login:fail, method oidc) and counts against the
    address as a failed local sign-in does."""
    limits = {throttle.bucket(ctx, "login-ip", ctx.client or "-"): throttle.LOGIN_PER_CLIENT}
    throttle.check(ctx, limits)
    outcome = _finish(ctx, config, pending, args, redirect_uri)
    if outcome.reason:
        throttle.fail(ctx, limits)
        return _fail(ctx, outcome.user, outcome.reason, outcome.message or REFUSED)
    return outcome


def _refused(reason: str, message: str = REFUSED, user: User | None = None) -> Outcome:
    return Outcome(user, reason=reason, message=str(message))


def _finish(ctx: Context, config: OidcSettings, pending: Mapping | None,
            args: Mapping[str, str], redirect_uri: str) -> Outcome:
    if (not pending or not args.get("state")
            or not secrets.compare_digest(str(pending.get("state", "")), args["state"])):
        return _refused("bad_state")
    if int(pending.get("at", 0)) + PENDING_FOR < time.time():
        return _refused("expired")
    if args.get("error"):  # the provider refused: it names nobody, so nobody is touched
        return _refused("provider_" + "".join(c for c in args["error"][:40]
                                               if c.isalnum() or c == "_"))
    try:
        meta = protocol.metadata(config)
        if "iss" in args and args["iss"] != meta.issuer:  # RFC 9207: a mixed-up response
            return _refused("wrong_issuer")
        token = protocol.exchange(config, meta, args.get("code", ""), pending["verifier"],
                                  redirect_uri)
        claims = protocol.verify_id_token(config, meta, token.get("id_token"), pending["nonce"])
    except ProviderError:
        return _refused("provider_error")
    except protocol.BadToken as exc:
        return _refused(f"id_token:{exc}")
    return sign_in(ctx, config, claims)


def second_factor_shown(config: OidcSettings, claims: Mapping) -> bool:
    """Whether the ID token says a second factor was used (`amr` or `acr`, as configured)."""
    amr = claims.get("amr")
    methods = {str(m) for m in amr} if isinstance(amr, list) else set()
    return bool(methods & set(config.mfa_amr)) or (
        bool(config.mfa_acr) and str(claims.get("acr", "")) in config.mfa_acr)


def _email(config: OidcSettings, claims: Mapping) -> str | None:
    email = claims.get(config.email_claim)
    verified = config.trust_email or claims.get("email_verified") is True
    return email.strip().lower() if isinstance(email, str) and verified else None


def sign_in(ctx: Context, config: OidcSettings, claims: Mapping) -> Outcome:
    """The account a checked identity signs in to, linking it the first time."""
    issuer, subject = claims["iss"], str(claims["sub"])
    link = ctx.session.execute(select(OidcIdentity).where(
        OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)).scalar_one_or_none()
    user = ctx.session.get(User, link.user_id) if link else None
    if user is None:
        email = _email(config, claims)
        user = email and ctx.session.execute(select(User).where(
            func.lower(User.email) == email)).scalar_one_or_none()
        if not user:
            return _refused("no_account", NO_ACCOUNT)
        if not user.active:
            return _refused("deactivated", CLOSED, user)
        old = ctx.session.get(OidcIdentity, user.id)
        if old is not None and old.issuer == issuer:  # the linked identity is gone there
            ctx.keep(lambda: accounts.close_account(ctx, PROVIDER, user))  # outlives the 403
            return _refused("identity_replaced", GONE, user)
        if old is not None:  # the organisation moved to another provider
            ctx.session.delete(old)
            ctx.session.flush()
        ctx.session.add(OidcIdentity(user_id=user.id, issuer=issuer, subject=subject,
                                     linked_at=ctx.now))
        ctx.session.flush()
        ctx.audit(Kind.OIDC_LINK, f"user:{user.id}", issuer=issuer)
    if not user.active:
        return _refused("deactivated", CLOSED, user)
    _propose(ctx, config, user, claims)
    return Outcome(user, needs_code=not second_factor_shown(config, claims))


def check(config: OidcSettings, queues: Iterable[str]) -> None:
    """At start-up: every role and queue CASEWORK_OIDC_PROPOSE names must exist."""
    known = {"role": set(STAFF_ROLES), "queue": set(queues)}
    unknown = [f"{kind}:{key}" for _, kind, key in config.propose if key not in known[kind]]
    if unknown:
        raise ValueError("CASEWORK_OIDC_PROPOSE names what does not exist here: "
                         + ", ".join(unknown))
    if config.propose and not config.groups_claim:
        raise ValueError("CASEWORK_OIDC_PROPOSE needs CASEWORK_OIDC_GROUPS_CLAIM")


def _propose(ctx: Context, config: OidcSettings, user: User, claims: Mapping) -> None:
    """The roles and queues the provider's groups propose, as pending grants."""
    if not config.groups_claim or not config.propose:
        return
    values = claims.get(config.groups_claim)
    values = {str(v) for v in values} if isinstance(values, list) else (
        {values} if isinstance(values, str) else set())
    known = {"role": set(STAFF_ROLES), "queue": set(ctx.runtime.pack.queues)}
    wanted = [(kind, key) for value, kind, key in config.propose
              if value in values and key in known[kind]]
    grants.propose(ctx, user, roles=[k for kind, k in wanted if kind == "role"],
                   queues=[k for kind, k in wanted if kind == "queue"], proposer=PROVIDER)


NO_CODE = _l("This account has no authenticator app set up, and the provider did not show a "
             "second factor. Enrol with your invitation first.")
BAD_CODE = _l("That code is not right. Enter the code your authenticator app shows now.")


def second_step(ctx: Context, user_id: int, code: str | None) -> Outcome:
    """The account's own TOTP code, after the provider proved who it is without a second
    factor; throttled and audited as the local sign-in's code is."""
    user = ctx.session.get(User, user_id)
    if user is None or not user.active:
        return _fail(ctx, None, "deactivated", CLOSED)
    limits = {throttle.bucket(ctx, "login-account", user.email): throttle.LOGIN_PER_ACCOUNT,
              throttle.bucket(ctx, "login-ip", ctx.client or "-"): throttle.LOGIN_PER_CLIENT}
    throttle.check(ctx, limits)
    if not user.totp_secret_ct:
        return _fail(ctx, user, "no_second_factor", NO_CODE)
    if not totp.accept_code(ctx, user, code):
        throttle.fail(ctx, limits)
        return _fail(ctx, user, "bad_second_factor", BAD_CODE)
    throttle.clear(ctx, next(iter(limits)))
    return Outcome(user)


def _fail(ctx: Context, user: User | None, reason: str, message: str) -> Outcome:
    ctx.audit(Kind.LOGIN_FAIL, f"user:{user.id}" if user else "unknown", method="oidc",
              reason=reason)
    return Outcome(None, reason=reason, message=str(message))


def signed_in(ctx: Context, user: User, second_factor: str) -> None:
    """Audit a completed sign-in (`second_factor`: "provider" or "totp")."""
    ctx.audit(Kind.LOGIN, f"user:{user.id}", method="oidc", second_factor=second_factor)
