"""docs/API.md against the code: the commands and their options, the route and queue tables, the
endpoints with their statuses, and what section 4 says is not served yet."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click
import pytest
from flask import Flask

from casework.api import init_api
from casework.api.spec import build_openapi
from casework.cli import main
from casework.workflow.definitions import ROUTES_DIR, load_routes
from casework.workflow.policy import PACKS_DIR, load_pack
from scripts import api_doc

TEXT = api_doc.DOC.read_text()
ENDPOINT = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)(?:\?(\w+)=[^`]*)?`")
ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)` \|.*\| ([\d, ]+) \|$", re.M)


def section(number: int) -> str:
    """One numbered section of the page, up to the next heading of its level."""
    found = re.search(rf"^## {number}\. .*?(?=^## )", TEXT, re.M | re.S)
    assert found, f"docs/API.md has no section {number}"
    return found.group(0)


# -- 1. The command line ------------------------------------------------------------------------


def commands(group: click.Group = main, path: str = "casework") -> dict[str, click.Command]:
    """Every command the `casework` program has, by its full name (a group that does its own
    work without a subcommand, such as `casework backup --out DIR`, is one too)."""
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= commands(command, f"{path} {name}")
            if command.invoke_without_command:
                found[f"{path} {name}"] = command
        else:
            found[f"{path} {name}"] = command
    return found


def command_rows() -> dict[str, str]:
    """Section 1's table: the command's name → the synopsis in its first cell."""
    rows = {}
    for synopsis in re.findall(r"^\| `(casework [^`]+)` \|", section(1), re.M):
        name = re.match(r"casework(?: [a-z][a-z-]*)+", synopsis).group(0)
        assert name not in rows, f"{name} has two rows"
        rows[name] = synopsis
    return rows


def names_of(command: click.Command) -> tuple[set[str], set[str]]:
    """A command's long options and its arguments (as the synopsis writes them)."""
    options = {o for p in command.params if isinstance(p, click.Option) for o in p.opts}
    arguments = {p.name.upper() for p in command.params if isinstance(p, click.Argument)}
    return options, arguments


def test_every_command_has_a_row_and_every_row_a_command():
    assert set(command_rows()) == set(commands())


@pytest.mark.parametrize("name", sorted(commands()))
def test_a_row_names_exactly_the_commands_options(name):
    synopsis = command_rows().get(name, "")
    options, arguments = names_of(commands()[name])
    assert set(re.findall(r"--[a-z][a-z-]*", synopsis)) == options
    assert {a for a in arguments if not re.search(rf"\b{a}\b", synopsis)} == set()


def test_the_help_points_to_this_page():
    assert "docs/API.md" in main.help


# -- 2. Routes, states, transitions and queues ------------------------------------------------


def test_the_generated_tables_are_what_the_route_files_and_the_pack_give():
    held, made = api_doc.blocks(TEXT), api_doc.generated()
    assert set(held) == set(made), "a route without its table, or a table without its route"
    stale = sorted(name for name in made if held[name] != made[name])
    assert not stale, f"out of date: {stale}; run .venv/bin/python scripts/api_doc.py --write"


@pytest.mark.parametrize("pack", sorted(p.stem for p in PACKS_DIR.glob("*.toml")))
def test_every_shipped_pack_has_the_queues_the_page_shows(pack):
    routes = load_routes()
    assert api_doc.queue_table(load_pack(pack, routes)) == api_doc.generated()["queues"]


ADDITIONS = {
    "a state and the transitions in and out of it": (
        'to = "assessment"\nwho = ["handler"]\n',
        'to = "assessment"\nwho = ["handler"]\n\n[[transitions]]\nkey = "park"\n'
        'from = ["received"]\nto = "parked"\nwho = ["handler"]\n\n[[transitions]]\n'
        'key = "unpark"\nfrom = ["parked"]\nto = "assessment"\nwho = ["handler"]\n\n'
        '[states.parked]\nlabel = "Parked"\n'),
    "a required field": (
        'to = "assessment"\nwho = ["handler"]\n',
        'to = "assessment"\nwho = ["handler"]\n[transitions.requires.note]\ntype = "text"\n'),
}


