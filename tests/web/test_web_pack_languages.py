"""The packs' own words on the pages in French (canada-federal serves English and French):
the reporter's form shows the categories, the organisation and the outside bodies in French;
what the pages post and what is kept with a case stays in the pack's English."""

from __future__ import annotations

import re

from casework.models import Case
from tests.web.conftest import page

PSIC = "The Public Sector Integrity Commissioner (PSIC)"
FRENCH = {"Accept-Language": "fr"}


def test_the_report_form_in_french_shows_the_packs_words_in_french(browser, use_pack):
    use_pack("canada-federal")
    body = page(browser.get("/report?kind=disclosure", headers=FRENCH))
    assert "Ministère fédéral exemple" in body and "Example Federal Department" not in body
    assert '<option value="gross_mismanagement">Un cas grave de mauvaise gestion dans le ' \
        "secteur public</option>" in body  # the key posted, the words in French
    assert "Gross mismanagement" not in body
    assert "La Commission canadienne des droits de la personne" in body
    english = page(browser.get("/report?kind=disclosure"))
    assert "Example Federal Department" in english and "Gross mismanagement" in english


def test_a_pack_that_offers_english_alone_stays_english(browser, use_pack):
    use_pack("uk-council")  # French is available but not offered
    body = page(browser.get("/report?kind=disclosure", headers=FRENCH))
    assert "Example County Council" in body and "Conseil de comté exemple" not in body


def test_a_report_lodged_in_french_keeps_its_routing_reasons_in_english(browser, use_pack,
                                                                       ctx):
    use_pack("canada-federal")
    browser.get("/report?kind=disclosure", headers=FRENCH)
    sent = browser.post("/report", {
        "route": "disclosure", "category": "danger", "anonymous": "yes",
        "summary": "Déversement", "details": "Des fûts fuient près de la rivière."},
        token_from="/report?kind=disclosure", headers=FRENCH)
    assert sent.status_code == 303, page(sent)
    case = ctx.session.query(Case).order_by(Case.id.desc()).first()
    reasons = ctx.vault(case).open_json("routing", case.id, case.routing_ct)["reasons"]
    assert reasons == ["Senior officer for internal disclosure: the usual place for this "
                       "kind of report"]


def test_a_referral_chosen_on_a_french_page_is_kept_in_english_and_shown_in_french(
        browser, account, make, use_pack, ctx):
    use_pack("canada-federal")
    case = make.case(category="danger")
    acc = account(("intake", "investigator", "decision_maker"), (case.queue,))
    assert browser.sign_in(acc).status_code == 303
    chosen = browser.post("/language", {"language": "fr", "next": "/staff/"})
    assert chosen.status_code == 303
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    option = ('<option value="The Public Sector Integrity Commissioner (PSIC)">Le Commissariat '
              "à l&#39;intégrité du secteur public (CISP)</option>")
    assert option in body
    made = browser.post(f"/staff/cases/{case.reference}/referrals", {
        "version": re.search(r'name="version" value="(\d+)"', body).group(1),
        "referral-referred": "yes", "referral-body": PSIC, "referral-matter": "",
        "referral-reference": "PSIC-12"})
    assert made.status_code == 303, page(made)
    from casework.models import CaseEvent
    event = ctx.session.query(CaseEvent).filter_by(case_id=case.id, kind="referral").one()
    assert event.facts["body"] == PSIC  # kept in the pack's English
    section = page(browser.get(f"/staff/cases/{case.reference}")).split(
        'id="referrals"')[1].split('id="steps"')[0]
    assert "Le Commissariat à l&#39;intégrité du secteur public (CISP)" in section
