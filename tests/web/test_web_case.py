"""The case page: only the allowed next steps, each a form with exactly its fields; firing a
step; a stale version is a 409 that shows the state now; a 422 keeps what was typed."""

from __future__ import annotations

import re

import pytest

from casework.models import AuditEvent, Case
from tests.factories import transition_event
from tests.web.conftest import page

STEP = re.compile(r'name="transition" value="(\w+)"')


def steps(body: str) -> set[str]:
    return set(STEP.findall(body))


def version(body: str, key: str) -> str:
    form = body.split(f'value="{key}"')[1]
    return re.search(r'name="version" value="(\d+)"', form).group(1)


def fresh(ctx, reference: str) -> Case:
    ctx.session.expire_all()
    return ctx.session.query(Case).filter_by(reference=reference).one()


@pytest.mark.parametrize("route, path, expected", [
    ("disclosure", [], {"acknowledge", "withdraw"}),
    ("disclosure", ["acknowledge"], {"accept_for_investigation", "refer", "no_further_action",
                                     "withdraw"}),
    ("disclosure", ["acknowledge", "no_further_action"], set()),
    ("harassment", ["acknowledge", "choose_informal"], {"resolved", "not_resolved",
                                                         "external_route", "withdraw"}),
])
def test_only_the_allowed_steps_are_offered(browser, account, make, route, path, expected):
    case = make.case(route, path=path)
    acc = account(("intake", "investigator", "decision_maker"), (case.queue,))
    assert browser.sign_in(acc).status_code == 303
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert steps(body) == expected
    if not expected:
        assert "There is no step you can take" in body


def test_an_investigator_is_not_offered_a_handlers_step(browser, account, make):
    case = make.case()
    acc = account(("investigator",), ("intake",))
    assert browser.sign_in(acc).status_code == 303
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    assert steps(body) == set()
    assert "Assign a colleague" not in body  # assigning is for handlers


def test_each_step_has_exactly_the_fields_it_requires(browser, handler, make):
    case = make.case(path=["acknowledge"])
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    accept = body.split('value="accept_for_investigation"')[1].split("</form>")[0]
    assert set(re.findall(r'name="f_(\w+)"', accept)) == {"protected", "reason"}
    assert 'type="radio" id="t-accept_for_investigation-protected" name="f_protected" ' \
           'value="yes"' in accept and 'value="no"' in accept
    assert '<textarea id="t-accept_for_investigation-reason"' in accept
    refer = body.split('value="refer"')[1].split("</form>")[0]
    assert '<select id="t-refer-destination" name="f_destination"' in refer
    assert '<option value="police">Police</option>' in refer
    withdraw = body.split('value="withdraw"')[1].split("</form>")[0]
    # A handler records a withdrawal the reporter asked for: what they said, and how.
    assert set(re.findall(r'name="f_(\w+)"', withdraw)) == {"reason", "channel"}


def test_firing_a_step_through_its_form(browser, handler, make, ctx):
    case = make.case()
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    done = browser.post(f"/staff/cases/{case.reference}/transition", {
        "transition": "acknowledge", "version": version(body, "acknowledge")})
    assert done.status_code == 303 and done.location.endswith(f"/staff/cases/{case.reference}")
    assert fresh(ctx, case.reference).state == "assessment"
    after = page(browser.get(f"/staff/cases/{case.reference}"))
    assert "Stage: <strong>Assessment</strong>" in after
    assert "Receipt acknowledged" in after.split('id="timeline"')[1]
    accepted = browser.post(f"/staff/cases/{case.reference}/transition", {
        "transition": "accept_for_investigation", "version": version(after, "refer"),
        "f_protected": "yes", "f_reason": "It is in scope."})
    assert accepted.status_code == 303
    assert fresh(ctx, case.reference).state == "investigation"


def test_a_stale_version_is_a_409_showing_the_state_now(browser, handler, make, ctx):
    case = make.case()
    old = page(browser.get(f"/staff/cases/{case.reference}"))
    stale = version(old, "withdraw")
    assert browser.post(f"/staff/cases/{case.reference}/transition", {
        "transition": "acknowledge", "version": stale}).status_code == 303
    # A second tab still shows the old page, and its Withdraw form carries the old version.
    late = browser.post(f"/staff/cases/{case.reference}/transition", {
        "transition": "withdraw", "version": stale})
    body = page(late)
    assert late.status_code == 409
    assert "Someone else acted first" in body
    assert "now at the stage\n        <strong>Assessment</strong>" in body
    assert f'href="/staff/cases/{case.reference}"' in body
    assert fresh(ctx, case.reference).state == "assessment"