@pytest.mark.parametrize("change", sorted(ADDITIONS))
def test_a_route_file_changed_without_the_page_fails_the_check(change, tmp_path):
    shutil.copytree(ROUTES_DIR, tmp_path, dirs_exist_ok=True)
    source = tmp_path / "disclosure.toml"
    old, new = ADDITIONS[change]
    assert old in source.read_text()
    source.write_text(source.read_text().replace(old, new, 1))
    changed = api_doc.route_table(load_routes(tmp_path)["disclosure"])
    assert changed != api_doc.blocks(TEXT)["route_disclosure"]


# -- 3. The HTTP API ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> set[tuple[str, str]]:
    """Every method and path the app serves under /api/v1 (the document's own pages too)."""
    app = Flask("probe")
    init_api(app)
    return {(method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")))
            for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


@pytest.fixture(scope="module")
def document(served) -> dict:
    """The OpenAPI document (after `served` has loaded every endpoint module)."""
    return build_openapi()


def operations(document: dict) -> dict[tuple[str, str], set[int]]:
    return {(method.upper(), path): {int(code) for code in item["responses"]}
            for path, methods in document["paths"].items() for method, item in methods.items()}


def rows() -> dict[tuple[str, str], set[int]]:
    """Section 3's endpoint rows: (method, path) → the statuses in the last cell."""
    found = {}
    for method, path, statuses in ROW.findall(section(3)):
        assert (method, path) not in found, f"{method} {path} has two rows"
        found[method, path] = {int(s) for s in statuses.split(",")}
    return found


def test_every_operation_in_the_document_has_a_row(document):
    assert set(operations(document)) - set(rows()) == set()


def test_every_row_is_served(served):
    assert set(rows()) - served == set()
    assert served - set(rows()) == set()


def test_each_row_gives_the_statuses_of_the_document(document):
    """414 (the server's answer to an over-long request line) is said once, in the table of
    statuses, not in every row."""
    documented = {op: statuses - {414} for op, statuses in operations(document).items()}
    differ = {f"{m} {p}": (sorted(s), sorted(documented[m, p]))
              for (m, p), s in rows().items() if (m, p) in documented and s != documented[m, p]}
    assert differ == {}, "(page, document)"


def test_what_section_4_lists_is_not_served(served, document):
    listed = ENDPOINT.findall(section(4))
    assert listed or "Nothing at present" in section(4), "section 4 names no endpoint"
    for method, path, parameter in listed:
        if not parameter:
            assert (method, path) not in served, f"{method} {path} is served: move it to section 3"
            continue
        item = document["paths"][path][method.lower()]
        names = {p["name"] for p in item.get("parameters", ())}
        assert parameter not in names, f"{method} {path}?{parameter}= is served: document it"


def test_what_section_4_lists_is_not_a_command_yet():
    listed = re.findall(r"`(casework [^`]+)`", section(4))  # none, once all are served
    for synopsis in listed:
        name = re.match(r"casework(?: [a-z][a-z-]*)+", synopsis).group(0)
        command = commands().get(name)
        if command is not None:
            options, _ = names_of(command)
            assert set(re.findall(r"--[a-z][a-z-]*", synopsis)) - options, (
                f"`{synopsis}` works now: move it to section 1")


def test_nothing_points_outside_the_repository():
    """The repository stands on its own: no source file, test, script or doc cites a contract
    or design folder outside it (its own docs carry the contract)."""
    root = Path(__file__).resolve().parent.parent
    places = [root / "README.md", root / "Makefile", root / "pyproject.toml",
              *(root / ".ci").iterdir(), *(root / "scripts").iterdir(),
              *(root / "docs").rglob("*.md"), *(root / "templates").rglob("*.html"),
              *(root / "bench").rglob("*.py"), *(root / "migrations").rglob("*.py"),
              *(root / "tests").rglob("*.py"),
              *(root / "casework").rglob("*.py"), *(root / "casework").rglob("*.toml")]
    outside = re.compile("|".join([r"\.\./shared", "shared design folder", r"CONTRACT\.md",
                                   "CONTRACT §", "CONTRACT section", r"CONTRACT \d"]))
    pointing = [str(p.relative_to(root)) for p in places
                if p.is_file() and p != Path(__file__) and outside.search(p.read_text())]
    assert pointing == []
