"""Who may do what to a case: the action vocabulary and the one table from capacity to action.

Pure data and pure functions (no database, no Flask): the loader in `cases.py` works out an
actor's capacities on a case and asks this table; pages and the API build their buttons from
the same table, so nothing offers what a service would refuse.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from casework.i18n import _l


class Action(StrEnum):
    """Everything that can be done to one case."""

    SEE = "see"  # the case itself: report, routing, clocks, timeline
    READ_NOTES = "read_notes"
    ADD_NOTE = "add_note"
    READ_MESSAGES = "read_messages"
    SEND_MESSAGE = "send_message"
    READ_EVIDENCE = "read_evidence"
    ADD_EVIDENCE = "add_evidence"
    TRANSITION = "transition"  # which steps, the route's `who` decides (the engine)
    ASSIGN = "assign"
    RECUSE = "recuse"
    REVEAL_IDENTITY = "reveal_identity"
    ADD_IMPLICATED = "add_implicated"
    MANAGE_CLOCKS = "manage_clocks"  # pause, resume, extend; record a milestone or a referral
    TRIAGE = "triage"
    LINK = "link"
    HOLD = "hold"
    TITLE = "title"  # the case's short title in lists
    SEE_ACCESS = "see_access"  # who can see the case now
    READ_AUDIT = "read_audit"  # the case's audit events (no content)
    CONFIRM_RECORD = "confirm_record"  # the reporter checks a report staff wrote down
    ANSWER_CHECKIN = "answer_checkin"
    EXPORT_FILE = "export_file"  # the case file (PDF) for a body outside the organisation


class Capacity(StrEnum):
    """What someone is on one case. Nobody implicated in or recused from a case has any."""

    HANDLER = "handler"
    INVESTIGATOR = "investigator"
    DECISION_MAKER = "decision_maker"
    REPORTER = "reporter"  # this case's reporter, signed in with its receipt
    AUDITOR = "auditor"  # reads the case's trail, never its content


class Power(StrEnum):
    """What can be done outside any one case."""

    ADMINISTER = "administer"  # the directory and accounts; never case content
    AUDIT = "audit"  # the whole trail and its verification
    STATISTICS = "statistics"  # anonymised releases and annual reports


#: Staff role → the capacity it gives on the cases of the holder's queues (and the capacities
#: an assignment may give the holder).
ROLE_CAPACITY = {"intake": Capacity.HANDLER, "investigator": Capacity.INVESTIGATOR,
                 "decision_maker": Capacity.DECISION_MAKER}
#: Staff role → the powers it gives.
ROLE_POWERS = {"admin": frozenset({Power.ADMINISTER}), "auditor": frozenset({Power.AUDIT}),
               "hr_analyst": frozenset({Power.STATISTICS})}

_WORKING = frozenset({Action.SEE, Action.READ_NOTES, Action.ADD_NOTE, Action.READ_MESSAGES,
                      Action.SEND_MESSAGE, Action.READ_EVIDENCE, Action.ADD_EVIDENCE,
                      Action.TRANSITION, Action.RECUSE, Action.SEE_ACCESS, Action.READ_AUDIT})

#: The table. REVEAL_IDENTITY is not here: the policy pack names who may (see `allows`).
TABLE: dict[Capacity, frozenset[Action]] = {
    Capacity.HANDLER: _WORKING | {Action.ASSIGN, Action.ADD_IMPLICATED, Action.MANAGE_CLOCKS,
                                  Action.TRIAGE, Action.LINK, Action.HOLD,
                                  Action.EXPORT_FILE, Action.TITLE},
    Capacity.INVESTIGATOR: _WORKING,
    Capacity.DECISION_MAKER: _WORKING,
    Capacity.REPORTER: frozenset({Action.SEE, Action.READ_MESSAGES, Action.SEND_MESSAGE,
                                  Action.ADD_EVIDENCE, Action.TRANSITION,
                                  Action.CONFIRM_RECORD, Action.ANSWER_CHECKIN}),
    Capacity.AUDITOR: frozenset({Action.READ_AUDIT}),
}

#: Why an action was refused on a case the actor can see (the 403's message).
REFUSALS = {
    Action.SEE: _l("Your role reads this case's audit trail, not the case itself."),
    Action.ASSIGN: _l("Only this case's handlers may assign people to it."),
    Action.ADD_IMPLICATED: _l("Only this case's handlers may change who is implicated."),
    Action.MANAGE_CLOCKS: _l("Only the case's handlers may change its deadlines or record its "
                             "milestones and referrals."),
    Action.REVEAL_IDENTITY: _l("The policy does not allow you to see who reported this case."),
    Action.TRIAGE: _l("Only this case's handlers may change where it goes."),
    Action.LINK: _l("Only this case's handlers may link it to another case."),
    Action.HOLD: _l("Only this case's handlers may place or lift a legal hold."),
    Action.EXPORT_FILE: _l("Only this case's handlers may make its case file."),
    Action.TITLE: _l("Only this case's handlers may give it a title."),
    Action.CONFIRM_RECORD: _l("Only the reporter checks the record of their report."),
    Action.ANSWER_CHECKIN: _l("Only the reporter answers their check-in questions."),
}
DEFAULT_REFUSAL = _l("Only those handling this case may do that.")


#: Capacities that reach a case's audit trail only: for everything else the case is, to them,
#: exactly as if it did not exist (404), as the contract promises for roles without content.
TRAIL_ONLY = frozenset({Capacity.AUDITOR})


def sees(capacities: Iterable[Capacity], action: Action) -> bool:
    """Whether these capacities make the case exist for this action (else 404, not 403)."""
    held = frozenset(capacities)
    return bool(held if action is Action.READ_AUDIT else held - TRAIL_ONLY)


def reveal_capacities(identity_reveal_roles: Iterable[str]) -> frozenset[Capacity]:
    """The capacities in which the policy pack lets someone see a reporter's identity."""
    return frozenset(ROLE_CAPACITY[r] for r in identity_reveal_roles if r in ROLE_CAPACITY)


def allowed_actions(capacities: Iterable[Capacity],
                    identity_reveal_roles: Iterable[str]) -> frozenset[Action]:
    """Everything these capacities allow on one case, under the pack's identity rule."""
    held = frozenset(capacities)
    actions = frozenset().union(*(TABLE[c] for c in held)) if held else frozenset()
    if held & reveal_capacities(identity_reveal_roles):
        actions |= {Action.REVEAL_IDENTITY}
    return actions


def allows(capacities: Iterable[Capacity], action: Action,
           identity_reveal_roles: Iterable[str]) -> bool:
    """Whether any of these capacities allows the action."""
    return action in allowed_actions(capacities, identity_reveal_roles)


def powers_of(roles: Iterable[str]) -> frozenset[Power]:
    """The non-case powers a set of staff roles gives."""
    return frozenset().union(*(ROLE_POWERS.get(r, frozenset()) for r in roles))


def refusal(action: Action) -> str:
    """The plain-language reason an action is refused."""
    return str(REFUSALS.get(action, DEFAULT_REFUSAL))
