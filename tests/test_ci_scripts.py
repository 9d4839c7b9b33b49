"""Cheap checks of the setup/CI scripts: syntax, wiring, and test-all's exit codes.

test-all is exercised with a stub pytest and a stub pg-test-server, so no
database or real test run is involved.
"""

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [ROOT / ".ci" / "run", ROOT / "scripts" / "test-all", ROOT / "scripts" / "pg-test-server"]

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")


@needs_bash
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_script_syntax_and_mode(script):
    assert script.is_file()
    assert os.access(script, os.X_OK), f"{script} is not executable"
    assert script.read_text().startswith("#!/usr/bin/env bash")
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_ci_run_calls_make_test():
    text = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in text
    assert "make test" in text
    assert "scripts/pg-test-server" in text
    assert "CASEWORK_TEST_DATABASE_URL" in text


@needs_make
def test_makefile_targets():
    def dry(*target):
        return subprocess.run(
            ["make", "-n", "-C", str(ROOT), *target],
            check=True, capture_output=True, text=True,
        ).stdout

    run = dry("run")
    assert "casework db upgrade" in run
    assert "casework demo" in run
    assert "casework run --host 127.0.0.1 --port 5000" in run
    assert "scripts/test-all" in dry("test")
    assert "--port 8123" in dry("run", "PORT=8123")
    for target in ("lint", "bench", "clean"):
        dry(target)


@needs_make
def test_make_run_installs_the_runtime_only_and_make_test_adds_the_test_extras():
    def everything(target):  # -B: as on a fresh machine, every step of the venv shown
        return subprocess.run(["make", "-n", "-B", "-C", str(ROOT), target], check=True,
                              capture_output=True, text=True).stdout

    installs = [line for line in everything("run").splitlines() if "pip install" in line]
    assert installs and all("test" not in line for line in installs), installs
    assert any(".[test," in line for line in everything("test").splitlines()
               if "pip install" in line)


def test_readme_says_how_to_change_the_port_and_call_the_venv_command():
    readme = (ROOT / "README.md").read_text()
    assert "make run PORT=" in readme
    assert ".venv/bin/casework" in readme


# ---- scripts/test-all behaviour, with stubs ------------------------------------

PG_URL = "postgresql+psycopg://u:secret@127.0.0.1:1/db"


@pytest.fixture
def stubs(tmp_path):
    """A fake venv whose pytest logs its args and DB URL, and fails on demand."""
    log = tmp_path / "calls.log"
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    pytest_stub = venv_bin / "pytest"
    pytest_stub.write_text(textwrap.dedent(f"""\
        #!/usr/bin/env bash
        url="${{CASEWORK_TEST_DATABASE_URL:-sqlite}}"
        echo "$url|$*" >> {log}
        echo "ran on ${{url%%:*}}"
        if [[ "$url" == sqlite ]]; then exit "${{STUB_SQLITE_RC:-0}}"; fi
        exit "${{STUB_PG_RC:-0}}"
        """))
    pytest_stub.chmod(0o755)
    pg_ok = tmp_path / "pg-ok"
    pg_ok.write_text(f"#!/usr/bin/env bash\necho '{PG_URL}'\n")
    pg_ok.chmod(0o755)
    pg_starts = tmp_path / "pg-starts"  # as if it had to start a server: says how to stop it
    pg_starts.write_text(f"#!/usr/bin/env bash\necho 'touch {tmp_path}/stopped' "
                         f">\"$CASEWORK_PGTEST_STOP_FILE\"\necho '{PG_URL}'\n")
    pg_starts.chmod(0o755)
    pg_missing = tmp_path / "pg-missing"
    pg_missing.write_text("#!/usr/bin/env bash\necho 'no postgres' >&2\nexit 1\n")
    pg_missing.chmod(0o755)

    def run(*args, pg=pg_ok, **env):
        full = {k: v for k, v in os.environ.items()
                if k not in ("CASEWORK_TEST_DATABASE_URL", "CI")}
        full.update(VENV=str(tmp_path / "venv"), CASEWORK_PG_TEST_SERVER=str(pg), **env)
        proc = subprocess.run(
            ["bash", str(ROOT / "scripts" / "test-all"), *args],
            env=full, capture_output=True, text=True,
        )
        calls = log.read_text().splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        return proc, calls

    run.pg_missing = pg_missing
    run.pg_starts = pg_starts
    run.pg_ok = pg_ok
    run.stopped = tmp_path / "stopped"
    return run


