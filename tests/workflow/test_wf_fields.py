"""Field validation and guards: every bad submission is a 422 that names the field at fault."""

from __future__ import annotations

import pytest

from casework.workflow.definitions import load_routes
from casework.workflow.engine import (
    MAX_TEXT,
    Decision,
    Reason,
    Refusal,
    Snapshot,
    allowed_transitions,
    decide,
    validate_fields,
)

ROUTES = load_routes()
DISCLOSURE, HARASSMENT = ROUTES["disclosure"], ROUTES["harassment"]
HANDLER = frozenset({"handler"})
INVESTIGATOR = frozenset({"investigator"})

ACCEPT = {"protected": True, "reason": "Misuse of funds."}
REFER = {"destination": "ombudsman", "reason": "For the ombudsman."}
FINDINGS = {"finding": "substantiated", "reason": "Corroborated."}
RESOLVED = {"reporter_satisfied": True, "confirmed_how": "phone"}
REPORTER = frozenset({"reporter"})


def _refused(result) -> dict[str, str]:
    """The bad fields of a 422 refusal for invalid fields."""
    assert isinstance(result, Refusal), result
    assert (result.reason, result.status) == (Reason.INVALID_FIELDS, 422)
    return dict(result.fields)


def _accept(fields):
    return decide(DISCLOSURE, Snapshot("assessment"), HANDLER, "accept_for_investigation", fields)


def _resolve(fields):
    return decide(HARASSMENT, Snapshot("informal"), HANDLER, "resolved", fields)


@pytest.mark.parametrize("missing", sorted(ACCEPT))
def test_missing_field_is_named(missing):
    """Leaving out a required field refuses the step and names that field only."""
    fields = {k: v for k, v in ACCEPT.items() if k != missing}
    assert _refused(_accept(fields)) == {missing: "required"}


def test_no_fields_at_all_names_every_required_field():
    """With no fields (None) every required field is reported."""
    assert set(_refused(_accept(None))) == {"protected", "reason"}


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, [True]])
def test_bool_field_refuses_other_types(value):
    """A boolean must be a real JSON boolean, not a string or a number."""
    errors = _refused(_accept({**ACCEPT, "protected": value}))
    assert set(errors) == {"protected"}
    assert "true or false" in errors["protected"]


def test_false_is_a_valid_bool_and_recorded_as_a_fact():
    """False is an answer, not a missing value; booleans become facts, text does not."""
    result = _accept({**ACCEPT, "protected": False})
    assert isinstance(result, Decision)
    assert result.facts == {"protected": False}
    assert result.fields["reason"] == "Misuse of funds."


@pytest.mark.parametrize("value", ["mars", "Ombudsman", " ombudsman", 3])
def test_choice_outside_the_list_is_refused(value):
    """A choice must be one of the listed values, exactly."""
    result = decide(DISCLOSURE, Snapshot("assessment"), HANDLER, "refer",
                    {**REFER, "destination": value})
    assert set(_refused(result)) == {"destination"}


def test_finding_choices_differ_by_route():
    """'malicious' is a disclosure finding but not a harassment one."""
    fields = {**FINDINGS, "finding": "malicious"}
    allowed = decide(DISCLOSURE, Snapshot("investigation"), INVESTIGATOR, "record_findings", fields)
    refused = decide(HARASSMENT, Snapshot("investigation"), INVESTIGATOR, "record_findings", fields)
    assert isinstance(allowed, Decision) and allowed.facts["finding"] == "malicious"
    assert set(_refused(refused)) == {"finding"}


def test_reporter_must_be_satisfied_to_resolve_informally():
    """reporter_satisfied is a must-be-true field: False refuses the step, naming it."""
    errors = _refused(_resolve({**RESOLVED, "reporter_satisfied": False}))
    assert set(errors) == {"reporter_satisfied"}
    result = _resolve(RESOLVED)
    assert isinstance(result, Decision) and result.outcome == "resolved_informally"


def test_admitted_may_be_false():
    """Only reporter_satisfied must be true; admitted is a plain yes/no fact, and optional."""
    result = _resolve({**RESOLVED, "admitted": False})
    assert isinstance(result, Decision)
    assert result.facts == {"admitted": False, "reporter_satisfied": True,
                            "confirmed_how": "phone"}
    assert isinstance(_resolve(RESOLVED), Decision)


