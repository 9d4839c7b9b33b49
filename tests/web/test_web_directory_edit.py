"""Administrators change directory entries: the form filled with the entry, the change saved
and audited (which fields, never their values), a line manager who would make a loop refused
naming the field, and nobody else let in; the same through the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.models import AuditEvent, Person
from casework.services.access import Action, open_case
from casework.services.audit import Kind
from casework.services.errors import NotFound
from tests.web.conftest import page


def test_an_administrator_changes_an_entry_and_it_is_audited(browser, account, make, ctx):
    boss = make.person("Morgan Boss", position="Director")
    clerk = make.person("Avery Clerk", position="Clerk", manager_id=boss)
    admin = account(("admin",), ())
    assert browser.sign_in(admin).status_code == 303
    listed = page(browser.get("/admin/people"))
    assert f'href="/admin/people/{clerk}"' in listed
    form = page(browser.get(f"/admin/people/{clerk}"))
    assert 'value="Avery Clerk"' in form and 'value="Clerk"' in form
    assert f'<option selected value="{boss}">' in form  # the manager as it stands
    assert f'value="{clerk}">' not in form.split('id="manager_id"')[1]  # not their own manager
    url = f"/admin/people/{clerk}"
    saved = browser.post(url, {"name": "Avery Clerk-Jones", "position": "Senior clerk",
                               "email": "avery@council.example", "department": "",
                               "manager_id": str(boss)}, token_from=url)
    assert saved.status_code == 303
    ctx.session.expire_all()
    person = ctx.session.get(Person, clerk)
    assert (person.name, person.position, person.email) == (
        "Avery Clerk-Jones", "Senior clerk", "avery@council.example")
    event = ctx.session.execute(select(AuditEvent).where(
        AuditEvent.kind == str(Kind.PERSON_UPDATE))).scalar_one()
    assert event.actor == f"user:{admin.id}"
    assert event.details == {"person_id": clerk, "changed": ["name", "position", "email"]}
    assert "Avery" not in str(event.details)  # the names of fields, never their values
    loop = browser.post(f"/admin/people/{boss}", {"name": "Morgan Boss", "position": "Director",
                                                  "manager_id": str(clerk)},
                        token_from=f"/admin/people/{boss}")
    assert loop.status_code == 422 and 'href="#manager_id"' in page(loop)
    assert browser.get("/admin/people/987654").status_code == 404


def test_renaming_someone_implicated_keeps_the_case_from_them(browser, account, make, ctx):
    suspect = make.person("Sam Suspect")
    case = make.lodge("disclosure", category="policy_breach",
                      implicated=[suspect]).case
    insider = make.staff(roles=("intake",), queues=(case.queue,), person_id=suspect)
    admin = account(("admin",), ())
    assert browser.sign_in(admin).status_code == 303
    url = f"/admin/people/{suspect}"
    assert browser.post(url, {"name": "Sam Renamed", "position": "Officer"},
                        token_from=url).status_code == 303
    with pytest.raises(NotFound):
        open_case(ctx, insider, case.reference, Action.SEE)


def test_only_administrators_change_entries(browser, handler, make):
    person = make.person("Pat Person")
    url = f"/admin/people/{person}"
    assert browser.get(url).status_code == 403
    assert browser.post(url, {"name": "X", "position": "Y"}, token_from="/staff/").status_code \
        == 403
