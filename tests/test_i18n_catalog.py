"""The catalogs against the code: every string people read goes through them, and every
language shipped complete (English and French) has all of it, with the same placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework import i18n, i18n_tools
from casework.i18n import DomainText
from casework.workflow.policy import PACKS_DIR

COMPLETE = [code for code in i18n.COMPLETE if code != i18n.SOURCE]


@pytest.mark.parametrize("code", COMPLETE)
def test_every_marked_string_is_translated_with_the_same_placeholders(code):
    problems = i18n_tools.check(code)
    assert not problems.missing, f"{len(problems.missing)} not in the {code} catalog:\n" + \
        "\n".join(problems.missing[:40])
    assert not problems.empty, "untranslated:\n" + "\n".join(problems.empty[:40])
    assert not problems.placeholders, "placeholders differ:\n" + \
        "\n".join(problems.placeholders[:40])


def test_no_template_shows_english_that_is_not_marked_for_translation():
    found = list(i18n_tools.unmarked_template_text())
    assert not found, f"{len(found)} unmarked:\n" + "\n".join(found[:60])


def test_no_error_message_notice_or_form_label_is_left_unmarked():
    found = list(i18n_tools.unmarked_python_text())
    assert not found, f"{len(found)} unmarked:\n" + "\n".join(found[:60])


@pytest.mark.parametrize("code", COMPLETE)
@pytest.mark.parametrize("pack", sorted(p.stem for p in PACKS_DIR.glob("*.toml")))
def test_every_pack_and_route_text_people_read_is_translated(code, pack):
    texts = i18n_tools.pack_texts(pack)
    assert texts, "no DomainText found: the loader no longer marks the packs' texts"
    with i18n.language(code):
        missing = sorted(t for t in texts if i18n.domain_text(t) == t)
    assert not missing, f"{len(missing)} {pack} texts with no {code} translation:\n" + \
        "\n".join(missing[:40])


def test_the_check_finds_a_missing_string_and_a_changed_placeholder(tmp_path, monkeypatch):
    some = sorted(i18n_tools.extract().items())
    with_vars = next(t for t, _ in some if "%(" in t)
    plain = next(t for t, _ in some if "%" not in t)
    folder = tmp_path / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        f'msgid "{_po(with_vars)}"\nmsgstr "xx %(wrong)s"\n', encoding="utf-8")
    monkeypatch.setenv("CASEWORK_TRANSLATIONS_DIR", str(tmp_path))
    problems = i18n_tools.check("xx")
    assert any(repr(plain) in line for line in problems.missing)
    assert any(repr(with_vars) in line for line in problems.placeholders)


def test_an_operators_folder_adds_a_language_and_overrides_a_shipped_string(
        tmp_path, monkeypatch):
    folder = tmp_path / "mi" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Skip to main content"\nmsgstr "Peke ki te ihirangi matua"\n', encoding="utf-8")
    monkeypatch.setenv("CASEWORK_TRANSLATIONS_DIR", str(tmp_path))
    i18n.translations.cache_clear()
    try:
        assert "mi" in i18n.available()
        with i18n.language("mi"):
            assert i18n.gettext("Skip to main content") == "Peke ki te ihirangi matua"
            assert i18n.gettext("No such string") == "No such string"  # English fallback
    finally:
        i18n.translations.cache_clear()


def _po(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def test_domain_text_compares_as_english_and_shows_translated():
    i18n.add_domain_texts({"fr": {"A test label": "Une étiquette d'essai"}})
    label = DomainText("A test label")
    with i18n.language("fr"):
        assert label == "A test label" and hash(label) == hash("A test label")
        assert str(label) == f"{label}" == "Une étiquette d'essai"
        assert label.__html__() == "Une étiquette d&#39;essai"
        import json
        assert json.dumps(label) == '"A test label"'  # the API and stored JSON stay English
    assert str(label) == "A test label"


def test_the_shipped_catalogs_live_in_the_package():
    assert (Path(i18n.SHIPPED) / "fr" / "LC_MESSAGES").is_dir()


@pytest.mark.parametrize("code", COMPLETE)
def test_a_string_reads_the_same_in_every_file_of_a_language(code):
    """A language's catalog may be split into files, but one English string has one
    translation: which file wins would otherwise depend on the files' order."""
    from babel.messages.pofile import read_po

    found: dict[str, dict[str, str]] = {}
    for path in sorted((i18n.SHIPPED / code / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=code):
                if message.id:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    found.setdefault(key, {})[path.name] = str(message.string)
    differ = {k: v for k, v in found.items() if len(set(v.values())) > 1}
    assert not differ, "\n".join(f"{k!r}: {v}" for k, v in sorted(differ.items())[:20])
