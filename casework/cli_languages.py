"""`casework languages`: what a translator needs to add a language, and whether it is complete
(docs/OPERATIONS.md, "Languages")."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


def _code(value: str | None) -> str:
    if value and not CODE.fullmatch(value):
        raise click.BadParameter(f"{value!r} is not a language code such as mi, cy or fr_CA")
    return value or ""


@click.group()
def languages() -> None:
    """The languages of the pages, emails and messages: templates for translators, checks."""


@languages.command("template")
@click.argument("lang", required=False)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write the .po file here instead of standard output")
def languages_template(lang: str | None, out: Path | None) -> None:
    """Write a .po file of every string to translate: empty, or with LANG's translations where
    it has them, for a translator to fill in and put in the catalog folder."""
    from casework import i18n_tools

    body = i18n_tools.template(_code(lang))
    if out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    out.write_bytes(body)
    click.echo(f"wrote {out}: {len(i18n_tools.extract())} strings", err=True)


@languages.command("check")
@click.argument("lang")
def languages_check(lang: str) -> None:
    """List what LANG lacks: strings missing from its catalogs, left empty, or with other
    placeholders than the English, and the policy pack's own words with no translation in
    its [translations.LANG] tables. Exit 1 if anything is listed."""
    from casework import i18n, i18n_tools
    from casework.config import Settings
    from casework.workflow.definitions import DefinitionError

    code = _code(lang)
    if code == i18n.SOURCE:
        click.echo(f"{code} is the language Casework is written in: nothing to translate")
        return
    problems = i18n_tools.check(code)
    policy = Settings.from_env().policy
    try:
        pack_words = i18n_tools.untranslated_pack_texts(code, policy)
    except DefinitionError as exc:
        raise click.ClickException(str(exc)) from exc
    for kind, lines in (("missing", problems.missing), ("empty", problems.empty),
                        ("placeholders differ", problems.placeholders)):
        for line in lines:
            click.echo(f"{kind}: {line}")
    for text in pack_words:
        click.echo(f"pack {policy}: no translation for {text!r}")
    count = len(problems.missing) + len(problems.empty) + len(problems.placeholders) + \
        len(pack_words)
    total = len(i18n_tools.extract())
    if count:
        click.echo(f"{code}: {count} problems ({total} strings in the code)")
        sys.exit(1)
    click.echo(f"{code} is complete: {total} strings, and the {policy} pack's own words")
