"""Staff single sign-on through an OpenID Connect provider (authorisation code flow with PKCE,
`state` and `nonce`), with Authlib for the protocol and joserfc for the ID token.

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
from threading import Lock

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from casework.config import OidcSettings
from casework.models import STAFF_ROLES, OidcIdentity, User
from casework.services import accounts, grants, throttle, totp
from casework.services.audit import Kind
from casework.services.context import Context

TIMEOUT = 10  # seconds, for each request to the provider
CACHE_FOR = 3600  # seconds: discovery and keys are fetched again after this
LEEWAY = 60  # seconds of clock difference allowed on the ID token's times
PENDING_FOR = 600  # seconds a sign-in may spend at the provider
PROVIDER = grants.Proposer("oidc")


class ProviderError(Exception):
    """The provider could not be reached, or answered something that is not OpenID Connect."""


@dataclass(frozen=True)
class Metadata:
    """What discovery says about the provider, and its signing keys."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    end_session_endpoint: str | None
    algorithms: tuple[str, ...]
    keys: KeySet


_cache: dict[str, tuple[float, Metadata]] = {}
_lock = Lock()


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderError(f"The sign-in provider did not answer ({type(exc).__name__}).") \
            from None


def metadata(config: OidcSettings, refresh: bool = False) -> Metadata:
    """Discovery (`/.well-known/openid-configuration`) and the keys, cached for an hour. The
    document must name the configured issuer (OpenID Connect Discovery, section 4.3)."""
    with _lock:
        cached = _cache.get(config.issuer)
        if cached and not refresh and cached[0] > time.monotonic():
            return cached[1]
    found = _get_json(f"{config.issuer}/.well-known/openid-configuration")
    if found.get("issuer") != config.issuer:
        raise ProviderError("The provider's discovery document names another issuer.")
    try:
        keys = KeySet.import_key_set(_get_json(found["jwks_uri"]))
        algorithms = tuple(a for a in found.get("id_token_signing_alg_values_supported",
                                                ["RS256"]) if a not in ("none", "HS256",
                                                                        "HS384", "HS512"))
        meta = Metadata(found["issuer"], found["authorization_endpoint"],
                        found["token_endpoint"], found.get("end_session_endpoint"),
                        algorithms, keys)
    except (KeyError, TypeError, JoseError) as exc:
        raise ProviderError(f"The provider's discovery is incomplete ({exc}).") from None
    with _lock:
        _cache[config.issuer] = (time.monotonic() + CACHE_FOR, meta)
    return meta


def _client(config: OidcSettings, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(config.client_id, config.client_secret, scope=" ".join(config.scopes),
                         redirect_uri=redirect_uri, code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_basic")  # noqa: S106


def begin(config: OidcSettings, redirect_uri: str) -> tuple[str, dict]:
    """Where to send the browser, and what its session must keep until it comes back."""
    meta = metadata(config)
    pending = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32),
               "verifier": secrets.token_urlsafe(48), "at": int(time.time())}
    url, _ = _client(config, redirect_uri).create_authorization_url(
        meta.authorization_endpoint, state=pending["state"], nonce=pending["nonce"],
        code_verifier=pending["verifier"])
    return url, pending


@dataclass(frozen=True)
class Outcome:
    """A sign-in through the provider: the account, and whether it still needs its own
    TOTP code; or, without an account, why not (`reason` for the audit trail, `message` for
    the page)."""

    user: User | None
    needs_code: bool = False
    reason: str | None = None
    message: str | None = None


REFUSED = "Single sign-on did not complete. Please try again."
NO_ACCOUNT = ("There is no Casework account for this sign-in. Ask a Casework administrator "
              "to invite you; signing in does not create an account.")
CLOSED = "This Casework account is closed. Ask a Casework administrator."
GONE = ("The provider no longer knows the identity this account was linked to, so the "
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
    return Outcome(user, reason=reason, message=message)


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
        meta = metadata(config)
        if "iss" in args and args["iss"] != meta.issuer:  # RFC 9207: a mixed-up response
            return _refused("wrong_issuer")
        token = exchange(config, meta, args.get("code", ""), pending["verifier"], redirect_uri)
        claims = verify_id_token(config, meta, token.get("id_token"), pending["nonce"])
    except ProviderError:
        return _refused("provider_error")
    except BadToken as exc:
        return _refused(f"id_token:{exc}")
    return sign_in(ctx, config, claims)


def exchange(config: OidcSettings, meta: Metadata, code: str, verifier: str,
             redirect_uri: str) -> dict:
    """The code and the PKCE verifier for the provider's tokens (never logged)."""
    try:
        return dict(_client(config, redirect_uri).fetch_token(
            meta.token_endpoint, grant_type="authorization_code", code=code,
            code_verifier=verifier, timeout=TIMEOUT))
    except (AuthlibBaseError, requests.RequestException, ValueError) as exc:
        raise ProviderError(f"The provider refused the code ({type(exc).__name__}).") \
            from None


class BadToken(Exception):
    """An ID token that must not be believed; the message is a short reason word."""


def verify_id_token(config: OidcSettings, meta: Metadata, id_token: object,
                    nonce: str) -> dict:
    """The ID token's claims, once its signature (by a key the provider publishes, with an
    algorithm it advertises), issuer, audience, authorised party, times and nonce hold."""
    if not isinstance(id_token, str) or not id_token:
        raise BadToken("missing")
    try:
        decoded = _decode(meta, id_token)
    except (JoseError, ValueError):  # perhaps the provider rotated its keys: fetch them again
        try:
            decoded = _decode(metadata(config, refresh=True), id_token)
        except (JoseError, ValueError):
            raise BadToken("signature") from None
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        now=int(time.time()), leeway=LEEWAY,
        iss={"essential": True, "value": meta.issuer},
        sub={"essential": True},
        aud={"essential": True, "value": config.client_id},
        exp={"essential": True}, iat={"essential": True},
        nonce={"essential": True, "value": nonce})
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise BadToken(getattr(exc, "claim", None) or exc.error) from None
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audience) > 1 and claims.get("azp") != config.client_id:
        raise BadToken("azp")
    return claims


def _decode(meta: Metadata, id_token: str):
    return jwt.decode(id_token, meta.keys, algorithms=list(meta.algorithms))


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


NO_CODE = ("This account has no authenticator app set up, and the provider did not show a "
           "second factor. Enrol with your invitation first.")
BAD_CODE = "That code is not right. Enter the code your authenticator app shows now."


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
    return Outcome(None, reason=reason, message=message)


def signed_in(ctx: Context, user: User, second_factor: str) -> None:
    """Audit a completed sign-in (`second_factor`: "provider" or "totp")."""
    ctx.audit(Kind.LOGIN, f"user:{user.id}", method="oidc", second_factor=second_factor)


def sign_out_url(config: OidcSettings, back_to: str) -> str | None:
    """The provider's RP-initiated logout address, if it advertises one (else None)."""
    try:
        endpoint = metadata(config).end_session_endpoint
    except ProviderError:
        return None
    if not endpoint:
        return None
    return requests.Request("GET", endpoint, params={
        "client_id": config.client_id, "post_logout_redirect_uri": back_to}).prepare().url
