"""A first run as a newcomer makes it (issue 15): a command run where no database is refuses
with the paths it looked at and creates nothing; the demo says which login sees which case,
prints its receipts again on request, files its reports under the right categories and has a
finished year of cases for the statistics; a CSV on stdout is only CSV."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date

from tests.test_cli import casework, instance  # noqa: F401  (the scratch-instance fixture)


def test_a_command_where_no_database_is_refuses_and_creates_nothing(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env["CASEWORK_SECRET_KEY"] = "first-run"
    result = subprocess_in(elsewhere, env, "demo")
    assert result.returncode == 1
    assert "no database here: run `casework db upgrade`" in result.stderr
    assert str(elsewhere / "instance" / "casework.db") in result.stderr
    assert str(elsewhere / "instance" / "casework.key") in result.stderr
    assert "Traceback" not in result.stderr
    assert not (elsewhere / "instance" / "casework.key").exists()
    assert not (elsewhere / "instance" / "casework.db").exists()


def subprocess_in(cwd, env, *args):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**env, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-m", "casework.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_database_url_without_the_schema_gets_no_key(instance, tmp_path):  # noqa: F811
    """The URL names a database (an SQLite file or a PostgreSQL database) that was never
    upgraded: refused, and no key is made for it."""
    if instance["CASEWORK_DATABASE_URL"].startswith("sqlite"):
        (tmp_path / "cli.db").write_bytes(b"")  # the file exists, empty
    refused = casework(instance, "users", "invite", "--email", "a@example.org", check=False)
    assert refused.returncode == 1 and "no database here" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "instance" / "casework.key").exists()


def test_an_unreachable_database_is_one_line_without_a_traceback(instance):  # noqa: F811
    env = {**instance, "CASEWORK_DATABASE_URL": "postgresql+psycopg://u:hidden@127.0.0.1:9/x"}
    refused = casework(env, "db", "upgrade", check=False)
    assert refused.returncode == 1
    assert "cannot use the database at postgresql+psycopg://u:***@127.0.0.1:9/x" in refused.stderr
    assert "Traceback" not in refused.stderr and "hidden" not in refused.stderr


def logins(output: str) -> dict[str, str]:
    """{email: what its 'sees:' line says}."""
    found, email = {}, None
    for line in output.splitlines():
        if m := re.match(r"\s+(\S+@demo\.casework\.example)\s", line):
            email = m.group(1)
        elif (m := re.match(r"\s+sees: (.*)$", line)) and email:
            found[email] = m.group(1)
    return found


def test_the_demo_says_who_sees_what_and_shows_its_receipts_again(instance, tmp_path):  # noqa: F811
    casework(instance, "db", "upgrade")
    first = casework(instance, "demo").stdout
    receipts = re.findall(r"^\s+(CW-\w+)\s+([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})$", first, re.M)
    assert len(receipts) == 3
    seen = logins(first)
    assert seen["intake@demo.casework.example"].startswith("none of this year's demo cases; ")
    # The contracts steered to a friend's firm, implicating the Chief Executive: corruption,
    # for the Monitoring Officer; never seen by the Chief Executive.
    assert re.fullmatch(r"CW-\w+ \(disclosure, bribery_corruption\); \d+ of last year's",
                        seen["mo@demo.casework.example"])
    assert seen["ce@demo.casework.example"].startswith("none of this year's")
    assert seen["admin@demo.casework.example"] == "none of this year's demo cases; 0 of last year's"
    refs = {ref for ref, _ in receipts}
    assert {re.match(r"CW-\w+", seen[f"{who}@demo.casework.example"]).group(0)
            for who in ("mo", "audit", "hr")} == refs
    again = casework(instance, "demo").stdout
    assert "CW-" not in again.split("sees:")[0] and "casework demo --show" in again
    shown = casework(instance, "demo", "--show").stdout
    assert re.findall(r"^\s+(CW-\w+)\s+(\S+)$", shown, re.M) == receipts
    kept = tmp_path / "instance" / "demo-receipts"
    assert kept.stat().st_mode & 0o777 == 0o600


def test_demo_show_without_a_demo_says_so(instance):  # noqa: F811
    casework(instance, "db", "upgrade")
    refused = casework(instance, "demo", "--show", check=False)
    assert refused.returncode == 1 and "run `casework demo` first" in refused.stderr


def test_stats_export_of_last_year_is_only_csv_on_stdout(instance):  # noqa: F811
    casework(instance, "db", "upgrade")
    casework(instance, "demo")
    last_year = str(date.today().year - 1)
    result = casework(instance, "stats", "export", "--by", "route", "--period", last_year)
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["route", "count", "suppressed"]
    assert all(len(row) == 3 for row in rows), rows  # no footnote, no blank line
    counts = {row[0]: row for row in rows[1:]}
    # Last year's demo cases are enough for a published count in each route.
    assert counts["disclosure"][2] == "no" and int(counts["disclosure"][1]) >= 5
    assert counts["harassment"][2] == "no"
    assert f"period {last_year}" in result.stderr
    annual = casework(instance, "stats", "annual", "--period", last_year)
    lines = list(csv.reader(io.StringIO(annual.stdout)))
    assert all(len(row) == len(lines[0]) for row in lines)
    assert "counts from 1 to" in annual.stderr.lower()


def test_readme_exports_a_finished_period():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for period in re.findall(r"stats (?:export|annual)[^`]*--period (\d{4})", readme):
        assert int(period) < date.today().year, period
