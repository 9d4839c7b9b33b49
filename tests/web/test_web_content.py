"""Notes, messages, evidence downloads, assignment, conflicts, identity and implicated people
through the case page's forms."""

from __future__ import annotations

from casework.models import AuditEvent
from casework.services.access import Reporter
from casework.services.assignments import assign
from casework.services.evidence import accept_evidence
from tests.web.conftest import page


def audit_kinds(ctx, case_id: int) -> list[str]:
    ctx.session.expire_all()
    return [e.kind for e in ctx.session.query(AuditEvent).filter_by(case_id=case_id)
            .order_by(AuditEvent.seq)]


def test_notes_are_added_and_listed(browser, handler, make, ctx):
    case = make.case()
    added = browser.post(f"/staff/cases/{case.reference}/notes",
                         {"note-body": "Spoke to the depot supervisor."})
    assert added.status_code == 303 and added.location.endswith("#notes")
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    notes = body.split('id="notes"')[1].split('id="messages"')[0]
    assert "Spoke to the depot supervisor." in notes
    assert "case:note:add" in audit_kinds(ctx, case.id)


def test_an_empty_note_is_refused_with_an_error_summary(browser, handler, make):
    case = make.case()
    refused = browser.post(f"/staff/cases/{case.reference}/notes", {"note-body": "   "})
    assert refused.status_code == 422
    assert '<a href="#note-body">Your note: Write the note</a>' in page(refused)


def test_messages_are_sent_and_listed(browser, handler, make, ctx):
    case = make.case()
    sent = browser.post(f"/staff/cases/{case.reference}/messages",
                        {"message-body": "Thank you. Could you tell us the date?"})
    assert sent.status_code == 303
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    messages = body.split('id="messages"')[1].split('id="evidence"')[0]
    assert "Thank you. Could you tell us the date?" in messages
    assert "case:message:add" in audit_kinds(ctx, case.id)


def test_evidence_downloads_as_a_file_and_the_read_is_audited(browser, handler, make, ctx):
    case = make.case()
    stored = accept_evidence(ctx, Reporter(case.id), None, "rota (March).txt", b"night shift\n")
    ctx.session.flush()
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    link = f"/staff/cases/{case.reference}/attachments/{stored.id}"
    assert f'href="{link}"' in body and "rota (March).txt" in body
    assert "case:attachment:read" not in audit_kinds(ctx, case.id)
    download = browser.get(link)
    assert download.status_code == 200
    assert download.data == b"night shift\n"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "rota (March).txt" in download.headers["Content-Disposition"]
    assert download.mimetype == "application/octet-stream"
    assert download.headers["Cache-Control"] == "no-store"
    assert audit_kinds(ctx, case.id).count("case:attachment:read") == 1


def test_evidence_of_another_case_is_not_found(browser, handler, make, ctx):
    mine, other = make.case(), make.case()
    stored = accept_evidence(ctx, Reporter(other.id), None, "a.txt", b"x")
    ctx.session.flush()
    assert browser.get(f"/staff/cases/{mine.reference}/attachments/{stored.id}"
                       ).status_code == 404


def test_declaring_a_conflict_removes_access(browser, handler, make):
    case = make.case()
    refused = browser.post(f"/staff/cases/{case.reference}/recuse", {"recuse-reason": ""})
    assert refused.status_code == 422
    assert browser.get(f"/staff/cases/{case.reference}").status_code == 200
    done = browser.post(f"/staff/cases/{case.reference}/recuse",
                        {"recuse-reason": "My brother works at the depot."})
    assert done.status_code == 303 and done.location.endswith("/staff/")
    dashboard = page(browser.get("/staff/"))
    assert "You declared a conflict of interest" in dashboard
    assert case.reference not in dashboard
    assert browser.get(f"/staff/cases/{case.reference}").status_code == 404


def test_assigning_a_colleague_and_a_conflicted_one(browser, handler, make, account):
    target = make.person("Dana Implicated")
    case = make.case(implicated=[target])
    colleague = account(("investigator",), ())
    conflicted = account(("investigator",), (), person_id=target)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert f'<option value="{conflicted.id}">' in body  # nobody is left out of the list
    ok = browser.post(f"/staff/cases/{case.reference}/assign",
                      {"assign-user_id": colleague.id, "assign-capacity": "investigator"})
    assert ok.status_code == 303
    people = page(browser.get(f"/staff/cases/{case.reference}")).split('id="people"')[1]
    assert "Web User 2: Investigator" in people.split("Assign a colleague")[0]
    refused = browser.post(f"/staff/cases/{case.reference}/assign",
                           {"assign-user_id": conflicted.id, "assign-capacity": "investigator"})
    assert refused.status_code == 409
    assert "has a conflict with this case and cannot be assigned" in page(refused)
    assert 'href="#assign-user_id"' in page(refused)


def test_revealing_the_identity_shows_it_once(browser, handler, make, ctx):
    case = make.case(anonymous=False)
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert "Rep Orter" not in body and 'id="identity"' in body
    refused = browser.post(f"/staff/cases/{case.reference}/identity", {"reveal-reason": ""})
    assert refused.status_code == 422
    shown = browser.post(f"/staff/cases/{case.reference}/identity",
                         {"reveal-reason": "To arrange a protected interview."})
    assert shown.status_code == 200
    assert "Rep Orter" in page(shown) and "rep@example.org" in page(shown)
    assert "case:identity:reveal" in audit_kinds(ctx, case.id)
    assert "Rep Orter" not in page(browser.get(f"/staff/cases/{case.reference}"))
    assert "Rep Orter" not in page(browser.get("/staff/"))


def test_adding_someone_implicated_by_name(browser, handler, make):
    case = make.case()
    refused = browser.post(f"/staff/cases/{case.reference}/implicated",
                           {"implicated-person_id": "0", "implicated-name": ""})
    assert refused.status_code == 422
    assert 'href="#implicated-person_id"' in page(refused)
    added = browser.post(f"/staff/cases/{case.reference}/implicated",
                         {"implicated-person_id": "0", "implicated-name": "Sam Contractor",
                          "implicated-role": "Site foreman"})
    assert added.status_code == 303
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert "Sam Contractor, Site foreman" in body.split('id="people"')[1]


def test_implicating_the_chief_executive_routes_the_case_away(browser, handler, make):
    ce = make.person("Chief", roles=("chief_executive",), position="Chief Executive")
    case = make.case()
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert f'<option value="{ce}">Chief, Chief Executive</option>' in body
    moved = browser.post(f"/staff/cases/{case.reference}/implicated",
                         {"implicated-person_id": str(ce)})
    assert moved.status_code == 303 and moved.location.endswith("/staff/")
    assert "no longer in your hands" in page(browser.get("/staff/"))
    assert browser.get(f"/staff/cases/{case.reference}").status_code == 404


def test_an_assigned_investigator_outside_the_queue_works_the_case(browser, account, make,
                                                                     ctx):
    case = make.case(path=["acknowledge", "accept_for_investigation"])
    investigator = account(("investigator",), ())
    boss = make.staff(roles=("intake",), queues=("intake",))
    assign(ctx, boss, case.reference, investigator.id, "investigator")
    ctx.session.flush()
    assert browser.sign_in(investigator).status_code == 303
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert 'name="transition" value="record_findings"' in body
    assert browser.post(f"/staff/cases/{case.reference}/notes",
                        {"note-body": "Interviewed two witnesses."}).status_code == 303
