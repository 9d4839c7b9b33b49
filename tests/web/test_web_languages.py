"""The reporter's pages in English and French (canada-federal offers both): the chooser on every
page posts to /language and the choice stays in the session, never in an address; the browser's
Accept-Language picks the first page's language; `<html lang>` says which; a report made in French
is remembered as French and its email goes in French; a refused form says what is wrong in
French, naming the field. A pack with one language shows no chooser."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casework.models import Case, Notification
from casework.services.mail import MailSettings, claim, prepare
from casework.services.notify import tell_reporter
from tests.web.conftest import TOKEN, page

BASE = "https://casework.example.org"
CHOOSER = re.compile(r'<form class="language" method="post" action="/language">(.*?)</form>',
                     re.S)
#: Every page a reporter reads before signing in (the receipt page, once it has been shown).
PUBLIC = ("/", "/protections", "/report", "/report?kind=disclosure", "/return",
          "/report/receipt")
FRENCH_TITLES = {"/": "Signaler en toute sécurité", "/protections":
                 "Comment votre signalement est protégé", "/report": "Signaler une préoccupation",
                 "/report?kind=disclosure": "Signaler une préoccupation",
                 "/return": "Suivre un signalement", "/report/receipt": "Déjà affichés",
                 "/my-report": "Votre signalement"}


@pytest.fixture
def federal(use_pack):
    use_pack("canada-federal")


def html_lang(body: str) -> str:
    return re.search(r'<html lang="([^"]+)"', body).group(1)


def choose(browser, code: str, on: str = "/"):
    """Press the chooser's button for code on the page at `on`."""
    return browser.post("/language", {"language": code, "next": on}, token_from=on)


def lodge_in(browser, code: str, **fields):
    """A report sent through the form in a session whose language is code."""
    choose(browser, code, "/report?kind=disclosure")
    data = {"route": "disclosure", "category": "misuse_of_funds", "anonymous": "yes",
            "summary": "Fonds détournés", "details": "Des contrats sans appel d'offres.",
            **fields}
    return browser.post("/report", data, token_from="/report?kind=disclosure")


def newest_case(ctx) -> Case:
    ctx.session.expire_all()
    return ctx.session.execute(select(Case).order_by(Case.id.desc())).scalars().first()


def test_the_chooser_is_on_every_reporter_page_and_posts_to_language(browser, federal):
    for path in PUBLIC:
        chooser = CHOOSER.search(page(browser.get(path)))
        assert chooser, path
        assert 'name="language" value="fr"' in chooser.group(1), path
        assert 'lang="en" aria-current="true"' in chooser.group(1), path  # English, first
        assert f'name="next" value="{path.split("?")[0]}"' in chooser.group(1), path


def test_the_choice_is_kept_in_the_session_and_never_in_an_address(browser, federal):
    chosen = choose(browser, "fr", "/return")
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/return"
    for path in PUBLIC:
        response = browser.get(path)
        body = page(response)
        assert html_lang(body) == "fr" and FRENCH_TITLES[path] in body, path
        assert response.headers["Content-Language"] == "fr"
        assert not re.search(r'href="[^"]*[?&](lang|language|locale)=', body), path
        assert not re.search(r'action="[^"]*[?&]', body.replace("/report?", "")), path
    back = choose(browser, "en", "/")
    assert back.headers["Location"] == "/"
    assert html_lang(page(browser.get("/"))) == "en"


def test_the_chooser_goes_back_only_to_a_path_on_this_site(browser, federal):
    for asked, went_to in (("https://evil.example/", "/"), ("//evil.example/x", "/"),
                           ("/return?receipt=X", "/return")):  # never a query string
        went = browser.post("/language", {"language": "fr", "next": asked}, token_from="/")
        assert went.headers["Location"] == went_to, asked


def test_a_language_not_offered_is_ignored(browser, federal):
    browser.post("/language", {"language": "de", "next": "/"}, token_from="/")
    assert html_lang(page(browser.get("/"))) == "en"


def test_accept_language_picks_french_on_a_first_visit(client, federal):
    response = client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    body = page(response)
    assert html_lang(body) == "fr" and "Signaler en toute sécurité" in body
    assert "Accept-Language" in response.headers["Vary"]
    english = client.get("/", headers={"Accept-Language": "en-CA,en;q=0.9"})
    assert html_lang(page(english)) == "en" and "Speak up safely" in page(english)


