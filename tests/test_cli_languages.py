"""`casework languages template` and `check`: what an operator adding a language (te reo Māori,
Welsh) runs, with no code touched (docs/OPERATIONS.md, "Languages")."""

from __future__ import annotations

from babel.messages.pofile import read_po

from casework import i18n_tools
from tests.test_cli import casework, instance  # noqa: F401  (the scratch instance fixture)


def _po(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def test_the_commands_are_in_the_help(instance):  # noqa: F811
    assert "languages" in casework(instance, "--help").stdout
    listed = casework(instance, "languages", "--help").stdout
    assert "template" in listed and "check" in listed


def test_template_writes_every_marked_string_empty_or_with_the_languages_own(
        instance, tmp_path):  # noqa: F811
    marked = i18n_tools.extract()
    out = tmp_path / "mi.po"
    casework(instance, "languages", "template", "mi", "--out", str(out))
    with out.open("rb") as handle:
        entries = [m for m in read_po(handle) if m.id]
    ids = {i for m in entries for i in (m.id if isinstance(m.id, tuple) else (m.id,))}
    assert ids == set(marked)
    assert any(isinstance(m.id, tuple) for m in entries)  # plurals keep their forms together
    assert not any(f for m in entries
                   for f in (m.string if isinstance(m.string, tuple) else (m.string,)))
    assert "Language: mi" in out.read_text(encoding="utf-8")

    french = casework(instance, "languages", "template", "fr").stdout  # to standard output
    assert 'msgid "Skip to main content"\nmsgstr "Aller au contenu principal"' in french


def test_check_lists_what_is_missing_or_wrong_and_exits_1(instance, tmp_path):  # noqa: F811
    marked = sorted(i18n_tools.extract())
    with_vars = next(t for t in marked if "%(" in t)
    plain = next(t for t in marked if "%" not in t)
    folder = tmp_path / "catalogs" / "cy" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        f'msgid "{_po(with_vars)}"\nmsgstr "cy %(wrong)s"\n\n'
        f'msgid "{_po(plain)}"\nmsgstr ""\n', encoding="utf-8")
    env = {**instance, "CASEWORK_TRANSLATIONS_DIR": str(tmp_path / "catalogs")}
    result = casework(env, "languages", "check", "cy", check=False)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert "placeholders differ: " in result.stdout and repr(with_vars) in result.stdout
    assert any(line.startswith("empty: ") and repr(plain) in line for line in lines)
    assert any(line.startswith("missing: ") for line in lines)
    assert any(line.startswith("pack uk-council: no translation for ") for line in lines)
    assert lines[-1].startswith("cy: ") and " problems " in lines[-1]

    assert casework(env, "languages", "check", "en").returncode == 0
    bad = casework(env, "languages", "check", "Welsh!", check=False)
    assert bad.returncode == 2 and "not a language code" in bad.stderr


def test_a_complete_catalog_leaves_only_the_packs_own_words(instance, tmp_path, monkeypatch):  # noqa: F811
    """Every marked string translated (here, a copy of the English): what is left is the pack."""
    folder = tmp_path / "catalogs" / "mi" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    entries = "".join(f'msgid "{_po(t)}"\nmsgstr "{_po(t)}"\n\n'
                      for t in sorted(i18n_tools.extract()))
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n' + entries,
        encoding="utf-8")
    env = {**instance, "CASEWORK_TRANSLATIONS_DIR": str(tmp_path / "catalogs")}
    result = casework(env, "languages", "check", "mi", check=False)
    # the pack's own words have no [translations.mi] tables: the only problems listed
    assert result.returncode == 1
    assert all(line.startswith("pack uk-council: ")
               for line in result.stdout.splitlines()[:-1]), result.stdout[:2000]
