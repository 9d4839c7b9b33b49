"""Staff single sign-on against a real OpenID provider on loopback (conftest.py): the browser's
part is played by Flask's test client on Casework's side and `requests` on the provider's,
following the real redirects; nothing of the protocol is mocked."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlparse

import pyotp
import pytest
import requests
from sqlalchemy import func, select

from casework.models import AccessGrant, AuditEvent, OidcIdentity, User
from casework.services import grants, oidc, oidc_protocol
from casework.services.access import staff_actor
from casework.services.accounts import NewUser, create_user, deactivate
from tests.oidc.provider_live import CALLBACK

pytestmark = pytest.mark.usefixtures("provider")
PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def staff(ctx):
    """An active staff account (roles, queues), with its TOTP secret."""
    counter = iter(range(1, 1000))

    def make(roles=("intake",), queues=("intake",)):
        n = next(counter)
        created = create_user(ctx, "test", NewUser(
            email=f"sso{n}@test.example", name=f"SSO User {n}", password=PASSWORD,
            roles=tuple(roles), queues=tuple(queues)))
        ctx.session.flush()
        return created

    return make


def at_provider(authorize_url: str, login: str, mfa: bool) -> str:
    """Play the person at the provider: follow its redirects to its sign-in page, sign in,
    and follow on until it sends the browser back; returns that address."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _ in range(10):
        if response.status_code in (302, 303):
            target = urljoin(response.url, response.headers["Location"])
            if target.startswith(CALLBACK):
                return target
            response = browser.get(target, allow_redirects=False, timeout=10)
        elif response.status_code == 200 and "/interaction/" in response.url:
            action = re.search(r'action="([^"]+)"', response.text).group(1)
            response = browser.post(urljoin(response.url, action), allow_redirects=False,
                                    data={"login": login, "mfa": "1" if mfa else ""},
                                    timeout=10)
        else:
            raise AssertionError(f"unexpected {response.status_code} at {response.url}")
    raise AssertionError("too many redirects at the provider")


def sign_in(client, login: str, mfa: bool = True):
    """Start at Casework, go through the provider, come back: (the callback's response, the
    callback address)."""
    start = client.get("/staff/sign-in/oidc")
    assert start.status_code == 303
    back = at_provider(start.headers["Location"], login, mfa)
    return client.get(back), back


def events(ctx, kind: str) -> list[AuditEvent]:
    return list(ctx.session.execute(select(AuditEvent).where(AuditEvent.kind == kind)
                                    .order_by(AuditEvent.seq)).scalars())


def signed_in(client) -> bool:
    return client.get("/staff/").status_code == 200


def test_off_unless_configured(app_without_sso):
    client = app_without_sso.test_client()
    assert client.get("/staff/sign-in/oidc").status_code == 404
    assert "Sign in with" not in client.get("/staff/sign-in").get_data(as_text=True)


@pytest.fixture
def app_without_sso(settings, runtime):
    from casework import create_app
    return create_app(settings, runtime=runtime)