def test_every_reporter_page_says_its_language_in_english_and_french(browser, federal, ctx):
    for code, title in (("en", "Speak up safely"), ("fr", "Signaler en toute sécurité")):
        choose(browser, code, "/")
        for path in PUBLIC:
            assert html_lang(page(browser.get(path))) == code, (code, path)
        assert title in page(browser.get("/"))


def test_a_report_in_french_french_receipt_page_and_page_after_signing_in(
        browser, federal, ctx, make):
    sent = lodge_in(browser, "fr")
    assert sent.status_code == 303, page(sent)
    assert sent.headers["Location"] == "/report/receipt"  # no language, no receipt in it
    receipt = browser.get("/report/receipt")
    body = page(receipt)
    assert html_lang(body) == "fr" and "Votre signalement a été envoyé" in body
    assert 'name="next" value="/report/receipt"' in body
    reference = re.search(r'id="reference">([^<]+)<', body).group(1)
    secret = re.search(r'id="receipt">([^<]+)<', body).group(1)
    assert secret not in receipt.request.url and secret not in body.split('id="receipt"')[0]
    case = newest_case(ctx)
    assert case.reference == reference and case.reporter_language == "fr"
    back = browser.post("/return", {"reference": reference, "receipt": secret},
                        token_from="/return")
    assert back.status_code == 303 and back.headers["Location"] == "/my-report"
    mine = page(browser.get("/my-report"))  # signing in kept the language chosen
    assert html_lang(mine) == "fr"
    assert f"Votre signalement {reference}" in mine
    assert "Votre signalement a été reçu." in mine  # the timeline
    assert "What has happened so far" not in mine and "Leave (sign out)" not in mine
    left = browser.post("/my-report/leave", {}, token_from="/my-report")
    assert left.status_code == 303
    assert "Vous avez quitté votre signalement" in page(browser.get("/"))


def test_a_report_in_english_is_remembered_as_english(browser, federal, ctx):
    assert lodge_in(browser, "en").status_code == 303
    assert newest_case(ctx).reporter_language == "en"


def test_the_reporters_email_goes_in_the_language_of_their_report(browser, federal, ctx,
                                                                    runtime):
    named = {"anonymous": "no", "name": "Camille Roy", "email": "camille@example.ca",
             "notify_by_email": "y"}
    assert lodge_in(browser, "fr", **named).status_code == 303
    case = newest_case(ctx)
    assert case.notify_reporter and case.reporter_language == "fr"
    assert tell_reporter(ctx, case, "message:1")
    ctx.session.flush()
    settings = MailSettings(host="127.0.0.1", port=25, security="none",
                            sender="Casework <casework@example.ca>", base_url=BASE)
    [held] = claim(runtime, 10)
    outcome, message = prepare(runtime, settings, held)
    assert outcome == "send" and message["To"] == "camille@example.ca"
    assert message["Subject"] == "Casework : du nouveau sur votre signalement"
    text = message.get_content()
    assert text.startswith("Il y a du nouveau sur votre signalement.") and f"{BASE}/return" in text
    assert "Ce message a été envoyé automatiquement par Casework." in text
    assert "update" not in text and case.reference not in text
    assert ctx.session.execute(select(Notification)).scalars().first() is not None


def test_a_refused_field_in_french_says_what_is_wrong_in_french_and_names_it(browser, federal,
                                                                            ctx):
    refused = lodge_in(browser, "fr", summary="")
    assert refused.status_code == 422
    body = page(refused)
    assert html_lang(body) == "fr" and "Il y a un problème" in body
    summary = re.search(r'<div class="error-summary".*?</div>', body, re.S).group(0)
    assert "En une phrase, que s’est-il passé\u00a0?" in summary  # the field, by its French label
    assert "Dites en une phrase ce qui s’est passé" in summary
    assert 'href="#summary"' in summary
    assert 'id="summary-error">Dites en une phrase ce qui s’est passé<' in body
    assert "Say in a sentence" not in body and newest_case(ctx) is None


def test_an_unknown_kind_in_french_is_refused_in_french(browser, federal):
    choose(browser, "fr", "/report")
    refused = browser.get("/report?kind=nothing")
    assert refused.status_code == 422
    assert "Choisissez le type de préoccupation" in page(refused)


def test_a_wrong_receipt_in_french_is_refused_in_french(browser, federal, make):
    lodged = make.lodge()
    choose(browser, "fr", "/return")
    refused = browser.post("/return", {"reference": lodged.reference, "receipt": "WRONG"},
                           token_from="/return")
    assert refused.status_code == 422
    body = page(refused)
    assert "Ce numéro de référence et ce reçu ne correspondent à aucun signalement" in body
    assert "<title>Erreur : Suivre un signalement" in body