def test_a_422_keeps_what_was_typed_and_links_errors_to_fields(browser, handler, make, ctx):
    case = make.case(path=["acknowledge"])
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    typed = "The depot manager & two others <signed> the invoices."
    refused = browser.post(f"/staff/cases/{case.reference}/transition", {
        "transition": "accept_for_investigation", "version": version(body, "refer"),
        "f_reason": typed})
    html = page(refused)
    assert refused.status_code == 422
    assert "<title>Error: " in html
    assert '<a href="#t-accept_for_investigation-protected">' in html  # the error summary
    assert ('name="f_reason" rows="4"' in html
            and ">The depot manager &amp; two others &lt;signed&gt; the invoices.</textarea>"
            in html)
    assert 'id="t-accept_for_investigation-protected-error"' in html
    assert fresh(ctx, case.reference).state == "assessment"


def test_a_422_from_a_must_be_true_answer(browser, account, make):
    case = make.case("harassment", path=["acknowledge", "choose_informal"])
    acc = account(("intake",), (case.queue,))
    assert browser.sign_in(acc).status_code == 303
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    refused = browser.post(f"/staff/cases/{case.reference}/transition", {
        "transition": "resolved", "version": version(body, "withdraw"),
        "f_admitted": "yes", "f_reporter_satisfied": "no", "f_confirmed_how": "phone"})
    html = page(refused)
    assert refused.status_code == 422
    assert "This must be yes to take this step" in html
    resolved_form = html.split('value="resolved"')[1].split("</form>")[0]
    assert 'name="f_admitted" value="yes" checked' in resolved_form


def test_the_case_page_is_audited_and_not_cached(browser, handler, make, ctx):
    case = make.case()
    response = browser.get(f"/staff/cases/{case.reference}")
    assert response.headers["Cache-Control"] == "no-store"
    kinds = {e.kind for e in ctx.session.query(AuditEvent).filter_by(case_id=case.id)}
    assert {"case:content:read", "case:note:read", "case:message:read"} <= kinds


def test_declining_offers_an_optional_reason_class(browser, handler, make):
    """The reason class is a labelled select marked optional, that may be left on 'not given'."""
    case = make.case(path=["acknowledge"])
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    form = body.split('value="no_further_action"')[1].split("</form>")[0]
    assert set(re.findall(r'name="f_(\w+)"', form)) == {
        "reason", "reason_class", "reporter_reason"}
    assert ('<label for="t-no_further_action-reason_class">Kind of reason (for anonymised '
            'statistics) (optional)</label>') in form
    select = form.split('<select id="t-no_further_action-reason_class"')[1].split("</select>")[0]
    assert "required" not in select
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select) == [
        "— not given —", "Not a disclosure", "Insufficient information", "Already dealt with",
        "Trivial or vexatious", "Too long ago", "Other"]
    assert '<option value="">Choose one</option>' in body.split('value="refer"')[1]


@pytest.mark.parametrize("reason_class", ["", "already_dealt_with"])
def test_declining_through_the_form_with_or_without_a_reason_class(browser, handler, make, ctx,
                                                                   reason_class):
    """Left on 'not given' nothing is recorded; chosen, it is a fact; the reason never is."""
    case = make.case(path=["acknowledge"])
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    done = browser.post(f"/staff/cases/{case.reference}/transition", {
        "transition": "no_further_action", "version": version(body, "no_further_action"),
        "f_reason": "Dealt with under the grievance policy.", "f_reason_class": reason_class})
    assert done.status_code == 303, page(done)
    assert fresh(ctx, case.reference).outcome == "no_further_action"
    event = transition_event(ctx, case, "no_further_action")
    assert event.facts == ({"reason_class": reason_class} if reason_class else {})
    assert event.fields_ct is not None


def test_a_reason_class_not_on_the_list_is_a_422_naming_it(browser, handler, make, ctx):
    case = make.case(path=["acknowledge"])
    body = page(browser.get(f"/staff/cases/{case.reference}"))
    refused = browser.post(f"/staff/cases/{case.reference}/transition", {
        "transition": "no_further_action", "version": version(body, "no_further_action"),
        "f_reason": "Not ours.", "f_reason_class": "outside_policy"})
    assert refused.status_code == 422
    assert '<a href="#t-no_further_action-reason_class">' in page(refused)
    assert fresh(ctx, case.reference).state == "assessment"
