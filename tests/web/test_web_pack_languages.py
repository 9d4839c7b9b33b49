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


def test_every_pack_has_french_available(browser, use_pack, runtime, monkeypatch):
    """The other packs serve English; a site that offers French (CASEWORK_LANGUAGES=en,fr)
    shows their words in French with nothing more to write."""
    from dataclasses import replace

    use_pack("uk-council")
    monkeypatch.setattr(runtime, "settings", replace(runtime.settings, languages=("en", "fr")))
    body = page(browser.get("/report?kind=disclosure", headers=FRENCH))
    assert "Conseil de comté exemple" in body and "Example County Council" not in body
    assert "Pots-de-vin ou corruption</option>" in body


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


def _english_texts(runtime) -> set[str]:
    """Every English text of the pack and routes in use that reads differently in French (the
    long ones: a short word such as "Finance" may be part of other words)."""
    from casework import i18n
    from casework.i18n_tools import pack_texts

    texts = pack_texts(runtime.pack.key)
    with i18n.language("fr"):
        return {t for t in texts if len(t) > 12 and i18n.domain_text(t) != t}


def _shown(body: str) -> str:
    """What a page shows: its option values (keys and the English a form posts) and the
    routing reasons kept with the case (English, like every record) left out."""
    import html

    body = re.sub(r'value="[^"]*"', "", body)
    body = re.sub(r'(id="routing".*?<ul>).*?</ul>', r"\1</ul>", body, flags=re.S)
    return html.unescape(body)


def test_no_pack_text_shows_in_english_on_the_staff_and_reporter_pages_in_french(
        browser, account, make, use_pack, runtime):
    use_pack("canada-federal")
    english = _english_texts(runtime)
    cases = [make.case(category="danger", path=["acknowledge"]),
             make.case("harassment", category="harassment", path=["acknowledge"])]
    for case in cases:
        acc = account(("intake", "investigator", "decision_maker"), (case.queue,))
        assert browser.sign_in(acc).status_code == 303
        browser.post("/language", {"language": "fr", "next": "/staff/"})
        for path in ("/staff/", f"/staff/cases/{case.reference}", "/staff/cases"):
            shown = _shown(page(browser.get(path)))
            assert "Ministère fédéral exemple" in shown, path
            left = sorted(t for t in english if t in shown)
            assert not left, f"{path} shows in English: {left}"
    lodged = make.lodge("harassment", category="harassment")
    assert browser.post("/return", {"reference": lodged.reference, "receipt": lodged.receipt},
                        token_from="/return").status_code == 303
    browser.post("/language", {"language": "fr", "next": "/my-report"}, token_from="/my-report")
    shown = _shown(page(browser.get("/my-report")))
    assert "Retirer ma plainte" in shown and "Nous avons reçu votre plainte." in shown
    left = sorted(t for t in english if t in shown)
    assert not left, f"/my-report shows in English: {left}"


def test_a_steps_choices_show_in_french_and_post_their_keys(browser, account, make, use_pack):
    use_pack("canada-federal")
    case = make.case(category="danger", path=["acknowledge"])
    acc = account(("intake", "investigator", "decision_maker"), (case.queue,))
    assert browser.sign_in(acc).status_code == 303
    browser.post("/language", {"language": "fr", "next": "/staff/"})
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert '<option value="anti_corruption_body">Organisme de lutte contre la corruption' \
        "</option>" in body
    assert '<option value="in_person">En personne</option>' in body  # a withdrawal asked
    made = browser.post(f"/staff/cases/{case.reference}/transition", {
        "transition": "refer", "version": re.search(
            r'name="version" value="(\d+)"', body).group(1),
        "f_destination": "anti_corruption_body", "f_reason": "Hors de notre compétence."})
    assert made.status_code == 303, page(made)
    shown = page(browser.get(f"/staff/cases/{case.reference}"))
    assert "Organisme de lutte contre la corruption" in shown.split('id="steps"')[1]
