"""The case list's word search and filters, saved filters, bulk actions, a case's title and the
repeat-respondent notice, as pages."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from casework.models import AuditEvent, Case, SavedFilter
from casework.services.search import set_title
from tests.web.conftest import page

REF = re.compile(r'<th scope="row"><a href="/staff/cases/(CW-\w+)">')
WHY = "Misfiled at intake"


def refs(body: str) -> list[str]:
    return REF.findall(body)


def test_a_word_of_the_details_finds_the_case(browser, handler, make):
    hit = make.case(details="Pallets stacked against the fire exit").reference
    make.case(details="Expense claims for hotels")
    body = page(browser.get("/staff/cases?q=Fire+EXIT"))
    assert refs(body) == [hit] and "1 case" in body
    assert refs(page(browser.get("/staff/cases?q=fire+hotels"))) == []


def test_filters_by_person_implicated_and_lodged_dates(browser, handler, make, ctx):
    person = make.person("Lee Named")
    named = make.case(implicated=[person]).reference
    make.case()
    assert refs(page(browser.get(f"/staff/cases?implicated={person}"))) == [named]
    day = ctx.today.isoformat()
    assert len(refs(page(browser.get(f"/staff/cases?lodged_from={day}&lodged_to={day}")))) == 2
    bad = browser.get("/staff/cases?lodged_from=yesterday")
    assert bad.status_code == 422 and 'href="#lodged_from"' in page(bad)


def test_a_title_set_on_the_case_page_shows_in_the_list(browser, handler, make, ctx):
    case = make.case()
    done = browser.post(f"/staff/cases/{case.reference}/title",
                        {"title": "Depot overtime", "version": case.version})
    assert done.status_code == 303
    assert "Depot overtime" in page(browser.get(f"/staff/cases/{case.reference}"))
    assert '<span class="case-title">Depot overtime</span>' in page(browser.get("/staff/cases"))
    long = browser.post(f"/staff/cases/{case.reference}/title", {"title": "x" * 81})
    assert long.status_code == 422 and "at most 80 characters" in page(long)


def test_saved_filters_are_mine_alone(browser, handler, account, make, ctx):
    done = browser.post("/staff/cases/filters", {"name": "Fire", "q": "fire", "page": "3"})
    assert done.status_code == 303 and "q=fire" in done.headers["Location"]
    saved = ctx.session.execute(select(SavedFilter)).scalar_one()
    assert saved.query == {"q": "fire"} and saved.user_id == handler.id
    assert ">Fire</a>" in page(browser.get("/staff/cases"))
    other = account(("intake",), ("intake",))
    assert browser.sign_in(other).status_code == 303
    assert ">Fire</a>" not in page(browser.get("/staff/cases"))
    assert browser.post(f"/staff/cases/filters/{saved.id}/delete").status_code == 404
    assert browser.sign_in(handler).status_code == 303
    assert browser.post(f"/staff/cases/filters/{saved.id}/delete").status_code == 303
    assert ctx.session.scalar(select(func.count()).select_from(SavedFilter)) == 0


def test_bulk_assign_is_per_case_and_audited(browser, handler, account, make, ctx):
    cases = [make.case().reference for _ in range(3)]
    hidden = make.case()
    hidden.queue = "hr"
    ctx.session.flush()
    investigator = account(("investigator",), ())
    done = browser.post("/staff/cases/bulk", {"action": "assign", "user_id": investigator.id,
                                              "capacity": "investigator",
                                              "ref": [*cases, hidden.reference]})
    body = page(done)
    assert done.status_code == 200 and "3 of 4 cases done" in body
    assert f"{hidden.reference}</th>" in body and "There is no such case." in body
    assert ctx.session.scalar(select(func.count()).where(
        AuditEvent.kind == "case:assignment:add")) == 3
    none = browser.post("/staff/cases/bulk", {"action": "assign", "user_id": 0, "ref": cases})
    assert none.status_code == 422 and "choose a colleague" in page(none).lower()


def test_bulk_move_refuses_a_case_it_would_show_to_someone_implicated(browser, handler, account,
                                                                      make, ctx):
    account(("investigator",), ("internal_audit",))  # someone could see it there
    head = make.person("Head of Audit", roles=["head_of_internal_audit"])
    exposed = make.lodge("disclosure", category="policy_breach", implicated=[head]).case
    fine = make.lodge("disclosure", category="policy_breach").case
    done = browser.post("/staff/cases/bulk", {"action": "move", "queue": "internal_audit",
                                              "reason": WHY,
                                              "ref": [exposed.reference, fine.reference]})
    body = page(done)
    assert "1 of 2 cases done" in body and "would show it to someone implicated" in body
    ctx.session.expire_all()
    assert ctx.session.get(Case, exposed.id).queue == "intake"
    assert ctx.session.get(Case, fine.id).queue == "internal_audit"
    assert browser.post("/staff/cases/bulk", {"action": "move", "queue": "internal_audit",
                                              "ref": [fine.reference]}).status_code == 422


def test_bulk_export_is_metadata_only_and_audited_per_case(browser, handler, make, ctx):
    case = make.case(details="secret words here")
    set_title(ctx, handler_actor(ctx, handler), case.reference, "Sealed title")
    other = make.case()
    done = browser.post("/staff/cases/bulk", {"action": "export",
                                              "ref": [case.reference, other.reference]})
    assert done.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(page(done))))
    assert rows[0][:2] == ["Reference", "Kind"] and {r[0] for r in rows[1:]} == {
        case.reference, other.reference}
    assert "secret" not in page(done) and "Sealed title" not in page(done)
    assert ctx.session.scalar(select(func.count()).where(
        AuditEvent.kind == "case:list:export")) == 2


def test_the_case_page_says_who_is_named_in_other_cases_i_can_open(browser, handler, make, ctx):
    person = make.person("Alex Again")
    this = make.case(implicated=[person]).reference
    seen = make.case(implicated=[person]).reference
    unseen = make.case(implicated=[person])
    unseen.queue = "hr"
    ctx.session.flush()
    body = page(browser.get(f"/staff/cases/{this}"))
    assert "Alex Again is also named in 1 other case you can open" in body
    assert f'href="/staff/cases/{seen}"' in body and unseen.reference not in body
    lone = make.case().reference
    assert "also named in" not in page(browser.get(f"/staff/cases/{lone}"))


def handler_actor(ctx, account):
    from casework.models import User
    from casework.services.access import staff_actor
    return staff_actor(ctx.session.get(User, account.id), ctx.runtime.keyring)
