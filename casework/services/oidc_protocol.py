"""The OpenID Connect protocol for staff single sign-on (services/oidc.py): discovery and the
provider's keys, the authorisation request (code flow, PKCE S256, `state`, `nonce`) and the code
exchange through Authlib, the ID token's checks through joserfc, and RP-initiated logout.
Tokens and codes pass through here and are never logged or kept."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from threading import Lock

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from casework.config import OidcSettings

TIMEOUT = 10  # seconds, for each request to the provider
CACHE_FOR = 3600  # seconds: discovery and keys are fetched again after this
LEEWAY = 60  # seconds of clock difference allowed on the ID token's times


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