@needs_bash
def test_test_all_runs_sqlite_and_postgres_side_by_side_with_args(stubs):
    proc, calls = stubs("-k", "foo bar")
    assert proc.returncode == 0, proc.stderr
    assert sorted(calls) == sorted(["sqlite|-k foo bar", f"{PG_URL}|-k foo bar"])
    assert "secret" not in proc.stdout
    assert "[sqlite] ran on sqlite" in proc.stdout  # each run's lines say which run
    assert "[postgres] ran on postgresql+psycopg" in proc.stdout
    assert "SQLite: passed" in proc.stdout and "PostgreSQL" in proc.stdout


@needs_bash
def test_test_all_serial_runs_sqlite_then_postgres(stubs):
    proc, calls = stubs("-x", TEST_ALL_SERIAL="1")
    assert proc.returncode == 0, proc.stderr
    assert calls == ["sqlite|-x", f"{PG_URL}|-x"]
    assert "ran on sqlite" in proc.stdout and "[sqlite]" not in proc.stdout


@needs_bash
def test_test_all_uses_url_from_environment(stubs):
    url = "postgresql+psycopg://x:y@127.0.0.1:2/other"
    proc, calls = stubs(pg=stubs.pg_missing, CASEWORK_TEST_DATABASE_URL=url)
    assert proc.returncode == 0, proc.stderr
    assert sorted(calls) == sorted(["sqlite|", f"{url}|"])


@needs_bash
@pytest.mark.parametrize("failing", ["STUB_SQLITE_RC", "STUB_PG_RC"])
def test_test_all_fails_if_either_run_fails(stubs, failing):
    proc, calls = stubs(**{failing: "1"})
    assert proc.returncode != 0
    assert len(calls) == 2
    assert "FAILED" in proc.stdout


@needs_bash
def test_test_all_without_postgres_fails_in_ci(stubs):
    proc, calls = stubs(pg=stubs.pg_missing, CI="true")
    assert proc.returncode != 0
    assert calls == ["sqlite|"]
    assert "no PostgreSQL" in proc.stderr


@needs_bash
@pytest.mark.parametrize("sqlite_rc", [0, 3])
def test_test_all_without_postgres_warns_outside_ci(stubs, sqlite_rc):
    proc, calls = stubs(pg=stubs.pg_missing, STUB_SQLITE_RC=str(sqlite_rc))
    assert proc.returncode == sqlite_rc
    assert calls == ["sqlite|"]
    assert "ONLY SQLITE WAS TESTED" in proc.stderr


@needs_bash
def test_test_all_stops_the_postgres_server_it_started(stubs):
    proc, calls = stubs(pg=stubs.pg_starts)
    assert proc.returncode == 0, proc.stderr
    assert sorted(calls) == sorted(["sqlite|", f"{PG_URL}|"])
    assert stubs.stopped.exists() and "stopping the PostgreSQL server it started" in proc.stderr


@needs_bash
def test_test_all_leaves_a_server_it_did_not_start(stubs):
    proc, _ = stubs(pg=stubs.pg_ok)
    assert proc.returncode == 0 and not stubs.stopped.exists()
    proc, _ = stubs(pg=stubs.pg_starts, CASEWORK_TEST_DATABASE_URL=PG_URL)
    assert proc.returncode == 0 and not stubs.stopped.exists()


def test_ci_run_installs_the_backup_tools():
    text = (ROOT / ".ci" / "run").read_text()
    assert "command -v pg_dump" in text and "command -v pg_restore" in text
    assert "missing+=(postgresql-client)" in text


def test_ci_run_installs_node_and_the_test_openid_provider():
    text = (ROOT / ".ci" / "run").read_text()
    assert "missing+=(nodejs)" in text and "missing+=(npm)" in text
    assert "npm ci --prefix tests/oidc" in text
    assert (ROOT / "tests" / "oidc" / "package-lock.json").is_file()
