"""The report form offers the pack's levels, what the reporter may say and how they know; the
line-manager rule fires from it, and handlers see the next senior manager the rules worked out."""

from __future__ import annotations

from casework.models import Case
from tests.web.conftest import page

REPORT = {"route": "disclosure", "category": "health_and_safety",
          "summary": "Loose scaffolding", "details": "The scaffolding at the depot is loose."}


def newest_case(ctx) -> Case:
    ctx.session.expire_all()
    return ctx.session.query(Case).order_by(Case.id.desc()).first()


def test_the_form_offers_the_packs_levels_statements_and_relations(browser, runtime):
    form = page(browser.get("/report?kind=disclosure"))
    for level in runtime.pack.levels.values():
        assert f'value="{level.key}"' in form and level.label in form
    for statement in runtime.pack.statements.values():
        assert f'value="{statement.key}"' in form and statement.label in form
    assert "Who would you like to raise it with?" in form
    assert "I saw it happen to someone else" in form
    assert 'name="reporter_person"' not in form  # the directory is not listed to visitors


def test_a_named_reporter_whose_line_manager_is_involved_goes_to_hr_with_the_next_manager(
        browser, account, make, ctx):
    director = make.person("Dana Director", roles=["director"], position="Director")
    manager = make.person("Morgan Manager", manager_id=director, position="Team Leader")
    make.person("Riley Reporter", manager_id=manager)
    sent = browser.post("/report", {
        **REPORT, "anonymous": "no", "name": "Riley Reporter",  # matched on the server
        "statements": "line_manager_involved", "relation": "saw",
        "raise_with": "next_senior_manager"}, token_from="/report?kind=disclosure")
    assert sent.status_code == 303, page(sent)
    case = newest_case(ctx)
    assert (case.queue, case.relation, case.raise_with) == ("hr", "saw", "next_senior_manager")
    assert browser.sign_in(account(("intake",), ("hr",))).status_code == 303
    shown = page(browser.get(f"/staff/cases/{case.reference}"))
    assert "Next senior manager (worked out by the rules)" in shown
    assert "Dana Director, Director" in shown
    assert "Morgan Manager, Team Leader" in shown  # the typed name found them, and their manager
    assert "A witness: the reporter saw it" in shown
    assert "My line manager is involved in what I am reporting" in shown
    assert "The next senior manager or their Director" in shown


def test_condoned_in_the_directorate_goes_to_the_chief_executive_anonymously(browser, ctx):
    sent = browser.post("/report", {**REPORT, "anonymous": "yes", "statements": "condoned"},
                        token_from="/report?kind=disclosure")
    assert sent.status_code == 303
    assert newest_case(ctx).queue == "chief_executive"


def test_a_level_the_pack_does_not_offer_is_refused_on_the_form(browser):
    refused = browser.post("/report", {**REPORT, "anonymous": "yes", "raise_with": "mayor"},
                           token_from="/report?kind=disclosure")
    assert refused.status_code == 422
    assert 'href="#raise_with"' in page(refused)
