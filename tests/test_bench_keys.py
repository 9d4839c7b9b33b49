"""Smoke runs of bench/bench_rotation.py (outer-key rotation, full re-key, a raw bulk UPDATE of
the same rows) and bench/bench_intake.py (gunicorn intake ÷ the parallel argon2id rate): a few
cases, every figure printed, the checks inside them passed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def figures(stdout: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in stdout.splitlines() if ": " in line)


def bench_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CASEWORK_BENCH_DATABASE_URL", None)  # a temporary SQLite file
    return env


def test_the_rotation_benchmark_rotates_rekeys_and_compares():
    done = subprocess.run([sys.executable, "bench/bench_rotation.py", "--cases", "30",
                           "--batch", "7", "--note-bytes", "32"], cwd=ROOT, env=bench_env(),
                          capture_output=True, text=True, timeout=300, check=True)
    found = figures(done.stdout)
    assert found["keks_rewrapped_by_rotate"] == "1"  # one row, whatever the number of cases
    assert found["case_keys_rewrapped_by_rekey"] == "60"
    assert float(found["rekey_s"]) > 0 and float(found["rotate_s"]) > 0
    for name in ("raw_bulk_update_s", "rekey_over_raw_update",
                 "single_update_statement_s", "reencrypt_notes_s"):
        assert float(found[name]) >= 0, name


def test_the_intake_benchmark_measures_intake_against_the_kdf():
    done = subprocess.run([sys.executable, "bench/bench_intake.py", "--seconds", "2",
                           "--threads", "2"], cwd=ROOT, env=bench_env(), capture_output=True,
                          text=True, timeout=300, check=True)
    found = figures(done.stdout)
    assert found["database"] == "SQLite"
    assert float(found["intake_rps"]) > 0 and float(found["parallel_kdf_per_s"]) > 0
    assert abs(float(found["intake_over_kdf"]) - float(found["intake_rps"])
               / float(found["parallel_kdf_per_s"])) < 0.02
