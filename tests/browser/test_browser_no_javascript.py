"""Journey: the reporter with JavaScript turned off lodges a report with a photo carrying camera
and location details, is told what was removed, comes back, sends a message and withdraws."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.browser_kit import fill_report, reporter_action, return_with_receipt, send_report

pytestmark = pytest.mark.browser

KIND = "Public interest disclosure (whistleblowing)"
MESSAGE = "I remembered one more thing: the skip was emptied on a Sunday."


def photo_with_exif() -> bytes:
    """A small JPEG whose EXIF names the camera, the time and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = "Casework Test Camera Co."  # Make
    exif[0x0110] = "Model 1"  # Model
    exif[0x0132] = "2026:03:02 09:00:00"  # DateTime
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert b"Casework Test Camera Co." in data
    return data


def test_reporter_journey_without_javascript(visit):
    reporter = visit(javascript=False)
    page = reporter.page
    reporter.goto("/")
    reporter.check("nojs-01-start")
    page.get_by_role("link", name="Report a concern").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a concern")
    reporter.check("nojs-02-report-form")
    fill_report(page, kind=KIND, category="health_and_safety",
                summary="Chemicals dumped behind the depot",
                details="Drums of solvent were emptied into the drain behind the depot.",
                files=[{"name": "depot.jpg", "mimeType": "image/jpeg",
                        "buffer": photo_with_exif()}])
    reference, receipt = send_report(reporter)
    evidence = page.get_by_role("listitem").filter(has_text="depot.jpg")
    expect(evidence).to_contain_text("we removed camera details, time and location (EXIF)")
    reporter.check("nojs-03-receipt-with-evidence")
    reporter.close()

    returning = visit(javascript=False)
    page = returning.page
    return_with_receipt(returning, reference, receipt, check="nojs-04-return")
    returning.check("nojs-05-my-report")
    page.get_by_label("Your message").fill(MESSAGE)
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("Your message was sent.")).to_be_visible()
    expect(page.locator(".message.reporter").filter(has_text=MESSAGE)).to_be_visible()
    returning.check("nojs-06-my-report-message-sent")

    reporter_action(returning, "Withdraw my report", confirm="Yes: withdraw my report")
    panel = page.locator(".panel").first
    expect(panel).to_contain_text("the report was withdrawn (you withdrew it)")
    expect(page.get_by_role("button", name="Withdraw my report")).to_have_count(0)
    returning.check("nojs-07-my-report-withdrawn")
