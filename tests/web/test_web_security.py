"""Every page: CSRF on every POST, a Content-Security-Policy without 'unsafe-inline', no
script and no inline style anywhere, so the pages work (and must work) without JavaScript."""

from __future__ import annotations

import re

from casework.models import Case
from tests.web.conftest import page


def check_page(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    body = page(response).lower()
    assert "<script" not in body
    assert not re.search(r"\son\w+=", body), "inline event handler"
    assert " style=" not in body and "<style" not in body


def test_a_post_without_a_csrf_token_is_refused(browser, handler, make, ctx, client):
    case = make.case()
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    version = re.search(r'name="version" value="(\d+)"', body).group(1)
    for path, data in (
            (f"/staff/cases/{case.reference}/transition",
             {"transition": "acknowledge", "version": version}),
            (f"/staff/cases/{case.reference}/notes", {"note-body": "x"}),
            (f"/staff/cases/{case.reference}/recuse", {"recuse-reason": "x"}),
            ("/staff/sign-out", {}),
            ("/admin/users", {"email": "a@b.example"})):
        refused = client.post(path, data=data)
        assert refused.status_code == 400, path
        assert "Nothing was saved" in page(refused)
        refused_bad = client.post(path, data={**data, "csrf_token": "forged"})
        assert refused_bad.status_code == 400, path
    ctx.session.expire_all()
    assert ctx.session.get(Case, case.id).state == "received"
    assert browser.get(f"/staff/cases/{case.reference}").status_code == 200  # still signed in


def test_every_page_has_the_policy_and_no_script(browser, client, account, make):
    anonymous = ["/staff/sign-in", "/staff/", "/admin/people", "/staff/cases/CW-NONE"]
    for path in anonymous:
        check_page(client.get(path))
    case = make.case(path=["acknowledge"], anonymous=False)
    officer = account(("intake", "investigator", "decision_maker", "admin"), ("intake",))
    assert browser.sign_in(officer).status_code == 303
    for path in ("/staff/", "/staff/cases", "/staff/cases?sort=due&route=disclosure",
                 "/staff/cases?state=nonsense", "/staff/triage", "/staff/record",
                 "/staff/record/receipt", f"/staff/cases/{case.reference}",
                 "/staff/cases/CW-NONE", "/admin/people", "/admin/users", "/staff/sign-in"):
        response = browser.get(path)
        assert response.status_code in (200, 404, 422), path
        check_page(response)
    for path, data in (
            (f"/staff/cases/{case.reference}/transition",
             {"transition": "refer", "version": "1"}),  # stale: the 409 page
            (f"/staff/cases/{case.reference}/transition",
             {"transition": "refer", "version": str(case.version)}),  # 422
            (f"/staff/cases/{case.reference}/identity", {"reveal-reason": "needed"}),
            (f"/staff/cases/{case.reference}/notes", {"note-body": ""})):
        response = browser.post(path, data)
        assert response.status_code in (200, 409, 422), (path, response.status_code)
        check_page(response)


def test_the_staff_pages_have_navigation_and_ordered_headings(browser, handler, make):
    case = make.case()
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    nav = body.split('<nav aria-label="Staff">')[1].split("</nav>")[0]
    for words in ("Dashboard", "Cases", "Triage", "Record a report", "Sign out"):
        assert words in nav
    assert "People directory" not in nav  # not an administrator
    assert 'name="csrf_token"' in nav
    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", body)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    labelled = set(re.findall(r'<label for="([^"]+)"', body))
    controls = set(re.findall(r'<(?:textarea|select)[^>]* id="([^"]+)"', body))
    controls |= set(re.findall(r'<(?:textarea|select) id="([^"]+)"', body))
    assert controls and controls <= labelled


def test_the_session_cookie_is_httponly_samesite_and_secure_over_https(client, clock):
    from datetime import timedelta

    plain = client.get("/report?kind=disclosure")
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = client.get("/report?kind=disclosure", base_url="https://localhost")
    assert "Secure" in secure.headers["Set-Cookie"]
    token = re.search(r"casework_session=([^;]+)", cookie).group(1)
    assert len(token) >= 40  # a random token: the session data itself stays on the server
    clock.now += timedelta(hours=13)
    client.set_cookie("casework_session", token)
    again = client.get("/report?kind=disclosure")
    assert re.search(r"casework_session=([^;]+)", again.headers["Set-Cookie"]).group(1) != token
