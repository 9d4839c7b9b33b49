"""What the browser tests share: a watched browser per person, the checks every page visited must
pass (only the server's own origin, the CSP header, axe-core at WCAG 2.2 AA, a screenshot), and
the steps people take (sign in, report, return, take a step on a case)."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import axe_playwright_python
import pyotp
from playwright.sync_api import Browser, Page, Response, expect

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CASEWORK_CHROMIUM", "/usr/bin/chromium"))  # Debian's
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
DB_KIND = "postgresql" if os.environ.get("CASEWORK_TEST_DATABASE_URL") else "sqlite"
SCREENSHOTS = ROOT / "artifacts" / "screenshots" / DB_KIND
AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = ("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
           "resultTypes: ['violations']})")
CSRF_VALUE = re.compile(r'(name="[\w-]*csrf_token"[^>]*value=")[^"]*"')


@dataclass(frozen=True)
class Login:
    """A demo staff account: email, password and TOTP secret."""

    email: str
    password: str
    secret: str


def format_violations(name: str, url: str, violations: list[dict]) -> str:
    """axe's findings, one line per rule and the nodes it failed on."""
    lines = [f"axe found {len(violations)} WCAG 2.2 AA violation(s) on {name} ({url}):"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}  <{v['helpUrl']}>")
        for node in v["nodes"]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {node['target']}: {summary}")
    return "\n".join(lines)


class Auditor:
    """Runs axe-core in Chromium. Playwright's evaluate is not bound by the page's CSP, so axe
    runs in the page itself; a page from a context without JavaScript (where axe cannot run) is
    replayed, exactly as served, at its own address in a context with JavaScript."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()

    def violations(self, page: Page, javascript: bool) -> list[dict]:
        target = page if javascript else self._replay(page.url, page.content())
        target.evaluate(AXE_JS)
        return target.evaluate(AXE_RUN, WCAG_TAGS)["violations"]

    def _replay(self, url: str, html: str) -> Page:
        def same(candidate: str) -> bool:
            return candidate == url

        self.page.route(same, lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=html))
        try:
            self.page.goto(url)
        finally:
            self.page.unroute(same)
        return self.page

    def close(self) -> None:
        self.context.close()


class Visit:
    """One person's browser (a context and its page), watched throughout: every request must go
    to the live server, every response from it must carry the Content-Security-Policy header,
    and the console must report no CSP violation."""

    def __init__(self, browser: Browser, base: str, auditor: Auditor, *,
                 javascript: bool = True) -> None:
        self.base, self.auditor, self.javascript = base, auditor, javascript
        self.context = browser.new_context(base_url=base, java_script_enabled=javascript,
                                           viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.on("response", self._response)
        self.page.on("console", self._console)

    def _response(self, response: Response) -> None:
        if self.same_origin(response.url):
            csp = response.headers.get("content-security-policy", "")
            if "default-src 'none'" not in csp or "unsafe-" in csp:
                self.problems.append(f"no strict Content-Security-Policy on {response.url}: "
                                     f"{csp!r}")

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP violation on {self.page.url}: {message.text}")

    def same_origin(self, url: str) -> bool:
        mine, theirs = urlsplit(self.base), urlsplit(url)
        return (theirs.scheme, theirs.netloc) == (mine.scheme, mine.netloc)

    def goto(self, path: str) -> Response:
        response = self.page.goto(path)
        assert response is not None
        return response

    def check(self, name: str) -> None:
        """A page of a journey: save its screenshot, then require zero axe violations, no
        request to another origin and the CSP header on everything served so far."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        url = self.page.url
        violations = self.auditor.violations(self.page, self.javascript)
        assert not violations, format_violations(name, url, violations)
        self.assert_clean()

    def assert_clean(self) -> None:
        foreign = sorted({u for u in self.requests if not self.same_origin(u)})
        assert not foreign, f"third-party or foreign requests: {foreign}"
        assert not self.problems, "\n".join(self.problems)
        assert self.requests, "no request was seen"

    def close(self) -> None:
        self.context.close()


# ---- steps people take ---------------------------------------------------------------------

_LAST_STEP: dict[str, int] = {}