def test_a_pack_with_one_language_shows_no_chooser_and_speaks_english(client):
    for path in PUBLIC:
        body = page(client.get(path, headers={"Accept-Language": "fr"}))
        assert 'action="/language"' not in body and html_lang(body) == "en", path
    assert "Speak up safely" in page(client.get("/"))


def test_error_pages_speak_the_language_chosen(browser, federal):
    choose(browser, "fr", "/")
    missing = browser.get("/nowhere")
    body = page(missing)
    assert missing.status_code == 404 and html_lang(body) == "fr"
    assert "<h1>Introuvable</h1>" in body and "Cette page n’existe pas." in body
    expired = browser.client.post("/my-report/message", data={"body": "Bonjour"})
    assert expired.status_code == 400
    assert "Ce formulaire avait expiré" in page(expired) and "Bonjour" in page(expired)


def test_a_limit_wtforms_checks_is_refused_in_french_too(browser, federal):
    refused = lodge_in(browser, "fr", summary="x" * 301)
    assert refused.status_code == 422
    error = re.search(r'id="summary-error">([^<]+)<', page(refused)).group(1)
    assert "300" in error and "longer" not in error and "caractères" in error


def test_choosing_french_on_the_receipt_page_shows_the_receipt_again_once(browser, federal,
                                                                         ctx):
    assert lodge_in(browser, "en").status_code == 303
    english = page(browser.get("/report/receipt"))
    assert "Your report has been sent" in english
    secret = re.search(r'id="receipt">([^<]+)<', english).group(1)
    browser.get("/static/casework.css")  # the page's own styles do not count as a new page
    token = TOKEN.search(english).group(1)  # the chooser's, on the page already shown
    browser.client.post("/language", data={"csrf_token": token, "language": "fr",
                                           "next": "/report/receipt"})
    french = page(browser.get("/report/receipt"))
    assert "Votre signalement a été envoyé" in french and secret in french
    again = page(browser.get("/report/receipt"))  # a reload: gone, as in English
    assert "Déjà affichés" in again and secret not in again
    choose(browser, "en", "/report/receipt")
    assert secret not in page(browser.get("/report/receipt"))


def test_another_page_in_between_forgets_the_receipt(browser, federal):
    assert lodge_in(browser, "en").status_code == 303
    shown = page(browser.get("/report/receipt"))
    secret = re.search(r'id="receipt">([^<]+)<', shown).group(1)
    browser.get("/protections")
    browser.client.post("/language", data={"csrf_token": TOKEN.search(shown).group(1),
                                           "language": "fr", "next": "/report/receipt"})
    shown = page(browser.get("/report/receipt"))
    assert "Déjà affichés" in shown and secret not in shown


def test_a_request_that_only_read_the_session_does_not_undo_the_choice(app, browser, federal):
    """A browser loads a page's styles (and its own favicon) alongside the next click: a
    request that read the session before the language was chosen and ends after it must not
    write the old session back."""
    browser.get("/")
    cookie = browser.client.get_cookie("casework_session").value
    interface = app.session_interface
    with app.test_request_context("/static/casework.css",
                                  headers={"Cookie": f"casework_session={cookie}"}) as alongside:
        read_before = interface.open_session(app, alongside.request)
        assert read_before.get("lang") is None
        choose(browser, "fr", "/")  # the choice, while that request is still running
        interface.save_session(app, read_before, app.response_class())
    assert html_lang(page(browser.get("/"))) == "fr"


def test_a_file_sent_in_french_is_described_in_french_with_its_size(browser, federal):
    import io

    notes = io.BytesIO(("Notes du 2 mars : " + "détail " * 300).encode())
    sent = lodge_in(browser, "fr", evidence=(notes, "notes.txt"),
                    content_type="multipart/form-data")
    assert sent.status_code == 303, page(sent)
    receipt = page(browser.get("/report/receipt"))
    assert "notes.txt : nous n’avons rien retiré." in receipt  # "rien" where French puts it
    assert "Remarque : ce type de fichier peut encore contenir des détails" in receipt
    reference = re.search(r'id="reference">([^<]+)<', receipt).group(1)
    secret = re.search(r'id="receipt">([^<]+)<', receipt).group(1)
    browser.post("/return", {"reference": reference, "receipt": secret}, token_from="/return")
    mine = page(browser.get("/my-report"))
    assert re.search(r"notes\.txt \(2,\d\sko\), \d+ mars 2026", mine)  # size and date
