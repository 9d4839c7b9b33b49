"""The workflow and crypto layers stay free of web and database frameworks."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE_LAYERS = ["casework/workflow", "casework/crypto", "casework/stats", "casework/evidence"]
FORBIDDEN = ("flask", "werkzeug", "sqlalchemy")


def is_forbidden(module: str) -> bool:
    """Say whether an absolute module name belongs to a forbidden framework."""
    top = module.split(".")[0]
    return top in FORBIDDEN or top.startswith("flask_")


def forbidden_imports(path: Path, root: Path = ROOT) -> list[str]:
    """Return 'file:line: import name' for each forbidden import in a source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        rel = path.relative_to(root)
        found += [f"{rel}:{node.lineno}: import {name}" for name in names if is_forbidden(name)]
    return found


def test_checker_catches_each_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import flask\n"
        "from sqlalchemy.orm import Session\n"
        "def f():\n"
        "    import flask_login\n"
        "from werkzeug import security\n"
        "import json, flaskish\n"
        "from . import sqlalchemy\n"
    )
    assert sorted(forbidden_imports(sample, root=tmp_path)) == [
        "sample.py:1: import flask",
        "sample.py:2: import sqlalchemy.orm",
        "sample.py:4: import flask_login",
        "sample.py:5: import werkzeug",
    ]


@pytest.mark.parametrize("layer", PURE_LAYERS)
def test_pure_layers_import_no_frameworks(layer):
    files = sorted((ROOT / layer).rglob("*.py"))
    if layer == "casework/crypto":
        assert files, "crypto layer not found; is the test looking in the right place?"
    violations = [hit for path in files for hit in forbidden_imports(path)]
    assert not violations, "framework imports in a pure layer:\n" + "\n".join(violations)


def test_crypto_does_not_pull_frameworks_in_transitively():
    code = (
        "import sys, casework.crypto\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}"
        " or m.startswith('flask_')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