def test_a_handler_records_how_the_complainant_confirmed_they_are_satisfied():
    """NZ step 3: a handler closing the informal solution says how the complainant confirmed
    it; the complainant closes it from their page with no field at all (their own word)."""
    assert _refused(_resolve({"reporter_satisfied": True})) == {"confirmed_how": "required"}
    mine = decide(HARASSMENT, Snapshot("informal"), REPORTER, "resolved", {})
    assert isinstance(mine, Decision) and mine.outcome == "resolved_informally"


@pytest.mark.parametrize("key, state", [
    ("choose_self_help", "options"), ("choose_informal", "options"),
    ("choose_formal", "options"), ("resolved", "informal"), ("resolved", "self_help"),
    ("not_resolved", "informal"), ("external_route", "options")])
def test_a_witness_is_not_offered_the_affected_persons_choices(key, state):
    """The resolution path is the affected person's: a witness reporter may not take it, a
    handler still records it; the witness may still withdraw their own report."""
    witness = Snapshot(state, witness=True)
    refused = decide(HARASSMENT, witness, REPORTER, key, {})
    assert isinstance(refused, Refusal) and refused.status == 403
    assert "the person it happened to" in refused.message
    assert key not in {t.key for t in allowed_transitions(HARASSMENT, witness, REPORTER)}
    assert key in {t.key for t in allowed_transitions(HARASSMENT, Snapshot(state), REPORTER)}
    assert "withdraw" in {t.key for t in allowed_transitions(HARASSMENT, witness, REPORTER)}
    assert key in {t.key for t in allowed_transitions(HARASSMENT, witness, HANDLER)}


def test_unexpected_field_is_named():
    """A field the step does not ask for is refused, naming it, even if the rest is valid."""
    assert _refused(_accept({**ACCEPT, "colour": "blue"})) == {
        "colour": "not expected for this step"
    }


def test_fields_on_a_step_that_takes_none_are_refused():
    """Self-help resolution takes no fields; the informal variant's fields are unexpected there."""
    result = decide(HARASSMENT, Snapshot("self_help"), HANDLER, "resolved", RESOLVED)
    assert set(_refused(result)) == set(RESOLVED)


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_blank_text_is_missing(blank):
    """Whitespace-only text counts as not given."""
    assert _refused(_accept({**ACCEPT, "reason": blank})) == {"reason": "required"}


@pytest.mark.parametrize("value", [42, ["a"], {"text": "a"}, True])
def test_text_must_be_a_string(value):
    """A text field refuses numbers, lists, objects and booleans."""
    assert set(_refused(_accept({**ACCEPT, "reason": value}))) == {"reason"}


def test_over_long_text_is_refused_and_the_limit_is_inclusive():
    """Text is capped at MAX_TEXT characters."""
    errors = _refused(_accept({**ACCEPT, "reason": "x" * (MAX_TEXT + 1)}))
    assert set(errors) == {"reason"} and str(MAX_TEXT) in errors["reason"]
    assert isinstance(_accept({**ACCEPT, "reason": "x" * MAX_TEXT}), Decision)


def test_text_is_stripped_and_kept_out_of_facts():
    """Text is cleaned of surrounding whitespace and, being confidential, never becomes a fact."""
    result = _accept({**ACCEPT, "reason": "  Misuse.  "})
    assert isinstance(result, Decision)
    assert result.fields["reason"] == "Misuse."
    assert "reason" not in result.facts


def test_every_problem_is_reported_at_once():
    """Several bad fields are all named in one refusal."""
    errors = _refused(_accept({"protected": "no", "reason": "", "extra": 1}))
    assert set(errors) == {"protected", "reason", "extra"}


def test_validate_fields_returns_clean_values_and_errors():
    """validate_fields is usable on its own, e.g. to pre-check a form."""
    specs = DISCLOSURE.transitions_named("refer")[0].requires
    clean, errors = validate_fields(specs, {"destination": "police", "reason": " why "})
    assert (clean, errors) == ({"destination": "police", "reason": "why"}, {})
    specs = DISCLOSURE.transitions_named("no_further_action")[0].requires
    clean, errors = validate_fields(specs, {"reason": "why", "reason_class": ""})
    assert (clean, errors) == ({"reason": "why"}, {})


def _no_further_action(fields):
    return decide(DISCLOSURE, Snapshot("assessment"), HANDLER, "no_further_action", fields)


@pytest.mark.parametrize("left_out", [{}, {"reason_class": None}, {"reason_class": ""},
                                      {"reason_class": "  "}])
def test_an_optional_field_may_be_left_out_and_is_not_recorded(left_out):
    """Leaving out an optional field (or sending it blank) is fine; it is then no fact at all."""
    result = _no_further_action({"reason": "Not in scope.", **left_out})
    assert isinstance(result, Decision), result
    assert result.outcome == "no_further_action"
    assert "reason_class" not in result.fields and "reason_class" not in result.facts


