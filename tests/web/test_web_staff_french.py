"""The staff pages other than the case page, administration, the audit trail and the statistics
in French, for a staff member whose account's language is French (users.language = "fr"), on a
site that offers English and French: every heading, button and table in French, `<html
lang="fr">`, and dates and numbers written the French way."""

from __future__ import annotations

import io
from dataclasses import replace
from html import unescape

import pytest
from pypdf import PdfReader

from casework import i18n
from casework.models import User
from casework.models.grants import Invitation
from tests.web.conftest import page
from tests.web.test_web_statistics import year_2026  # noqa: F401  (the finished year's cases)


@pytest.fixture
def bilingual(runtime):
    """The site offers English and French (CASEWORK_LANGUAGES=en,fr)."""
    runtime.settings = replace(runtime.settings, languages=("en", "fr"))


@pytest.fixture
def french(bilingual, account, browser, ctx):
    """Sign in an account of the given roles whose language is French."""

    def sign_in(roles, queues=()):
        acc = account(roles, queues)
        ctx.session.get(User, acc.id).language = "fr"
        ctx.session.flush()
        assert browser.sign_in(acc).status_code == 303
        return acc

    return sign_in


def text(response) -> str:
    """The page as a reader sees it (entities decoded)."""
    assert response.status_code == 200, response.status_code
    return unescape(page(response))


def test_administration_is_in_french(browser, french):
    french(("admin",))
    home = text(browser.get("/admin/"))
    assert '<html lang="fr">' in home
    assert "<h1>Administration</h1>" in home
    assert "Demandes d'accès en attente de décision" in home
    assert "Rien n'est en attente." in home
    assert "Requests for access" not in home and "Staff accounts" not in home
    users = text(browser.get("/admin/users"))
    assert "<h1>Comptes du personnel</h1>" in users and "Inviter une personne" in users
    assert "Créer le compte et son invitation" in users
    assert "Administrateur (comptes et répertoire ; aucun contenu de dossier)" in users
    assert "Invite someone" not in users
    people = text(browser.get("/admin/people"))
    assert "<h1>Répertoire des personnes</h1>" in people and "Ajouter au répertoire" in people
    grants = text(browser.get("/admin/grants?state=all"))
    assert "Toutes les demandes, les plus récentes en premier" in grants


def test_an_invitation_and_its_notice_are_in_french(browser, french, ctx):
    french(("admin",))
    made = browser.post("/admin/users", {
        "email": "nouvel.agent@council.example", "name": "Nouvel Agent",
        "roles": ["intake"], "queues": [], "person_id": "0"}, token_from="/admin/users")
    body = text(made)
    assert "<h1>Invitation pour Nouvel Agent</h1>" in body
    assert "Invitation (affichée cette seule fois)" in body
    user = ctx.session.query(User).filter_by(email="nouvel.agent@council.example").one()
    expires = ctx.session.query(Invitation).filter_by(user_id=user.id).one().expires_at
    with i18n.language("fr"):  # the expiry written the French way: "5 mars 2026, 09:00"
        assert f"jusqu'au {i18n.format_moment(expires, 'd MMMM y, HH:mm')} UTC" in body
    assert "mars 2026" in body and "March" not in body
    gone = browser.post(f"/admin/users/{user.id}/deactivate", {}, token_from="/admin/users")
    assert gone.status_code == 303
    shown = text(browser.get(gone.headers["Location"]))
    assert "Le compte de Nouvel Agent a été désactivé ; ses sessions ont pris fin." in shown
    assert "<dd>Désactivé</dd>" in shown


def test_the_audit_trail_is_in_french_with_french_dates_and_numbers(browser, french, clock):
    french(("auditor",))
    body = text(browser.get("/staff/audit/"))
    assert '<html lang="fr">' in body and "<h1>Piste d'audit</h1>" in body
    assert "La piste est-elle intacte ?" in body and "Vérifier la piste maintenant" in body
    assert "Un membre du personnel s'est connecté" in body  # the kinds of event, in words
    assert "2 mars 2026" in body  # the clock's day, written the French way
    assert "Mar 2026" not in body
    browser.post("/staff/audit/verify", {}, token_from="/staff/audit/")
    checked = text(browser.get("/staff/audit/"))
    assert "la piste est intacte" in checked
    assert "Effacer les filtres" in checked and "Qui a agi" in checked


def test_the_statistics_are_in_french_with_french_dates(browser, french, year_2026):  # noqa: F811
    french(("hr_analyst",))
    body = text(browser.get("/staff/statistics?by=category&period=2026"))
    assert '<html lang="fr">' in body and "<h1>Statistiques</h1>" in body
    assert "Dossiers reçus en 2026, par type de conduite" in body
    assert "Les nombres de 1 à 7 ne sont pas affichés" in body
    assert "arrondis à un multiple de 5" in body
    assert '<td class="count">non affiché</td>' in body
    assert '<th scope="col">Type de conduite</th>' in body
    assert "Counts from 1" not in body and "not shown" not in body
    assert "1 février 2027" in body  # published today (the clock's 1 February 2027)
    assert "Télécharger en CSV" in body
    rows = browser.get("/staff/statistics.csv?by=category&period=2026").get_data(as_text=True)
    assert rows.splitlines()[0] == "Type de conduite,Nombre de dossiers"
    assert "non affiché" in rows


def test_the_annual_reports_are_in_french(browser, french, year_2026):  # noqa: F811
    french(("hr_analyst",))
    form = text(browser.get("/staff/statistics/annual"))
    assert "<h1>Rapports annuels</h1>" in form
    assert "ici, l'exercice commence en avril" in form  # the month in French
    first = text(browser.get("/staff/statistics/annual?period=2026"))
    assert "Les rapports annuels 2026 sont en cours de calcul" in first
    body = text(browser.get("/staff/statistics/annual?period=2026&work=1"))
    assert "Signalements et harcèlement : rapport annuel du responsable de la conformité" in body
    assert "Période 2026." in body and "« Retenu » marque un tableau non publié" in body
    assert "Types de préoccupation" in body and "Médiane des jours avant la clôture" in body
    assert "Kinds of concern" not in body
    pdf = browser.get("/staff/statistics/annual.pdf?period=2026")
    assert pdf.status_code == 200
    words = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
                     .split())
    assert "Rapports annuels 2026" in words and "Préoccupations reçues" in words
    assert "1 févr. 2027" in words  # made on the clock's day, written the French way


def test_the_dashboard_inbox_and_case_list_are_in_french(browser, french):
    french(("intake", "investigator"), ("intake",))
    home = text(browser.get("/staff/"))
    assert '<html lang="fr">' in home and "<h1>Tableau de bord</h1>" in home
    assert "Bonjour, Web User" in home and "Aucune échéance n'est dépassée." in home
    assert "Boîte de réception" in home and "Se déconnecter" in home
    inbox = text(browser.get("/staff/inbox"))
    assert "0 élément non lu" in inbox and "Enregistrer mon choix" in inbox
    cases = text(browser.get("/staff/cases"))
    assert "<h1>Dossiers</h1>" in cases and "Afficher les dossiers" in cases
    triage = text(browser.get("/staff/triage"))
    assert "Rien n'attend d'être trié dans vos files." in triage


def test_the_same_pages_stay_english_for_an_english_account(browser, bilingual, account):
    acc = account(("admin",), ())
    assert browser.sign_in(acc).status_code == 303
    home = page(browser.get("/admin/"))
    assert '<html lang="en">' in home and "Requests for access waiting for a decision" in home
