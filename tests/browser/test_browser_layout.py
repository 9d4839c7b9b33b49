"""Every staff page at 1280 and 320 pixels wide (WCAG 2.2 1.4.10 reflow): no sideways scroll
of the page and axe clean at both widths, with a screenshot of each under artifacts/; the case
page in two columns when wide; the focus ring's contrast, computed from the computed style;
the error summary taking the focus; a radio group's error tied to its fieldset; sign-in fields
that say what they hold; and, for reporters, the kind of concern first with only its
categories, no directory, a quick exit, and a report kept when its session has ended."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.browser_kit import fill_report, fresh_code, open_details, sign_in

pytestmark = pytest.mark.browser

WIDTHS = (1280, 320)
DISCLOSURE = "Public interest disclosure (whistleblowing)"
HARASSMENT = "Sexual harassment complaint"
OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
FITS = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
#: What sticks out past the right edge (for the failure message).
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-6).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' '
                 + Math.round(e.getBoundingClientRect().right))"""
#: The focused element's outline, and the colour behind it (the first ancestor with a
#: background of its own, or white).
RING = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  let node = el.parentElement, bg = 'rgb(255, 255, 255)';
  while (node) {
    const b = getComputedStyle(node).backgroundColor;
    if (b && b !== 'rgba(0, 0, 0, 0)' && b !== 'transparent') { bg = b; break; }
    node = node.parentElement;
  }
  return {color: style.outlineColor, style: style.outlineStyle,
          width: parseFloat(style.outlineWidth), offset: parseFloat(style.outlineOffset), bg};
}"""


def luminance(rgb: str) -> float:
    """WCAG relative luminance of a computed 'rgb(r, g, b)' colour."""
    channels = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def assert_fits(page: Page, what: str) -> None:
    """Nothing scrolls sideways (given a moment to lay out again after a resize)."""
    try:
        page.wait_for_function(FITS, timeout=3000)
    except PlaywrightTimeout:
        scroll, inner = page.evaluate(OVERFLOW)
        raise AssertionError(f"{what} scrolls sideways: {scroll} > {inner}: "
                             f"{page.evaluate(WIDE)}") from None


def at_both_widths(visit, name: str) -> None:
    """The page now shown, at each width: no sideways scroll, axe clean, a screenshot."""
    page = visit.page
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_fits(page, f"{name} at {width}px")
        visit.check(f"layout-{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def each_page(visit, pages: tuple[tuple[str, str], ...]) -> None:
    """Go to each (path, name) in turn and check it at both widths."""
    for path, name in pages:
        visit.goto(path)
        at_both_widths(visit, name)


def test_staff_pages_reflow_at_320_and_fit_1280(visit, live):
    each_page(visit(), (("/staff/sign-in", "sign-in"), ("/staff/enrol", "enrolment")))

    intake = visit()
    sign_in(intake, live.logins["intake"])
    at_both_widths(intake, "dashboard")
    each_page(intake, (("/staff/cases", "case-list"), ("/staff/triage", "triage"),
                       ("/staff/record", "record-kind"),
                       ("/staff/record?kind=disclosure", "record-form")))
    page = intake.page
    intake.goto("/staff/cases")
    page.locator("table a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Case CW-"))
    _two_columns_when_wide(page)
    at_both_widths(intake, "case")
    open_details(page, "#assign")
    at_both_widths(intake, "case-form-open")

    analyst = visit()
    sign_in(analyst, live.logins["analyst"])
    each_page(analyst, (("/staff/statistics?by=category&then=route", "statistics"),
                        ("/staff/statistics/annual", "annual")))

    admin = visit()
    sign_in(admin, live.logins["admin"])
    each_page(admin, (("/admin/", "admin-home"), ("/admin/people", "admin-people"),
                      ("/admin/grants", "admin-grants"), ("/admin/users", "admin-users")))
    admin.page.locator("main table a").first.click()
    at_both_widths(admin, "admin-account")

    auditor = visit()
    sign_in(auditor, live.logins["auditor"])
    each_page(auditor, (("/staff/audit/", "audit-trail"),))


def _two_columns_when_wide(page: Page) -> None:
    """At 1280 the side panel sits beside the record; at 320 above it, full width."""
    page.set_viewport_size({"width": 1280, "height": 900})
    side, main = page.locator(".case-side").bounding_box(), page.locator(
        ".case-main").bounding_box()
    assert side["x"] > main["x"] + main["width"] - 1 and abs(side["y"] - main["y"]) < 2
    page.set_viewport_size({"width": 320, "height": 900})
    side, main = page.locator(".case-side").bounding_box(), page.locator(
        ".case-main").bounding_box()
    assert side["y"] + side["height"] <= main["y"] + 1 and side["width"] <= 320
    page.set_viewport_size({"width": 1280, "height": 900})
    closed = page.locator(".take-step details:not([open])")
    assert closed.count() >= 2  # the forms wait to be chosen


def test_the_focus_ring_stands_out_and_errors_take_the_focus(visit, live):
    person = visit()
    page = person.page
    person.goto("/staff/sign-in")
    for field, purpose in (("email", "username"), ("password", "current-password"),
                           ("totp", "one-time-code")):
        expect(page.locator(f"input[name={field}]")).to_have_attribute("autocomplete", purpose)
    for target in ("input[name=email]", "main button", "header a.brand", "footer a"):
        page.locator(target).first.focus()
        ring = page.evaluate(RING)
        assert ring["style"] == "solid" and ring["width"] >= 3, (target, ring)
        assert contrast(ring["color"], ring["bg"]) >= 3, (target, ring)

    page.get_by_label("Email address", exact=True).fill("nobody@demo.casework.example")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary")).to_be_focused()
    ring = page.evaluate(RING)
    assert contrast(ring["color"], ring["bg"]) >= 3
    person.check("layout-sign-in-error-focused")

    person.goto("/report?kind=nonsense")
    expect(page.locator(".error-summary")).to_be_focused()
    group = page.get_by_role("group", name="What kind of concern is it?")
    expect(group).to_have_accessible_description(re.compile(
        "Choose what kind of concern this is"))
    person.check("layout-kind-error")

    login = live.logins["mo"]
    person.goto("/staff/sign-in")
    page.get_by_label("Email address", exact=True).fill(login.email)
    page.get_by_label("Password", exact=True).fill(login.password)
    page.get_by_label("Code from your authenticator app").fill(fresh_code(login))
    page.get_by_role("button", name="Sign in").click()
    person.goto("/staff/cases")
    page.locator("table a").first.click()
    open_details(page, "#referral")
    page.locator("#referral").get_by_role("button", name="Record it").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#referral")).to_have_attribute("open", "")
    referred = page.get_by_role("group", name="Was the matter referred?")
    expect(referred).to_have_accessible_description(re.compile(
        "Say whether the matter was referred"))
    person.check("layout-case-form-error")


def test_the_reporter_chooses_the_kind_first_sees_no_directory_and_can_leave_quickly(
        visit, live):
    for javascript in (True, False):
        reporter = visit(javascript=javascript)
        page = reporter.page
        reporter.goto("/report")
        expect(page.locator("#category")).to_have_count(0)
        exit_link = page.get_by_role("link", name="Leave this site quickly")
        expect(exit_link).to_have_attribute("href", "https://www.bbc.co.uk/weather")
        page.get_by_label(HARASSMENT, exact=True).check()
        page.get_by_role("button", name="Continue").click()
        expect(page.locator("#kind-chosen")).to_have_text(HARASSMENT)
        offered = page.locator("#category option").all_inner_texts()
        assert offered.count("Bullying, threats or discrimination") == 1
        assert "Fraud, false claims or financial deception" not in offered
        assert len(offered) == len(set(offered))
        expect(page.locator("select[multiple], datalist")).to_have_count(0)
        assert "Dana Kowalski" not in page.content()  # a directory person, never listed
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            expect(exit_link).to_be_visible()
            assert exit_link.bounding_box()["y"] < 80  # at the top, where a hand finds it
            if javascript:  # (measured in the page, so only where it runs scripts)
                assert_fits(page, f"the report form at {width}px")
        reporter.check(f"layout-report-harassment-{'js' if javascript else 'nojs'}")
    reporter.goto("/")
    page.get_by_role("link", name="Report a concern of this kind").first.click()
    expect(page.locator("#kind-chosen")).to_have_text(DISCLOSURE)


def test_a_report_sent_after_the_session_ended_keeps_what_was_written(visit, live):
    reporter = visit()
    page = reporter.page
    reporter.goto("/report")
    written = "He blocked the door of the store room and would not let me out."
    fill_report(page, kind=HARASSMENT, category="sexual_harassment",
                summary="Blocked in the store room", details=written)
    reporter.context.clear_cookies()  # the session has ended while they wrote
    page.get_by_role("button", name="Send my report").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "Your session ended before you sent this")
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_label("Tell us what happened", exact=True)).to_have_value(written)
    expect(page.get_by_label("In a sentence, what happened?")).to_have_value(
        "Blocked in the store room")
    expect(page.locator("#category")).to_have_value("sexual_harassment")
    reporter.check("layout-report-session-ended")
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report has been sent")
