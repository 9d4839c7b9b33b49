"""One loader for every case an actor names: each service function taking a case reference
hands it to `open_case` (directly or through another service that does), and nothing else in
the services, pages or API selects a case by reference or fetches one by id, bar the system
uses listed here with their reasons."""

from __future__ import annotations

import pytest

from casework.services.access import Action
from tests.access_worlds import NO_SERVICE_YET
from tests.service_source import (
    LOADER,
    case_loads,
    functions,
    loader_actions,
    loading_functions,
)

SERVICES = functions("casework/services")
LOADING = loading_functions(SERVICES)
TAKING_A_REFERENCE = sorted(n for n, f in SERVICES.items() if f.reference_param)
#: Functions that take a reference and rightly do not hand it to the loader.
NOT_LOADED = {
    "casework.services.access.cases._load": "the loader's own query (open_case's first step)",
    "casework.services.auth.reporter_sign_in": "signing in: the receipt checked against the "
                                               "case is the credential; there is no actor yet",
    "casework.services.casefile.handed_over": "the operator's hand-over export: only a case "
                                              "already with an outside recipient",
    "casework.services.casefile.export_for_hand_over": "the same, for `casework cases export`",
}
#: Where a case is selected by reference or fetched by id outside the access package.
SYSTEM_LOADS = {
    ("casework.services.auth", "reporter_sign_in"): "signing in with reference and receipt",
    ("casework.services.casefile", "handed_over"): "the operator's export of a case already "
                                                   "handed to an outside recipient",
    ("casework.services.mail", "reporter_address"): "the outbox's own row: sending, no actor",
    ("casework.services.mail", "recipient_language"): "the outbox's own row: its language",
    ("casework.services.reports", "new_reference"): "a new reference checked for uniqueness",
    ("casework.services.tokens", "authenticate"): "a reporter token's case, refused if purged",
    ("casework.services.worklists", "_filters"): "the list's reference search, which only "
                                                 "find_cases uses, beside visible_filter",
    ("casework.services.worklists", "triage"): "the clocks of rows visible_filter gave",
}
VISIBLE_FILTER = "casework.services.access.cases.visible_filter"


@pytest.mark.parametrize("name", TAKING_A_REFERENCE)
def test_a_service_taking_a_reference_goes_through_the_loader(name):
    if name in NOT_LOADED:
        assert name not in LOADING
        return
    assert name in LOADING, (
        f"{name} takes a case reference but never hands it to {LOADER} (directly or through "
        "a service that does): load the case with open_case(ctx, actor, reference, need=...)")


def test_the_reference_taking_services_are_found():
    """The scan sees the services it should (a broken scan would pass everything)."""
    assert {"casework.services.content.add_note", "casework.services.transitions.fire_transition",
            "casework.services.clocks.extend_clock", "casework.services.views.case_view",
            "casework.services.access.people.who_can_see"} <= set(TAKING_A_REFERENCE)
    assert "casework.services.clocks._handled_case" in LOADING  # one step removed


def test_nothing_else_loads_a_case_from_what_an_actor_sent():
    found = {hit for hit in case_loads("casework/services", "casework/web", "casework/api")
             if not hit[0].startswith("casework.services.access")}
    assert found - set(SYSTEM_LOADS) == set(), "load the case with access.open_case"
    assert set(SYSTEM_LOADS) - found == set(), "a system use has gone: drop it from the list"


@pytest.mark.parametrize("where", [("casework.services.worklists", "find_cases"),
                                   ("casework.services.worklists", "triage")])
def test_a_search_by_reference_stays_inside_the_visible_filter(where):
    function = SERVICES[".".join(where)]
    assert VISIBLE_FILTER in {target for target, _ in function.calls()}


@pytest.mark.parametrize("action", sorted(set(Action) - NO_SERVICE_YET))
def test_every_action_with_a_service_is_asked_of_the_loader(action):
    assert action in loader_actions(SERVICES)
