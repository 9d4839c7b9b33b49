"""Single sign-on settings from the environment: off unless configured, complete or refused,
and what the provider's groups may propose checked at start-up."""

from __future__ import annotations

import pytest

from casework.config import OidcSettings, Settings
from casework.services import oidc

BASE = {"CASEWORK_OIDC_ISSUER": "https://login.example/realm/",
        "CASEWORK_OIDC_CLIENT_ID": "casework", "CASEWORK_OIDC_CLIENT_SECRET": "s"}


def test_off_unless_configured():
    assert Settings.from_env({}).oidc is None


def test_half_a_configuration_stops_start_up():
    with pytest.raises(ValueError, match="CASEWORK_OIDC_CLIENT_SECRET"):
        Settings.from_env({"CASEWORK_OIDC_ISSUER": "https://login.example"})


def test_every_setting_is_read():
    config = Settings.from_env({
        **BASE, "CASEWORK_OIDC_NAME": "Entra ID", "CASEWORK_OIDC_SCOPES": "openid email",
        "CASEWORK_OIDC_GROUPS_CLAIM": "roles",
        "CASEWORK_OIDC_PROPOSE": "cw-intake=queue:intake; cw-admins=role:admin",
        "CASEWORK_OIDC_MFA_AMR": "", "CASEWORK_OIDC_MFA_ACR": "loa2,loa3",
        "CASEWORK_OIDC_TRUST_EMAIL": "1", "CASEWORK_OIDC_EMAIL_CLAIM": "upn"}).oidc
    assert config.issuer == "https://login.example/realm"  # no trailing slash
    assert (config.name, config.scopes, config.groups_claim) == (
        "Entra ID", ("openid", "email"), "roles")
    assert config.propose == (("cw-intake", "queue", "intake"), ("cw-admins", "role", "admin"))
    assert (config.mfa_amr, config.mfa_acr) == ((), ("loa2", "loa3"))
    assert config.trust_email and config.email_claim == "upn" and not config.local_for_linked
    assert OidcSettings.from_env(BASE).mfa_amr == ("mfa", "otp", "hwk")


def test_a_malformed_proposal_stops_start_up():
    with pytest.raises(ValueError, match="CASEWORK_OIDC_PROPOSE"):
        Settings.from_env({**BASE, "CASEWORK_OIDC_PROPOSE": "group=everything"})


def test_proposals_must_name_roles_and_queues_that_exist():
    config = OidcSettings.from_env({**BASE, "CASEWORK_OIDC_GROUPS_CLAIM": "groups",
                                    "CASEWORK_OIDC_PROPOSE": "a=queue:nowhere;b=role:king"})
    with pytest.raises(ValueError, match="queue:nowhere, role:king"):
        oidc.check(config, ["intake"])
    without_claim = OidcSettings.from_env({**BASE, "CASEWORK_OIDC_PROPOSE": "a=queue:intake"})
    with pytest.raises(ValueError, match="GROUPS_CLAIM"):
        oidc.check(without_claim, ["intake"])
