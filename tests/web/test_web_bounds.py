"""Numbers and text at the page edge, by the same rule as the API (casework.services.inputs):
a page number or id no column can hold answers 422 or 404, never a 500; text with NUL or
other control characters is refused with the field named; and a request that fails in any
way leaves the database unlocked for everyone else."""

from __future__ import annotations

import sqlite3

import pyotp
import pytest

from casework import create_app
from casework.config import Settings
from casework.db import make_engine
from casework.migrate import upgrade
from casework.models import CaseParty
from casework.runtime import build_runtime
from casework.services.accounts import NewUser, create_user
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.inputs import json_depth_within, query_number, whole_number
from tests.factories import Factories
from tests.web.conftest import PASSWORD, page

HUGE = "99999999999999999999"


@pytest.mark.parametrize("path", [
    f"/staff/cases?page={HUGE}", f"/staff/triage?page={HUGE}", "/staff/cases?page=0",
    "/staff/cases?page=-5", "/staff/triage?page=1e9"])
def test_out_of_range_page_numbers_are_422_naming_the_parameter(browser, handler, path):
    response = browser.get(path)
    assert response.status_code == 422, path
    assert "whole number" in page(response)


def test_an_audit_cursor_past_the_columns_is_422(browser, account):
    assert browser.sign_in(account(("auditor",), ())).status_code == 303
    assert browser.get(f"/staff/audit/?after={HUGE}").status_code == 422
    assert browser.get("/staff/audit/?after=5").status_code == 200


def test_a_page_number_in_range_still_works(browser, handler):
    assert browser.get("/staff/cases?page=2").status_code == 200
    assert browser.get("/staff/triage?page=3").status_code == 200


@pytest.mark.parametrize("path", [f"/staff/cases/CW-X/attachments/{HUGE}",
                                  f"/admin/users/{HUGE}"])
def test_ids_in_paths_past_the_columns_are_404(browser, handler, path):
    assert browser.get(path).status_code == 404


@pytest.fixture
def signed_in_case(browser, account, make):
    case = make.case()
    acc = account(("intake", "investigator", "decision_maker"), (case.queue,))
    assert browser.sign_in(acc).status_code == 303
    return case


@pytest.mark.parametrize(("action", "data"), [
    ("assign", {"assign-user_id": HUGE, "assign-capacity": "investigator"}),
    ("implicated", {"implicated-person_id": HUGE}),
    ("implicated", {"implicated-person_id": "-3"}),
])
def test_forms_with_ids_past_the_columns_are_422(browser, signed_in_case, action, data):
    ref = signed_in_case.reference
    token = browser.token(f"/staff/cases/{ref}")
    prefix = "assign" if action == "assign" else "implicated"
    response = browser.client.post(f"/staff/cases/{ref}/{action}",
                                   data={f"{prefix}-csrf_token": token, **data})
    assert response.status_code == 422


def test_a_version_past_the_columns_is_a_stale_form(browser, signed_in_case):
    ref = signed_in_case.reference
    token = browser.token(f"/staff/cases/{ref}")
    response = browser.client.post(f"/staff/cases/{ref}/transition", data={
        "csrf_token": token, "transition": "acknowledge", "version": HUGE})
    assert response.status_code == 400


def test_whole_numbers_are_plain_digits_within_bounds():
    assert whole_number("12") == 12 and whole_number(7) == 7
    for bad in (HUGE, "0", "-1", "1e3", " 4", "\u0663", True, 2**31, None, 1.0):
        with pytest.raises(ValueError):
            whole_number(bad)
    assert query_number({}, "page") == 1
    with pytest.raises(Invalid) as refused:
        query_number({"page": HUGE}, "page")
    assert "page" in refused.value.fields


