"""The `casework` command as operators use it, in a subprocess against a scratch instance."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import PG_URL
from tests.scratch_db import scratch_database


@pytest.fixture
def instance(tmp_path):
    """A scratch instance: its own database (SQLite file, or a PostgreSQL scratch database)."""
    env = {**os.environ, "CASEWORK_INSTANCE_DIR": str(tmp_path / "instance"),
           "CASEWORK_SECRET_KEY": "cli-test"}
    env.pop("CASEWORK_KEY", None)
    if not PG_URL:
        env["CASEWORK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
        yield env
        return
    with scratch_database(PG_URL, tmp_path, "casework_cli") as url:
        env["CASEWORK_DATABASE_URL"] = url
        yield env


def casework(env, *args, check=True):
    """Run the command; returns the completed process."""
    result = subprocess.run([sys.executable, "-m", "casework.cli", *args], env=env,
                            capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_workflow_show_formats(instance):
    data = json.loads(casework(instance, "workflow", "show", "disclosure").stdout)
    assert data["route"] == "disclosure"
    assert {t["key"] for t in data["transitions"]} >= {"acknowledge", "give_feedback"}
    mermaid = casework(instance, "workflow", "show", "harassment", "--format", "mermaid").stdout
    assert mermaid.startswith("stateDiagram-v2") and "options --> informal" in mermaid
    dot = casework(instance, "workflow", "show", "harassment", "--format", "dot").stdout
    assert dot.lstrip().startswith("digraph") and "doublecircle" in dot
    unknown = casework(instance, "workflow", "show", "nope", check=False)
    assert unknown.returncode != 0 and "no route 'nope'" in unknown.stderr


def test_upgrade_users_demo_and_audit(instance):
    casework(instance, "db", "upgrade")
    casework(instance, "db", "upgrade")  # twice is harmless
    made = casework(instance, "users", "create", "--email", "i@example.org", "--password",
                    "a long enough password", "--role", "intake", "--queue", "intake").stdout
    lines = dict(line.split(": ", 1) for line in made.strip().splitlines())
    assert lines["id"].isdigit() and len(lines["totp_secret"]) >= 16
    admin = casework(instance, "users", "create", "--email", "a@example.org", "--password",
                     "a long enough password", "--role", "admin").stdout
    assert "totp_secret" not in admin
    dup = casework(instance, "users", "create", "--email", "a@example.org", "--password",
                   "a long enough password", "--role", "admin", check=False)
    assert dup.returncode != 0 and "exists already" in dup.stderr
    first = casework(instance, "demo").stdout
    assert "intake@demo.casework.example" in first and "Demo reports" in first
    again = casework(instance, "demo").stdout
    assert "intake@demo.casework.example" in again and "Demo reports" not in again
    verified = casework(instance, "audit", "verify").stdout
    assert "audit trail intact" in verified
    assert casework(instance, "retention", "purge", "--dry-run").stdout.startswith("would purge")


def test_refuses_to_start_without_the_key_once_data_exists(instance, tmp_path):
    casework(instance, "db", "upgrade")
    casework(instance, "demo")
    key_file = tmp_path / "instance" / "casework.key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    key_file.rename(tmp_path / "elsewhere.key")
    refused = casework(instance, "demo", check=False)
    assert refused.returncode != 0
    assert str(key_file) in refused.stderr and "will not start" in refused.stderr
    assert not key_file.exists()  # no new key was quietly made
