"""Typed names against the directory: does "J. Smith, Chief Exec" name someone in it?

A report may name people by typing rather than picking them; each typed name (and position) is
compared with every directory entry, normalised (case, accents, punctuation, titles), with
initials and common variants of first names ("Jon" for "Jonathan", "Bob" for "Robert"). A
match is a reason to keep the case from that person, never proof of who was meant: a false
match hides a case from one more person, a missed one would show it to someone implicated. So
the rules lean towards matching, and every match says why (its evidence, in plain words).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

#: Common short and long forms of first names; each group names one person.
VARIANT_GROUPS = (
    {"jon", "john", "jonathan", "johnny", "jack"}, {"bob", "rob", "robert", "bobby", "robbie"},
    {"bill", "will", "william", "billy", "liam"}, {"jim", "jimmy", "james", "jamie"},
    {"mike", "michael", "mick", "mikey"}, {"dave", "david", "davy"},
    {"steve", "steven", "stephen"}, {"chris", "christopher", "christine", "christina"},
    {"kate", "katherine", "catherine", "kathryn", "cathy", "kathy", "katie", "kat"},
    {"liz", "elizabeth", "beth", "betty", "lizzie", "eliza"},
    {"sue", "susan", "suzanne", "susie"}, {"tom", "thomas", "tommy"},
    {"tony", "anthony", "antony"}, {"andy", "andrew", "drew"}, {"alex", "alexander",
                                                                 "alexandra", "sandy"},
    {"dan", "daniel", "danny"}, {"ed", "edward", "eddie", "ted", "ned"},
    {"pete", "peter"}, {"sam", "samuel", "samantha"}, {"ben", "benjamin"},
    {"matt", "matthew"}, {"nick", "nicholas", "nicola", "nicky"}, {"pat", "patrick",
                                                                   "patricia", "patty"},
    {"rich", "richard", "rick", "dick", "ricky"}, {"jen", "jenny", "jennifer"},
    {"meg", "maggie", "margaret", "peggy", "greta"}, {"debbie", "deborah", "debra", "deb"},
    {"jo", "joanne", "joanna", "josephine", "joe", "joseph", "joey"},
    {"fred", "frederick", "freddie"}, {"harry", "henry", "hal"}, {"ian", "iain"},
    {"mo", "mohammed", "muhammad", "mohamed", "mohammad"}, {"jess", "jessica"},
    {"vicky", "victoria", "tori"}, {"becky", "rebecca"}, {"tim", "timothy"},
    {"greg", "gregory"}, {"phil", "philip", "phillip"}, {"ron", "ronald", "ronnie"},
    {"val", "valerie"}, {"gerry", "gerald", "gerard", "geraldine"},
)
VARIANTS = {name: group for group in VARIANT_GROUPS for name in group}
#: Words that are not part of a name.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame",
                    "cllr", "councillor", "rev", "the", "lord", "lady"})
#: Short forms of positions, as people type them.
POSITION_WORDS = {"ceo": "chief executive", "chief exec": "chief executive",
                  "chief executive officer": "chief executive", "md": "managing director",
                  "hr": "human resources", "mo": "monitoring officer", "cfo": "finance director"}


@dataclass(frozen=True)
class Entry:
    """A directory entry as matching sees it."""

    id: int
    name: str
    position: str


@dataclass(frozen=True)
class NameMatch:
    """A directory person a typed name or position may mean, and why (plain words), with the
    rules that matched (keys, for the audit trail)."""

    person_id: int
    evidence: tuple[str, ...]
    rules: tuple[str, ...]


def normalise(text: str | None) -> str:
    """Lower case, accents and punctuation gone, spaces single: "  Zoë  O'Brien-Smith " is
    "zoe o brien smith"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+|_", " ", plain).split())


def _tokens(name: str | None) -> list[str]:
    return [t for t in normalise(name).split() if t not in TITLES]


def position_key(position: str | None) -> str:
    """A position as compared: normalised, short forms spelled out."""
    text = normalise(position).removeprefix("the ")
    for short, full in POSITION_WORDS.items():
        if text == short:
            return full
    return text


def _given_names_agree(typed: str, listed: str) -> str | None:
    """Why a typed first name may be a listed one, or None."""
    if typed == listed:
        return "same first name"
    if len(typed) == 1 and listed.startswith(typed):
        return "initial of the first name"
    if len(listed) == 1 and typed.startswith(listed):
        return "the directory has only the initial"
    if typed in VARIANTS and listed in VARIANTS.get(typed, ()):
        return f"{typed} is a common form of {listed}"
    return None


def _name_evidence(typed: list[str], listed: list[str]) -> tuple[list[str], list[str]]:
    """(evidence, rules) that a typed name is a listed one; empty if it is not."""
    if not typed or not listed:
        return [], []
    if typed == listed:
        return ["same name"], ["name"]
    if typed[-1] != listed[-1]:
        return [], []
    if len(typed) == 1:
        return ["same surname (no first name given)"], ["surname"]
    why = _given_names_agree(typed[0], listed[0])
    if why is None:
        return [], []
    rule = "initial" if "initial" in why else ("variant" if "common form" in why else "name")
    return ["same surname", why], ["surname", rule]


def match_typed(name: str | None, role: str | None, directory: Iterable[Entry]
                ) -> list[NameMatch]:
    """The directory people a typed name and position may mean, each with its evidence:

    - the full name, or the surname with the same first name, its initial or a common variant
      (a surname alone matches only when the position agrees too);
    - the position alone, when exactly one person in the directory holds it (someone who
      writes "the Chief Executive" means the one Chief Executive).
    """
    entries = list(directory)
    # A position typed where the name goes ("Chief Executive") is a position too.
    typed, typed_position = _tokens(name), position_key(role) or position_key(name)
    holders: dict[str, list[Entry]] = {}
    for entry in entries:
        holders.setdefault(position_key(entry.position), []).append(entry)
    found = []
    for entry in entries:
        evidence, rules = _name_evidence(typed, _tokens(entry.name))
        same_position = bool(typed_position) and position_key(entry.position) == typed_position
        if rules == ["surname"] and not same_position:
            evidence, rules = [], []
        if same_position and (rules or len(holders[typed_position]) == 1):
            evidence = [*evidence, "same position" if rules else
                        "same position, held by nobody else in the directory"]
            rules = [*rules, "position"]
        if rules:
            found.append(NameMatch(entry.id, tuple(evidence), tuple(rules)))
    return found
