"""Single sign-on fixtures: the test OpenID provider (provider_live.py) for the whole session,
and the app built with single sign-on pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from casework import create_app
from tests.api.api_live import free_port
from tests.oidc.provider_live import CLIENTS, Provider, running_provider


@pytest.fixture(scope="session")
def provider() -> Iterator[Provider]:
    """The provider for the tests that drive Casework through Flask's test client."""
    with running_provider(free_port(), CLIENTS) as running:
        yield running


@pytest.fixture
def sso(provider, settings, runtime):
    """Build the app with single sign-on on (keyword arguments change its settings)."""

    def build(client: int = 0, **kwargs):
        config = provider.settings(client, **kwargs)
        with_sso = replace(settings, oidc=config)
        runtime.settings = with_sso
        return create_app(with_sso, runtime=runtime)

    return build