def test_an_optional_choice_given_is_a_fact():
    """A classified reason that is given is recorded as a fact; the free text never is."""
    result = _no_further_action({"reason": "Not in scope.", "reason_class": "too_long_ago"})
    assert isinstance(result, Decision), result
    assert result.facts == {"reason_class": "too_long_ago"}
    assert result.fields == {"reason": "Not in scope.", "reason_class": "too_long_ago"}


DISCLOSURE_CLASSES = ("must be one of: not_a_disclosure, insufficient_information, "
                      "already_dealt_with, trivial_or_vexatious, too_long_ago, other")


@pytest.mark.parametrize(("value", "problem"), [
    ("outside_policy", DISCLOSURE_CLASSES), ("Too_long_ago", DISCLOSURE_CLASSES),
    (3, "must be text"), (True, "must be text")])
def test_an_optional_choice_given_must_be_one_of_the_choices(value, problem):
    """A given optional choice is checked like any other, and the error names the choices
    (outside_policy is a harassment class, not a disclosure one)."""
    errors = _refused(_no_further_action({"reason": "Not in scope.", "reason_class": value}))
    assert errors == {"reason_class": problem}


def test_optional_does_not_excuse_the_required_fields():
    """Only the optional field may be left out: the reason is still required."""
    errors = _refused(_no_further_action({"reason_class": "other"}))
    assert errors == {"reason": "required"}


def test_harassment_decline_takes_its_own_optional_reason_class():
    """Declining to investigate accepts its own classes, and still works without one."""
    maker = frozenset({"decision_maker"})

    def decline(fields):
        return decide(HARASSMENT, Snapshot("formal_complaint"), maker, "decline_investigation",
                      fields)

    given = decline({"reason": "Out of time.", "reason_class": "resolved_another_way"})
    assert isinstance(given, Decision) and given.facts == {"reason_class": "resolved_another_way"}
    without = decline({"reason": "Out of time."})
    assert isinstance(without, Decision) and without.facts == {}
    assert without.outcome == "not_investigated"
    assert set(_refused(decline({"reason": "x", "reason_class": "too_long_ago"}))) == {
        "reason_class"}


def test_finding_recorded_guard_refuses_feedback_without_a_finding():
    """The outcome comes from the finding, so feedback without one is a 422 naming 'finding'."""
    fields = {"message": "Here is what happened."}
    errors = _refused(decide(DISCLOSURE, Snapshot("feedback"), HANDLER, "give_feedback", fields))
    assert set(errors) == {"finding"}
    empty = decide(DISCLOSURE, Snapshot("feedback", {"finding": ""}), HANDLER, "give_feedback",
                   fields)
    assert set(_refused(empty)) == {"finding"}
    result = decide(DISCLOSURE, Snapshot("feedback", {"finding": "malicious"}), HANDLER,
                    "give_feedback", fields)
    assert isinstance(result, Decision) and result.outcome == "malicious"


def test_finding_recorded_guard_on_harassment_record_action():
    """Harassment closes straight from findings, with the same guard."""
    maker = frozenset({"decision_maker"})
    fields = {"action": "Training."}
    refused = decide(HARASSMENT, Snapshot("findings"), maker, "record_action", fields)
    assert set(_refused(refused)) == {"finding"}
    allowed = decide(HARASSMENT, Snapshot("findings", {"finding": "not_substantiated"}), maker,
                     "record_action", fields)
    assert isinstance(allowed, Decision) and allowed.outcome == "not_substantiated"


def test_guards_do_not_run_while_fields_are_invalid():
    """Field errors come first; the guard's complaint is added only once the fields are valid."""
    errors = _refused(decide(DISCLOSURE, Snapshot("feedback"), HANDLER, "give_feedback", {}))
    assert set(errors) == {"message"}


def test_permission_and_state_are_checked_before_fields():
    """Bad fields do not turn a 403 or a 409 into a 422."""
    forbidden = decide(DISCLOSURE, Snapshot("assessment"), frozenset({"reporter"}),
                       "accept_for_investigation", {"protected": "maybe"})
    wrong_state = decide(DISCLOSURE, Snapshot("received"), HANDLER,
                         "accept_for_investigation", {"protected": "maybe"})
    assert isinstance(forbidden, Refusal) and forbidden.status == 403
    assert isinstance(wrong_state, Refusal) and wrong_state.status == 409