def fresh_code(login: Login) -> str:
    """The account's TOTP code now, waiting for the next 30 s step if this run already used
    the current one (the server accepts each code once)."""
    step = int(time.time() // 30)
    if _LAST_STEP.get(login.email, -1) >= step:
        time.sleep((step + 1) * 30 - time.time() + 0.2)
        step = int(time.time() // 30)
    _LAST_STEP[login.email] = step
    return pyotp.TOTP(login.secret).at(step * 30)


def sign_in(visit: Visit, login: Login, check: str | None = None) -> None:
    """Staff sign-in with email, password and the authenticator code, landing on the dashboard."""
    page = visit.page
    visit.goto("/staff/sign-in")
    if check:
        visit.check(check)
    page.get_by_label("Email address", exact=True).fill(login.email)
    page.get_by_label("Password", exact=True).fill(login.password)
    page.get_by_label("Code from your authenticator app").fill(fresh_code(login))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def fill_report(page: Page, *, kind: str, category: str, summary: str, details: str,
                people: tuple[str, ...] = (), files: list | None = None) -> None:
    """Answer the report form (without sending it): the kind of concern first, on its own
    step, then the form, which lists only that kind's categories. A visitor types the people
    involved (the server matches them against the directory); staff recording a report pick
    them from it."""
    if page.locator("#kind-group").count():
        page.get_by_label(kind, exact=True).check()
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("#kind-chosen")).to_have_text(kind)
    page.locator("#category").select_option(category)
    page.get_by_label("In a sentence, what happened?").fill(summary)
    page.get_by_label("Tell us what happened", exact=True).fill(details)
    if people and page.locator("#implicated_people").count():
        page.locator("#implicated_people").select_option(label=list(people))
    elif people:
        page.locator("#implicated_names").fill("\n".join(people))
    if files:
        page.locator("#evidence").set_input_files(files)


def send_report(visit: Visit) -> tuple[str, str]:
    """Send the filled report form; the reference and receipt from the receipt page."""
    page = visit.page
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report has been sent")
    assert page.url.endswith("/report/receipt")
    reference = page.locator("#reference").inner_text().strip()
    receipt = page.locator("#receipt").inner_text().strip()
    assert re.fullmatch(r"CW-[0-9A-Z]{8}", reference), reference
    assert reference not in page.url and receipt not in page.url
    return reference, receipt


def return_with_receipt(visit: Visit, reference: str, receipt: str,
                        check: str | None = None) -> None:
    """The reporter comes back with reference and receipt, to their report."""
    page = visit.page
    visit.goto("/return")
    if check:
        visit.check(check)
    page.get_by_label("Reference", exact=True).fill(reference)
    page.get_by_label("Receipt", exact=True).fill(receipt)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your report {reference}")


def reporter_action(visit: Visit, words: str, confirm: str | None = None) -> None:
    """The reporter presses one of the steps open to them on /my-report (and, for a step that
    closes the report, reads what it means and confirms with the button named `confirm`)."""
    visit.page.get_by_role("button", name=words, exact=True).click()
    if confirm:
        expect(visit.page.get_by_role("heading", level=1)).to_have_text(f"{words}?")
        visit.check(f"confirm-{words.lower().replace(' ', '-')}")
        visit.page.get_by_role("button", name=confirm, exact=True).click()
    expect(visit.page.get_by_text("Done. Your report has been updated.")).to_be_visible()


def open_case(visit: Visit, reference: str) -> None:
    """From the dashboard, follow the case's link to its page."""
    page = visit.page
    visit.goto("/staff/")
    page.get_by_role("link", name=reference).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")


def open_step(form) -> None:
    """A step recorded for the reporter sits closed in a <details>: open it to reach its form."""
    closed = form.locator("details:not([open]) > summary")
    if closed.count():
        closed.click()


def take_step(visit: Visit, key: str, **answers: str | bool) -> None:
    """Fill and send one of the case page's next-step forms; the case moves on."""
    page = visit.page
    form = page.locator(f'section[aria-labelledby="step-{key}"]')
    open_step(form)
    for name, value in answers.items():
        if isinstance(value, bool):
            form.locator(f"#t-{key}-{name}" + ("" if value else "-no")).check()
        elif form.locator(f"select#t-{key}-{name}").count():
            form.locator(f"#t-{key}-{name}").select_option(value)
        else:
            form.locator(f"#t-{key}-{name}").fill(value)
    form.get_by_role("button").click()
    expect(page.get_by_text("Done. The case has moved on.")).to_be_visible()


def open_details(page: Page, selector: str) -> None:
    """Open a closed form on a page (a <details> that is closed until chosen)."""
    details = page.locator(selector)
    if details.get_attribute("open") is None:
        details.locator("> summary").click()
    expect(details).to_have_attribute("open", "")


def assign(visit: Visit, colleague: str, capacity: str) -> None:
    """Assign a colleague through the case page's assignment form."""
    page = visit.page
    open_details(page, "#assign")
    page.locator("#assign-user_id").select_option(label=colleague)
    page.locator("#assign-capacity").select_option(capacity)
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text("The colleague was assigned.")).to_be_visible()


def stage(page: Page) -> str:
    """The stage shown on a staff case page."""
    return page.locator("p.lead strong").first.inner_text()


def without_csrf(html: str) -> str:
    """A page's HTML with its per-request CSRF token values blanked."""
    return CSRF_VALUE.sub(r'\1"', html)
