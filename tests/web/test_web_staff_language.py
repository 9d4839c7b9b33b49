"""A member of staff reads the case pages in French: the chooser in the header saves the
language to their account (users.language), so the case page is in French on the next request
and in a new session after signing in again (<html lang="fr">, dates as French writes them:
"2 mars 2026"), the timeline and the deadlines' words too, and the case file's PDF has its
headings in French. English stays the default."""

from __future__ import annotations

from dataclasses import replace

import pytest

from casework import create_app
from casework.models import User
from tests.web.conftest import Browser, page
from tests.web.test_web_case_file import flat, pdf_text


@pytest.fixture
def app(settings, runtime):
    """The site offers English and French (CASEWORK_LANGUAGES=en,fr)."""
    offered = replace(runtime.settings, languages=("en", "fr"))
    return create_app(settings, runtime=replace(runtime, settings=offered))


def a_case(make, ctx, account):
    """A disclosure lodged on Monday 2 March 2026, and an intake officer of its queue."""
    case = make.lodge("disclosure", category="policy_breach").case
    acc = account(("intake",), (case.queue,))
    ctx.session.flush()
    return acc, case


def choose(browser: Browser, code: str, back: str):
    """The chooser in the page header, as a person presses it."""
    return browser.post("/language", {"language": code, "next": back}, token_from=back)


def test_french_chosen_in_the_header_is_kept_on_the_account_and_in_a_new_session(
        browser, account, make, ctx, app, clock):
    acc, case = a_case(make, ctx, account)
    url = f"/staff/cases/{case.reference}"
    assert browser.sign_in(acc).status_code == 303
    english = page(browser.get(url))
    assert '<html lang="en">' in english and "Deadlines" in english
    assert "02 March 2026" in english  # English keeps its own way of writing days
    assert 'value="fr"' in english and "Français" in english  # the chooser is offered

    chosen = choose(browser, "fr", url)
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith(url)
    ctx.session.expire_all()
    assert ctx.session.get(User, acc.id).language == "fr"  # saved to the account

    french = browser.get(url)
    body = page(french)
    assert french.headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in body
    assert f"Dossier {case.reference}" in body and "Échéances" in body
    assert "Ce qui s’est passé jusqu’ici" in body
    assert "Acheminé vers" in body  # the timeline's words
    assert "2 mars 2026" in body and "02 March 2026" not in body
    assert "Deadlines" not in body and "Take a step" not in body

    # a new browser, a new session: signing in again finds the language on the account
    again = Browser(app.test_client(), clock)
    assert again.sign_in(acc).status_code == 303
    later = page(again.get(url))
    assert '<html lang="fr">' in later and "Franchir une étape" in later
    assert "2 mars 2026" in later

    # and back to English, kept the same way
    assert choose(again, "en", url).status_code == 303
    ctx.session.expire_all()
    assert ctx.session.get(User, acc.id).language == "en"
    assert "Deadlines" in page(again.get(url))


def test_the_case_file_pdf_is_made_in_the_chosen_language(browser, account, make, ctx):
    acc, case = a_case(make, ctx, account)
    url = f"/staff/cases/{case.reference}/file"
    assert browser.sign_in(acc).status_code == 303
    assert choose(browser, "fr", url).status_code == 303
    form = page(browser.get(url))
    assert f"Produire un dossier pour {case.reference}" in form
    got = browser.post(url, {"purpose": "tribunal", "redact": ["names"]},
                       token_from=url)
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    text, pages = pdf_text(got.data)
    words = flat(text)
    for heading in (f"Dossier {case.reference}", "Préparé pour", "Le dossier",
                    "Ce qui a été signalé", "Décisions", "Chronologie",
                    "Notes confidentielles", "Piste de vérification de ce dossier"):
        assert heading in words, heading
    assert "Un tribunal ou une cour" in words and "Acheminé vers" in words
    assert "The case" not in words and "Timeline" not in words
    assert all("exporté par" in flat(p) and "confidentiel" in flat(p) for p in pages)
