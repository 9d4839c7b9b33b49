"""What the report form asks and tells on a pack: New Zealand's optional question on where else
the disclosure was made (Protected Disclosures Act 2022 s 13(1)(c)), shown to those handling
it and to the reporter."""

from __future__ import annotations

import pytest

from casework.models import Case
from tests.web.conftest import page

ANSWER = "I told the Ombudsman in May; no reply yet."


def newest_case(ctx) -> Case:
    ctx.session.expire_all()
    return ctx.session.query(Case).order_by(Case.id.desc()).first()


def report(route: str = "disclosure", category: str = "maladministration") -> dict:
    return {"route": route, "category": category, "anonymous": "yes",
            "summary": "Tenders steered", "details": "Contracts went to a friend's firm."}


def test_the_nz_form_asks_where_else_and_handlers_and_reporter_read_the_answer(
        browser, use_pack, runtime, account, ctx):
    use_pack("nz-public-service")
    question = runtime.pack.questions["made_elsewhere"]
    form = page(browser.get("/report?kind=disclosure"))
    assert 'name="answer-made_elsewhere"' in form and question.label in form
    sent = browser.post("/report", {**report(), "answer-made_elsewhere": ANSWER},
                        token_from="/report?kind=disclosure")
    assert sent.status_code == 303, page(sent)
    case = newest_case(ctx)
    assert browser.sign_in(account(("intake",), (case.queue,))).status_code == 303
    shown = page(browser.get(f"/staff/cases/{case.reference}"))
    answers = shown.split('id="answers"')[1].split("</dl>")[0]
    assert question.label in answers and ANSWER in answers


def test_an_answer_on_a_route_that_does_not_ask_it_is_shown_beside_the_question(
        browser, use_pack, ctx):
    use_pack("nz-public-service")
    refused = browser.post("/report", {**report("harassment", "bullying"),
                                       "answer-made_elsewhere": ANSWER},
                           token_from="/report?kind=harassment")
    assert refused.status_code == 422
    body = page(refused)
    assert 'id="answer-made_elsewhere-error"' in body and ANSWER in body


def test_other_packs_ask_no_such_question(browser):
    assert 'name="answer-' not in page(browser.get("/report?kind=disclosure"))


# EU directive art 9(1)(g) and the NZ Act's appropriate authorities: where else a reporter may
# go, from the pack's external_bodies, on the form and on their page.
ELSEWHERE = {"uk-council": "Protect (the whistleblowing charity): advice line",
             "nz-public-service": "The Office of the Ombudsman",
             "canada-federal": "The Public Sector Integrity Commissioner (PSIC)",
             "au-commonwealth-agency": "The Commonwealth Ombudsman",
             "vic-public-sector": "IBAC (Independent Broad-based Anti-corruption Commission)"}


@pytest.mark.parametrize("name", sorted(ELSEWHERE))
def test_the_reporter_is_told_where_else_they_can_go(browser, use_pack, runtime, make, name):
    use_pack(name)
    assert ELSEWHERE[name] in runtime.pack.external_bodies
    for path in ("/", "/report"):
        section = page(browser.get(path)).split('id="elsewhere"')[1]
        assert all(body.replace("'", "&#39;") in section
                   for body in runtime.pack.external_bodies), path
    lodged = make.lodge()
    assert browser.post("/return", {"reference": lodged.reference, "receipt": lodged.receipt},
                        token_from="/return").status_code == 303
    mine = page(browser.get("/my-report")).split('id="elsewhere"')[1]
    assert ELSEWHERE[name] in mine


# Seed 003, Sexual Harassment Guidelines, "Who to approach": a support person.
SUPPORTER = "Tama Union-Delegate"


def test_a_complainant_names_a_support_person_on_the_form_and_handlers_see_there_is_one(
        browser, use_pack, runtime, account, ctx):
    use_pack("nz-public-service")
    form = page(browser.get("/report?kind=harassment"))
    assert 'id="support"' in form and "Employee Assistance Programme" in form
    assert '<option value="union">Union representative</option>' in form
    sent = browser.post("/report", {**report("harassment", "sexual_harassment"),
                                    "support_kind": "union", "support_name": SUPPORTER},
                        token_from="/report?kind=disclosure")
    assert sent.status_code == 303, page(sent)
    case = newest_case(ctx)
    assert browser.sign_in(account(("intake",), (case.queue,))).status_code == 303
    shown = page(browser.get(f"/staff/cases/{case.reference}"))
    assert "The reporter has named a support person" in shown and SUPPORTER not in shown


def test_the_reporter_reads_about_support_and_names_one_from_their_page(browser, use_pack,
                                                                        make):
    use_pack("nz-public-service")
    lodged = make.lodge("harassment", category="bullying")
    assert browser.post("/return", {"reference": lodged.reference, "receipt": lodged.receipt},
                        token_from="/return").status_code == 303
    mine = page(browser.get("/my-report"))
    assert 'id="support"' in mine and "Employee Assistance Programme" in mine
    refused = browser.post("/my-report/support-person", {"kind": "union"},
                           token_from="/my-report")
    assert refused.status_code == 422
    named = browser.post("/my-report/support-person", {"kind": "union", "name": SUPPORTER},
                         token_from="/my-report")
    assert named.status_code == 303
    mine = page(browser.get("/my-report"))
    assert "You have named a support person: union representative" in mine


def test_no_support_section_where_the_pack_offers_none(browser, make):
    assert 'id="support"' not in page(browser.get("/report?kind=disclosure"))
