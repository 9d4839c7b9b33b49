"""The case page tells intake which typed name matched whom in the directory, and why; the
person matched cannot open the case, as if they had been picked."""

from __future__ import annotations

from tests.web.conftest import page

REPORT = {"route": "disclosure", "category": "health_and_safety", "anonymous": "yes",
          "summary": "Unsafe scaffolding", "details": "The scaffolding at the depot is loose.",
          "implicated_names": "J. Smith, Chief Executive"}


def test_a_typed_name_is_matched_shown_to_intake_and_hidden_from_the_person(
        browser, account, make, app):
    ce = make.person("Jonathan Smith", roles=["chief_executive"], position="Chief Executive")
    token = browser.token("/report?kind=disclosure")
    browser.client.post("/report", data={**REPORT, "csrf_token": token})
    officer = account(("intake", "investigator"), ("monitoring_officer",))
    assert browser.sign_in(officer).status_code == 303
    listed = page(browser.get("/staff/cases"))
    reference = listed.split("/staff/cases/CW-", 1)[1][:8]
    shown = page(browser.get(f"/staff/cases/CW-{reference}"))
    assert "matched the typed name “J. Smith, Chief Executive”" in shown
    assert "initial of the first name" in shown and "They cannot see this case." in shown
    chief = account(("intake", "decision_maker"), ("intake", "monitoring_officer"),
                    person_id=ce)
    other = type(browser)(app.test_client(), browser.clock)
    assert other.sign_in(chief).status_code == 303
    assert other.get(f"/staff/cases/CW-{reference}").status_code == 404
