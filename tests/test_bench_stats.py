"""Smoke runs of bench/bench_stats.py (a release against the raw GROUP BY) and
bench/bench_annual.py (the annual report's first showing and showing it again): small sizes,
every figure printed, so that the scripts behind issue 18's statistics figures do not rot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CASEWORK_BENCH_DATABASE_URL", None)  # a temporary SQLite file
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=True).stdout


def test_the_statistics_benchmark_prints_each_way_against_the_raw_group_by():
    out = run("bench/bench_stats.py", "--sizes", "60,120", "--repeat", "1")
    rows = dict(re.findall(r"^\| ([^|]+?) \| [\d.]+ \| [\d.]+ \| [\d.]+ \| ([\d.]+) \|$",
                           out, re.M))
    assert set(rows) == {"raw GROUP BY", "release (counts)", "release with measures",
                         "stored release again"}
    assert float(rows["raw GROUP BY"]) == 1.0


def test_the_annual_benchmark_prints_its_first_showing_and_the_programs_it_solved():
    out = run("bench/bench_annual.py", "--sizes", "12", "--repeat", "1")
    found = re.search(r"^\| 12 \| (\d+) \| ([\d,]+) \| (\d+) \|$", out, re.M)
    assert found, out
    assert "policy uk-council: annual reports monitoring-officer, eu-directive-art27" in out
