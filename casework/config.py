"""Settings from the environment (README.md, "Configuration"), with safe defaults."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from casework.crypto.keys import read_private

QUICK_EXIT_DEFAULT = "https://www.bbc.co.uk/weather"


def quick_exit(url: str) -> str:
    """The quick-exit address: an absolute http(s) address, else the default."""
    url = url.strip()
    return url if url.startswith(("https://", "http://")) and " " not in url \
        and '"' not in url else QUICK_EXIT_DEFAULT


def _words(raw: str | None) -> tuple[str, ...]:
    return tuple(w for w in (raw or "").replace(",", " ").split() if w)


def _proposals(raw: str | None) -> tuple[tuple[str, str, str], ...]:
    """CASEWORK_OIDC_PROPOSE: "group=role:intake; other=queue:harassment" as (value, kind,
    key) triples; anything else stops start-up."""
    found = []
    for item in (raw or "").split(";"):
        if not item.strip():
            continue
        value, _, target = item.partition("=")
        kind, _, key = target.strip().partition(":")
        if not value.strip() or kind not in ("role", "queue") or not key.strip():
            raise ValueError(f"CASEWORK_OIDC_PROPOSE: {item.strip()!r} is not "
                             "'<provider value>=role:<role>' or '=queue:<queue>'")
        found.append((value.strip(), kind, key.strip()))
    return tuple(found)


@dataclass(frozen=True)
class OidcSettings:
    """Staff sign-in through an OpenID Connect provider (docs/OPERATIONS.md, "Single sign-on")."""

    issuer: str
    client_id: str
    client_secret: str
    #: What the sign-in page calls the provider ("Sign in with <name>").
    name: str = "your organisation's account"
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    email_claim: str = "email"
    #: Trust the email claim without `email_verified` (providers whose addresses the
    #: organisation itself manages and which send no such claim, such as Entra ID).
    trust_email: bool = False
    #: The claim carrying the provider's groups or roles, and what each value proposes.
    groups_claim: str = ""
    propose: tuple[tuple[str, str, str], ...] = ()
    #: A second factor counts as done when `amr` holds one of these or `acr` is one of these.
    mfa_amr: tuple[str, ...] = ("mfa", "otp", "hwk")
    mfa_acr: tuple[str, ...] = ()
    #: Where the provider sends people back (default: this server's own address for it).
    redirect_url: str = ""
    #: Whether accounts linked to the provider may still sign in with a local password.
    local_for_linked: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OidcSettings | None:
        """None unless issuer, client id and secret are all set."""
        issuer = env.get("CASEWORK_OIDC_ISSUER", "").strip().rstrip("/")
        client_id = env.get("CASEWORK_OIDC_CLIENT_ID", "").strip()
        secret = env.get("CASEWORK_OIDC_CLIENT_SECRET", "")
        if not (issuer or client_id or secret):
            return None
        if not (issuer and client_id and secret):
            raise ValueError("Single sign-on needs CASEWORK_OIDC_ISSUER, "
                             "CASEWORK_OIDC_CLIENT_ID and CASEWORK_OIDC_CLIENT_SECRET")
        defaults = cls(issuer, client_id, secret)
        return cls(
            issuer=issuer, client_id=client_id, client_secret=secret,
            name=env.get("CASEWORK_OIDC_NAME", "").strip() or defaults.name,
            scopes=_words(env.get("CASEWORK_OIDC_SCOPES")) or defaults.scopes,
            email_claim=env.get("CASEWORK_OIDC_EMAIL_CLAIM", "").strip() or "email",
            trust_email=env.get("CASEWORK_OIDC_TRUST_EMAIL", "0") == "1",
            groups_claim=env.get("CASEWORK_OIDC_GROUPS_CLAIM", "").strip(),
            propose=_proposals(env.get("CASEWORK_OIDC_PROPOSE")),
            mfa_amr=(_words(env["CASEWORK_OIDC_MFA_AMR"]) if "CASEWORK_OIDC_MFA_AMR" in env
                     else defaults.mfa_amr),
            mfa_acr=_words(env.get("CASEWORK_OIDC_MFA_ACR")),
            redirect_url=env.get("CASEWORK_OIDC_REDIRECT_URL", "").strip(),
            local_for_linked=env.get("CASEWORK_OIDC_LOCAL_FOR_LINKED", "0") == "1",
        )


@dataclass(frozen=True)
class Settings:
    """Everything Casework reads from its environment."""

    instance_dir: Path
    database_url: str
    key_file: Path
    key_env: str | None
    secret_key: str
    policy: str
    secure_cookies: bool
    proxy_hops: int = 0
    testing: bool = False
    #: Single sign-on for staff; None (the default) leaves password + TOTP the only way in.
    oidc: OidcSettings | None = None
    #: Where "Leave this site quickly" goes on every reporter page: a neutral site.
    quick_exit_url: str = QUICK_EXIT_DEFAULT
    #: The languages offered (CASEWORK_LANGUAGES, e.g. "en,fr"); empty: the pack's own.
    languages: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Read settings; anything in overrides wins (tests use this)."""
        env = os.environ if env is None else env
        instance = Path(env.get("CASEWORK_INSTANCE_DIR", "instance")).resolve()
        settings = cls(
            instance_dir=instance,
            database_url=(env.get("CASEWORK_DATABASE_URL")
                          or f"sqlite:///{instance / 'casework.db'}"),
            key_file=Path(env.get("CASEWORK_KEY_FILE") or instance / "casework.key"),
            key_env=env.get("CASEWORK_KEY") or None,
            secret_key=env.get("CASEWORK_SECRET_KEY", ""),
            policy=env.get("CASEWORK_POLICY", "uk-council"),
            secure_cookies=env.get("CASEWORK_SECURE_COOKIES", "0") == "1",
            proxy_hops=int(env.get("CASEWORK_PROXY_HOPS", "0") or 0),
            oidc=OidcSettings.from_env(env),
            quick_exit_url=quick_exit(env.get("CASEWORK_QUICK_EXIT_URL", "")),
            languages=tuple(code.strip() for code in env.get("CASEWORK_LANGUAGES", "").split(",")
                            if code.strip()),
        )
        return replace(settings, **overrides)

    def ensure_secret_key(self) -> Settings:
        """Without CASEWORK_SECRET_KEY, keep a generated one in the instance folder (mode 0600)."""
        if self.secret_key:
            return self
        path = self.instance_dir / "secret_key"
        if not path.exists():
            self.instance_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        secret = read_private(path, "Casework secret key file").decode().strip()
        return replace(self, secret_key=secret)
