"""docs/POLICIES.md, the traceability table, held to the code: every `source` string in the packs,
the clock sets and the route files, and every annual report's citation, appears in a row; every
test a row names exists; every row has a verdict from the allowed set; the summary counts the
rows."""

from __future__ import annotations

import ast
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from casework.services.annual_shapes import SHAPES
from casework.workflow.definitions import ROUTES_DIR
from casework.workflow.policy import CLOCK_SETS_DIR, PACKS_DIR

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "POLICIES.md"
VERDICTS = ("implemented", "partly", "missing", "out of scope")
ROW_ID = re.compile(r"[0-9A-Z]+(-[0-9A-Z]+)+")
TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(\[[^\]`]*\])?`")


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def rows() -> list[list[str]]:
    """The table rows of clauses: those whose first cell is a row id such as 002-12 or EU-03."""
    found = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and ROW_ID.fullmatch(cells(line)[0]):
            found.append(cells(line))
    return found


def verdict(row: list[str]) -> str:
    """The row's verdict; anything but "implemented" must say why after a colon."""
    last = row[-1]
    if last == "implemented":
        return last
    head, _, why = last.partition(": ")
    assert head in VERDICTS[1:] and why.strip(), f"{row[0]}: bad verdict {last!r}"
    return head


def sources() -> set[str]:
    """Every `source` string in the packs, clock sets and route files, at any depth."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "source" and isinstance(inner, str):
                    found.add(inner)
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for directory in (PACKS_DIR, CLOCK_SETS_DIR, ROUTES_DIR):
        for path in sorted(directory.glob("*.toml")):
            walk(tomllib.loads(path.read_text(encoding="utf-8")))
    return found


def test_the_table_has_rows_with_unique_ids_and_six_columns():
    table = rows()
    assert len(table) > 100
    assert all(len(row) == 6 for row in table), [row[0] for row in table if len(row) != 6]
    ids = Counter(row[0] for row in table)
    assert [i for i, n in ids.items() if n > 1] == []


def test_every_row_has_a_verdict_from_the_allowed_set():
    for row in rows():
        verdict(row)


def test_the_summary_counts_match_the_rows():
    text = DOC.read_text(encoding="utf-8")
    summary = text.split("## Summary", 1)[1].split("\n## ", 1)[0]
    stated = {c[0]: int(c[1]) for c in map(cells, summary.splitlines())
              if len(c) == 2 and c[1].isdigit()}
    counted = Counter(verdict(row) for row in rows())
    assert stated == {**{v: counted[v] for v in VERDICTS}, "total": len(rows())}


@pytest.mark.parametrize("source", sorted(sources()))
def test_every_source_string_appears_in_the_table(source):
    assert any(f'"{source}"' in " | ".join(row) for row in rows()), source


@pytest.mark.parametrize("key", sorted(SHAPES))
def test_every_annual_report_citation_appears_in_the_table(key):
    citation = SHAPES[key].citation
    assert any(f'"{citation}"' in " | ".join(row) for row in rows()), citation


def test_every_named_test_exists():
    defined: dict[str, set[str]] = {}
    missing = []
    for row in rows():
        for path, name, _ids in TEST.findall(row[4]):
            if path not in defined:
                file = ROOT / path
                tree = ast.parse(file.read_text(encoding="utf-8")) if file.is_file() else None
                defined[path] = {n.name for n in ast.walk(tree) if isinstance(
                    n, ast.FunctionDef | ast.AsyncFunctionDef)} if tree else set()
            if name not in defined[path]:
                missing.append(f"{row[0]}: {path}::{name}")
    assert missing == []


def test_an_implemented_row_names_a_test_and_every_row_names_tests_or_none():
    for row in rows():
        named = TEST.findall(row[4])
        assert named or row[4] == "none", f"{row[0]}: {row[4]!r}"
        if verdict(row) == "implemented":
            assert named, f"{row[0]} is implemented but names no test"


def test_the_document_stands_on_its_own():
    text = DOC.read_text(encoding="utf-8")
    assert not re.search(r"\.\./shared|/work/", text)
    for seed in ("000_045e525fe5c12ba5.txt", "001_28fb675f55722052.txt",
                 "002_eed89ac6952c09d8.txt", "003_54793827a5d926c0.txt",
                 "004_b5c0eb3489893e46.txt"):
        assert seed in text
