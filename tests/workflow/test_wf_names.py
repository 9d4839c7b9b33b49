"""Typed names against the directory (casework/workflow/names.py): normalised, with initials,
common variants and positions; every match says why."""

from __future__ import annotations

import pytest

from casework.workflow.names import Entry, match_typed, normalise

DIRECTORY = [Entry(1, "Jonathan Smith", "Chief Executive"),
             Entry(2, "Zoë O'Brien", "Monitoring Officer"),
             Entry(3, "Mary Smith", "Director of Finance"),
             Entry(4, "Robert Jones", "Officer"), Entry(5, "Ann Lee", "Officer")]


def ids(name, role=None):
    return sorted(m.person_id for m in match_typed(name, role, DIRECTORY))


def test_normalise_drops_case_accents_and_punctuation():
    assert normalise("  ZOË  O'Brien-Smith ") == "zoe o brien smith"


@pytest.mark.parametrize(("name", "role", "expected"), [
    ("Jonathan Smith", None, [1]), ("jonathan  SMITH", None, [1]), ("J. Smith", None, [1]),
    ("M Smith", None, [3]),
    ("Jon Smith", None, [1]), ("John Smith", None, [1]), ("Mr Jonathan Smith", None, [1]),
    ("Zoe OBrien", None, []), ("Zoe O'Brien", None, [2]), ("zoë o’brien", None, [2]),
    ("Bob Jones", None, [4]), ("Smith", "Chief Executive", [1]), ("Smith", None, []),
    ("Someone", "Chief Executive", [1]), ("Someone", "CEO", [1]), ("Chief Executive", None, [1]),
    ("The Chief Exec", None, [1]), ("Someone", "Officer", []), ("Peter Smith", None, []),
    ("", "", []),
])
def test_typed_names_match_the_directory(name, role, expected):
    assert ids(name, role) == expected


def test_each_match_carries_its_evidence_and_rules():
    [match] = match_typed("J. Smith", "Chief Executive", DIRECTORY[:1])
    assert match.evidence == ("same surname", "initial of the first name", "same position")
    assert match.rules == ("surname", "initial", "position")
    [variant] = match_typed("Jon Smith", None, DIRECTORY[:1])
    assert "jon is a common form of jonathan" in variant.evidence
