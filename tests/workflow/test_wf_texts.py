"""The packs', routes' and clock sets' own words in French: each file carries the translation
of every text in it people read, a text with none shows in English, and what is kept with a
case (routing reasons) is English whatever the language of the moment."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from casework import i18n
from casework.i18n import DomainText
from casework.workflow.definitions import load_routes
from casework.workflow.policy import CLOCK_SETS_DIR, PACKS_DIR, load_pack
from casework.workflow.routing import PersonFacts, RoutingInput, route_case
from casework.workflow.texts import TEXT_FIELDS, choice_words, english, localise

WORKFLOW = Path(PACKS_DIR).parent
FILES = sorted([*PACKS_DIR.glob("*.toml"), *CLOCK_SETS_DIR.glob("*.toml"),
                *(WORKFLOW / "routes").glob("*.toml")])
#: Words French writes as English does.
SAME_IN_FRENCH = {"Police", "Ombudsman"}


def _texts(value):
    if isinstance(value, DomainText):
        yield english(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)


def _choices(value):
    """The words of the choices a route file's fields offer ("in_person": "In person")."""
    if isinstance(value, dict):
        if value.get("type") == "choice":
            yield from (english(choice_words(c)) for c in value.get("choices", ()))
        for v in value.values():
            yield from _choices(v)
    elif isinstance(value, list):
        for v in value:
            yield from _choices(v)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_file_translates_its_own_texts_into_french(path):
    """Each file on its own (the test over whole packs could pass on another file's table)."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    table = raw.get("translations", {}).get("fr", {})
    texts = set(_texts(localise({k: v for k, v in raw.items() if k != "translations"})))
    texts |= set(_choices(raw))
    assert texts
    missing = sorted(texts - set(table))
    assert not missing, f"{path.name}: no French for\n" + "\n".join(missing)
    assert all(table[t].strip() and (table[t] != t or t in SAME_IN_FRENCH) for t in texts)
    unused = sorted(set(table) - texts)  # a key that matches no text is a typo or stale
    assert not unused, f"{path.name}: translations of nothing:\n" + "\n".join(unused)


def test_the_same_english_reads_the_same_in_french_in_every_file():
    """One table per language for all files: two files translating one text differently
    would show whichever was loaded last."""
    seen: dict[str, tuple[str, str]] = {}
    for path in FILES:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get(
            "translations", {}).get("fr", {})
        for text, french in table.items():
            first = seen.setdefault(text, (path.name, french))
            assert first[1] == french, f"{text!r}: {first} but {path.name} {french!r}"


def _copy_pack(tmp_path: Path, change) -> Path:
    text = (PACKS_DIR / "canada-federal.toml").read_text(encoding="utf-8")
    (tmp_path / "test-pack.toml").write_text(change(text), encoding="utf-8")
    return tmp_path


def test_a_text_with_no_translation_shows_in_english(tmp_path):
    folder = _copy_pack(tmp_path, lambda t: t.replace(
        'label = "Gross mismanagement in the public sector"',
        'label = "A text no pack translates"'))
    pack = load_pack("test-pack", load_routes(), directory=folder)
    with i18n.language("fr"):
        assert str(pack.categories["gross_mismanagement"].label) == "A text no pack translates"
        assert f"{pack.categories['danger'].label}".startswith("Un risque grave et précis")
        assert str(pack.organisation) == "Ministère fédéral exemple"
    assert str(pack.categories["danger"].label).startswith("A substantial and specific")


def test_a_language_the_pack_does_not_translate_shows_english():
    pack = load_pack("canada-federal", load_routes())
    with i18n.language("de"):
        assert str(pack.organisation) == "Example Federal Department"


def test_clock_sets_route_files_and_every_part_people_read_are_translated():
    routes = load_routes()
    pack = load_pack("nz-public-service", routes)
    with i18n.language("fr"):
        clock = pack.clock("disclosure", "deal_with")
        assert str(clock.label).startswith("Accuser réception de la divulgation")
        told = pack.milestone("disclosure", "told_discloser_timeframe")
        assert str(told.date).startswith("la date à laquelle")  # the question, not a date
        assert str(pack.support.kinds["union"]) == "Représentant syndical"
        assert str(pack.support.information[0]).startswith("Le Programme d'aide aux employés")
        assert str(pack.questions["made_elsewhere"].hint).startswith("Par exemple")
        assert str(pack.release_grounds["consent"].reporter_label) == "vous y avez consenti"
        assert str(routes["harassment"].state("options").witness_label).startswith(
            "On offre à la personne visée")
        assert str(routes["disclosure"].transitions_named("withdraw")[0].reporter_confirm
                   ).startswith("Retirer votre signalement")


def test_a_fields_choices_show_in_french_and_stay_keys():
    routes = load_routes()
    refer = routes["disclosure"].transitions_named("refer")[0]
    destination = next(f for f in refer.requires if f.name == "destination")
    assert "anti_corruption_body" in destination.choices  # the key the form posts
    with i18n.language("fr"):
        assert str(choice_words("anti_corruption_body")) == \
            "Organisme de lutte contre la corruption"
        assert str(choice_words("in_person")) == "En personne"
        assert str(choice_words("no_such_choice")) == "No such choice"  # English fallback
    assert choice_words("in_person") == "In person"


def test_no_key_citation_or_time_zone_is_a_text():
    assert not TEXT_FIELDS & {"key", "source", "timezone", "route", "name", "queue", "when",
                              "choices", "holidays", "languages", "jurisdiction"}
    pack = load_pack("canada-federal", load_routes())
    rule = pack.rules[0]
    assert type(rule.source) is str and type(rule.queue) is str
    assert type(pack.timezone) is str and type(pack.key) is str


def test_routing_reasons_are_english_in_a_french_moment():
    """They are kept with the case: a report lodged from a French page must not store French."""
    pack = load_pack("canada-federal", load_routes())
    directory = {1: PersonFacts(1, frozenset({"chief_executive"}))}
    with i18n.language("fr"):
        decision = route_case(pack, RoutingInput("disclosure", "danger", frozenset({1})),
                              directory)
        assert str(pack.queues["monitoring_officer"].label) != \
            "Senior Official for Values and Ethics"  # the moment is French
    assert decision.queue == "monitoring_officer"
    assert decision.reasons[0].startswith(
        "routed to Senior Official for Values and Ethics because: the Deputy Head is implicated")
    assert "Cadre" not in " ".join(decision.reasons)