def test_json_depth_is_counted_outside_strings():
    assert json_depth_within(b'{"a": [[{"b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]]]}')
    assert json_depth_within(b'{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    assert not json_depth_within(b"[" * 33 + b"]" * 33)
    assert json_depth_within(b"[" * 32 + b"]" * 32)


def test_a_failed_request_leaves_the_sqlite_database_unlocked(tmp_path, monkeypatch):
    """On a real file, with errors answered as in production (not raised to the test): right
    after a request fails with an unexpected error, another process can take the write lock
    at once (a lock held on would stall every user for the 30 s busy timeout)."""
    url = f"sqlite:///{tmp_path}/casework.db"
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings.from_env({}, instance_dir=tmp_path, database_url=url,
                                 key_file=tmp_path / "casework.key", secret_key="lock",
                                 testing=False)
    runtime = build_runtime(settings, engine=engine)
    with runtime.transaction() as session:
        made = create_user(Context(session, runtime), "test", NewUser(
            email="lock@test.example", name="Lock", password=PASSWORD,
            roles=("intake", "investigator"), queues=("intake",)))
        case = Factories(Context(session, runtime)).case()
    app = create_app(settings, runtime=runtime)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/staff/sign-in", data={
        "email": "lock@test.example", "password": PASSWORD,
        "totp": pyotp.TOTP(made.totp_secret).now()}).status_code == 303

    from casework.services import assignments

    def broken(ctx, *args, **kwargs):
        ctx.session.flush()  # a write transaction is open when it breaks
        raise RuntimeError("a bug")
    monkeypatch.setattr(assignments, "add_implicated", broken)
    monkeypatch.setattr("casework.web.staff_case.add_implicated", broken)
    other = sqlite3.connect(f"{tmp_path}/casework.db", timeout=0, isolation_level=None)
    for path, data in [(f"/staff/cases?page={HUGE}", None),
                       (f"/staff/cases/{case.reference}/implicated",
                        {"implicated-name": "Someone"})]:
        response = (client.get(path) if data is None else client.post(path, data=data))
        assert response.status_code in (404, 422, 500), path
        other.execute("BEGIN IMMEDIATE")  # timeout=0: raises "database is locked" if held
        other.execute("ROLLBACK")
    engine.dispose()


def test_page_forms_refuse_control_characters_as_the_api_does(browser, signed_in_case, ctx):
    ref = signed_in_case.reference
    token = browser.token(f"/staff/cases/{ref}")
    for bad in ("Nul\x00name", "Esc\x1b[2Jape"):
        response = browser.client.post(f"/staff/cases/{ref}/implicated", data={
            "implicated-csrf_token": token, "implicated-name": bad})
        assert response.status_code == 422
        assert "control characters" in page(response)
    ctx.session.expire_all()
    assert not ctx.session.query(CaseParty).filter_by(
        case_id=signed_in_case.id, kind="implicated").count()


def test_a_report_form_with_a_nul_is_refused(browser):
    data = {"route": "disclosure", "category": "health_and_safety", "anonymous": "yes",
            "summary": "Unsafe\x00scaffolding", "details": "Loose boards.",
            "csrf_token": browser.token("/report?kind=disclosure")}
    response = browser.client.post("/report", data=data)
    assert response.status_code == 422
    assert "control characters" in page(response)


def test_a_report_form_naming_the_reporter_past_the_columns_is_refused(browser):
    data = {"route": "disclosure", "category": "health_and_safety", "anonymous": "no",
            "name": "Riley", "summary": "Unsafe scaffolding", "details": "Loose boards.",
            "reporter_person": HUGE, "csrf_token": browser.token("/report?kind=disclosure")}
    response = browser.client.post("/report", data=data)
    assert response.status_code == 422  # the field named, not a 500
    assert 'href="#reporter_person"' in response.get_data(as_text=True)


def test_step_answers_with_control_characters_are_refused(browser, signed_in_case):
    ref = signed_in_case.reference
    token = browser.token(f"/staff/cases/{ref}")
    response = browser.client.post(f"/staff/cases/{ref}/transition", data={
        "csrf_token": token, "transition": "acknowledge",
        "version": str(signed_in_case.version), "f_message": "hello\x00"})
    assert response.status_code == 422


def test_the_cli_bounds_ids_too(tmp_path):
    from click.testing import CliRunner

    from casework.cli import main

    result = CliRunner().invoke(main, ["users", "create", "--email", "a@b.example",
                                       "--password", "x" * 16, "--role", "admin",
                                       "--person-id", HUGE],
                                env={"CASEWORK_INSTANCE_DIR": str(tmp_path)})
    assert result.exit_code == 2 and "--person-id" in result.output
    assert not (tmp_path / "casework.db").exists()  # refused before anything was opened