def test_sign_in_with_a_second_factor_at_the_provider(sso, provider, staff, ctx):
    app = sso()
    account = staff()
    provider.person("alice", account.user.email)
    client = app.test_client()
    assert "Sign in with Test Provider" in client.get("/staff/sign-in").get_data(as_text=True)
    asked = parse_qs(urlparse(client.get("/staff/sign-in/oidc").headers["Location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["response_type"] == ["code"]
    assert {"code_challenge", "state", "nonce"} <= set(asked)
    before = client.get_cookie("casework_session").value
    response, back = sign_in(client, "alice", mfa=True)
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/")
    assert client.get_cookie("casework_session").value != before  # regenerated
    assert signed_in(client)
    link = ctx.session.get(OidcIdentity, account.user.id)
    assert (link.issuer, link.subject) == (provider.issuer, "alice")
    login = events(ctx, "auth:login")[-1]
    assert login.actor == f"user:{account.user.id}"
    assert login.details["method"] == "oidc" and login.details["second_factor"] == "provider"
    assert [e.actor for e in events(ctx, "auth:oidc:link")] == [f"user:{account.user.id}"]
    code = parse_qs(urlparse(back).query)["code"][0]
    trail = json.dumps([e.details for e in ctx.session.execute(select(AuditEvent)).scalars()])
    assert code not in trail  # never the code (nor, so, any token)


def test_without_a_second_factor_casework_asks_for_its_own_code(sso, provider, staff, ctx,
                                                                clock):
    app = sso()
    account = staff()
    provider.person("bob", account.user.email)
    client = app.test_client()
    response, _ = sign_in(client, "bob", mfa=False)
    assert response.status_code == 303 and response.headers["Location"].endswith("/code")
    assert not signed_in(client)
    page = client.get("/staff/sign-in/oidc/code").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    wrong = client.post("/staff/sign-in/oidc/code", data={"csrf_token": token, "totp": "000000"})
    assert wrong.status_code == 422 and not signed_in(client)
    clock.now += timedelta(seconds=30)
    code = pyotp.TOTP(account.totp_secret).at(clock.now)
    right = client.post("/staff/sign-in/oidc/code", data={"csrf_token": token, "totp": code})
    assert right.status_code == 303 and signed_in(client)
    assert events(ctx, "auth:login")[-1].details["second_factor"] == "totp"
    assert events(ctx, "auth:login:fail")[-1].details["reason"] == "bad_second_factor"


def test_the_amr_and_acr_rule_is_configurable(sso, provider, staff):
    account = staff()
    provider.person("carol", account.user.email)
    client = sso(mfa_amr=("hwk",)).test_client()  # "mfa"/"otp" no longer count
    response, _ = sign_in(client, "carol", mfa=True)
    assert response.headers["Location"].endswith("/code")
    config = provider.settings(mfa_amr=(), mfa_acr=("urn:example:loa:2",))
    assert oidc.second_factor_shown(config, {"acr": "urn:example:loa:2"})
    assert not oidc.second_factor_shown(config, {"acr": "urn:example:loa:1", "amr": ["mfa"]})


def test_a_tampered_id_token_is_refused(sso, provider, staff, ctx, monkeypatch):
    app = sso()
    account = staff()
    provider.person("dave", account.user.email)
    real = oidc_protocol.exchange

    def tampered(*args):
        token = real(*args)
        header, payload, signature = token["id_token"].split(".")
        flipped = "A" if signature[10] != "A" else "B"
        token["id_token"] = ".".join([header, payload, signature[:10] + flipped
                                      + signature[11:]])
        return token

    monkeypatch.setattr(oidc_protocol, "exchange", tampered)
    client = app.test_client()
    response, _ = sign_in(client, "dave")
    assert response.status_code == 400 and not signed_in(client)
    assert events(ctx, "auth:login:fail")[-1].details == {"method": "oidc",
                                                          "reason": "id_token:signature"}
    assert ctx.session.get(OidcIdentity, account.user.id) is None


def test_an_id_token_for_another_client_is_refused(sso, provider, staff, ctx, monkeypatch):
    """A genuine token the provider signed, with the right nonce, but for another client."""
    app = sso()
    account = staff()
    provider.person("erin", account.user.email)
    other = provider.settings(client=1)
    meta = oidc_protocol.metadata(other)
    real, issued = oidc_protocol.exchange, []

    def for_other_client(config, meta_, code, verifier, redirect_uri):
        real(config, meta_, code, verifier, redirect_uri)  # Casework's own code, used up
        url, pending = oidc_protocol.begin(other, redirect_uri)
        url = url.replace(f"nonce={pending['nonce']}", f"nonce={nonce}")
        back = parse_qs(urlparse(at_provider(url, "erin", True)).query)
        token = real(other, meta, back["code"][0], pending["verifier"], redirect_uri)
        issued.append(token["id_token"])
        return token

    monkeypatch.setattr(oidc_protocol, "exchange", for_other_client)
    client = app.test_client()
    start = client.get("/staff/sign-in/oidc")
    nonce = parse_qs(urlparse(start.headers["Location"]).query)["nonce"][0]
    response = client.get(at_provider(start.headers["Location"], "erin", True))
    assert response.status_code == 400 and not signed_in(client)
    assert events(ctx, "auth:login:fail")[-1].details["reason"] == "id_token:aud"
    substituted = json.loads(base64.urlsafe_b64decode(issued[0].split(".")[1] + "=="))
    assert (substituted["aud"], substituted["nonce"]) == ("other-app", nonce)  # only aud wrong


def test_a_replayed_state_is_refused(sso, provider, staff, ctx):
    app = sso()
    account = staff()
    provider.person("frank", account.user.email)
    client = app.test_client()
    response, back = sign_in(client, "frank")
    assert response.status_code == 303 and signed_in(client)
    again = app.test_client()  # someone else replays the address, with a sign-in of their own
    again.get("/staff/sign-in/oidc")
    replay = again.get(back)
    assert replay.status_code == 400 and not signed_in(again)
    assert events(ctx, "auth:login:fail")[-1].details["reason"] == "bad_state"
    assert client.get(back).status_code == 400  # and in the same browser: used up


def test_a_provider_group_proposes_a_queue_as_a_pending_grant(sso, provider, staff, ctx,
                                                               clock):
    app = sso(propose=(("hr-team", "queue", "hr"), ("admins", "role", "admin")))
    account = staff()
    admin = staff(roles=("admin",), queues=())
    provider.person("gina", account.user.email, groups=("hr-team", "admins", "unmapped"))
    client = app.test_client()
    response, _ = sign_in(client, "gina")
    assert response.status_code == 303 and signed_in(client)
    user = ctx.session.get(User, account.user.id)
    ctx.session.refresh(user)
    assert "hr" not in user.queues and "admin" not in user.roles  # proposed, not given
    pending = ctx.session.execute(select(AccessGrant).where(
        AccessGrant.user_id == user.id)).scalars().all()
    found = {g.queue or g.role: g for g in pending}
    assert sorted(found) == ["admin", "hr"]
    assert {(g.state, g.requested_by) for g in pending} == {("pending", None)}
    # the same rule as any grant: another administrator (no account holds HR's owner role)
    assert grants.approvers(ctx, found["admin"]) == {admin.user.id}
    assert grants.approvers(ctx, found["hr"]) == {admin.user.id}
    assert {e.actor for e in events(ctx, "admin:grant:request")} == {"oidc"}
    clock.now += timedelta(seconds=30)  # the administrator sees who asked, and may decide
    deciding = app.test_client()
    token = TOKEN.search(deciding.get("/staff/sign-in").get_data(as_text=True)).group(1)
    assert deciding.post("/staff/sign-in", data={
        "csrf_token": token, "email": admin.user.email, "password": PASSWORD,
        "totp": pyotp.TOTP(admin.totp_secret).at(clock.now)}).status_code == 303
    listing = deciding.get("/admin/grants").get_data(as_text=True)
    assert listing.count("Single sign-on (the person's groups at the provider)") == 2
    assert 'action="/admin/grants/' in listing
    sign_in(app.test_client(), "gina")  # a second sign-in asks for nothing new
    assert ctx.session.execute(select(func.count()).select_from(AccessGrant).where(
        AccessGrant.user_id == user.id)).scalar_one() == 2


def test_no_account_is_refused_and_none_is_made(sso, provider, ctx):
    app = sso()
    provider.person("harry", "nobody@test.example")
    count = ctx.session.execute(select(func.count()).select_from(User)).scalar_one()
    client = app.test_client()
    response, _ = sign_in(client, "harry")
    assert response.status_code == 403
    assert "no Casework account" in response.get_data(as_text=True)
    assert ctx.session.execute(select(func.count()).select_from(User)).scalar_one() == count
    assert events(ctx, "auth:login:fail")[-1].details["reason"] == "no_account"


def test_an_unverified_email_links_nothing(sso, provider, staff, ctx):
    app = sso()
    account = staff()
    provider.person("ivy", account.user.email, verified=False)
    response, _ = sign_in(app.test_client(), "ivy")
    assert response.status_code == 403
    assert ctx.session.get(OidcIdentity, account.user.id) is None


def test_deactivation_holds(sso, provider, staff, ctx):
    app = sso()
    account = staff()
    admin = staff(roles=("admin",), queues=())
    provider.person("jack", account.user.email)
    client = app.test_client()
    assert sign_in(client, "jack")[0].status_code == 303  # linked now
    deactivate(ctx, staff_actor(admin.user, ctx.runtime.keyring), account.user.id)
    ctx.session.flush()
    assert not signed_in(client)  # the session ended with the account
    response, _ = sign_in(app.test_client(), "jack")
    assert response.status_code == 403 and "closed" in response.get_data(as_text=True)
    assert events(ctx, "auth:login:fail")[-1].details["reason"] == "deactivated"


def test_an_identity_the_provider_no_longer_knows(sso, provider, staff, ctx):
    """Gone from the provider: its sign-in is refused there (nothing to do here); when the
    address comes back as another identity, the account it was linked to is closed."""
    app = sso()
    account = staff()
    provider.person("kate", account.user.email)
    assert sign_in(app.test_client(), "kate")[0].status_code == 303
    provider.remove("kate")
    refused, _ = sign_in(app.test_client(), "kate")
    assert refused.status_code == 400
    assert events(ctx, "auth:login:fail")[-1].details["reason"] == "provider_access_denied"
    provider.person("kate2", account.user.email)  # the address, now someone else's
    response, _ = sign_in(app.test_client(), "kate2")
    assert response.status_code == 403
    user = ctx.session.get(User, account.user.id)
    ctx.session.refresh(user)
    assert not user.active  # stays closed, although the request was refused
    assert [e.actor for e in events(ctx, "admin:user:deactivate")] == ["oidc"]


def test_a_linked_account_signs_in_through_the_provider_only(sso, provider, staff, ctx, clock):
    app = sso()
    account = staff()
    provider.person("leo", account.user.email)
    assert sign_in(app.test_client(), "leo")[0].status_code == 303
    client = app.test_client()
    token = TOKEN.search(client.get("/staff/sign-in").get_data(as_text=True)).group(1)
    clock.now += timedelta(seconds=60)
    response = client.post("/staff/sign-in", data={
        "csrf_token": token, "email": account.user.email, "password": PASSWORD,
        "totp": pyotp.TOTP(account.totp_secret).at(clock.now)})
    assert response.status_code == 422
    assert "signs in with Test Provider" in response.get_data(as_text=True)
    assert events(ctx, "auth:login:fail")[-1].details["reason"] == "use_provider"


def test_sign_out_ends_the_session_and_offers_the_providers(sso, provider, staff):
    app = sso()
    account = staff()
    provider.person("mia", account.user.email)
    client = app.test_client()
    sign_in(client, "mia")
    page = client.get("/staff/").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    out = client.post("/staff/sign-out", data={"csrf_token": token})
    assert out.status_code == 303 and not signed_in(client)
    landing = client.get("/staff/sign-in").get_data(as_text=True)
    link = re.search(r'href="([^"]+)">Sign out of Test Provider too', landing).group(1)
    link = link.replace("&amp;", "&")
    assert link.startswith(f"{provider.issuer}/session/end?client_id=casework")
    assert requests.get(link, timeout=10).status_code == 200  # the provider's own sign-out


def test_failed_returns_are_rate_limited_like_local_sign_ins(sso):
    client = sso().test_client()
    statuses = [client.get("/staff/sign-in/oidc/callback?state=forged&code=x").status_code
                for _ in range(32)]
    assert statuses[:30] == [400] * 30 and statuses[-1] == 429


def test_a_forged_code_is_refused_by_the_provider(sso, ctx):
    client = sso().test_client()
    start = client.get("/staff/sign-in/oidc")
    state = parse_qs(urlparse(start.headers["Location"]).query)["state"][0]
    response = client.get(f"/staff/sign-in/oidc/callback?state={state}&code=forged")
    assert response.status_code == 400 and not signed_in(client)
    assert events(ctx, "auth:login:fail")[-1].details["reason"] == "provider_error"
