"""A smoke run of bench/bench_search.py: a few hundred cases with their word index, every
search page answered, and the figures it prints (each page against the list's first page)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_search_benchmark_runs_and_reports_each_page():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CASEWORK_BENCH_DATABASE_URL", None)  # a temporary SQLite file
    done = subprocess.run([sys.executable, "bench/bench_search.py", "--sizes", "400",
                           "--repeat", "3", "--budget", "1", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    pages = {row["page"]: row for row in rows}
    assert {row["size"] for row in rows} == {400} and len(pages) == 15
    assert pages["list: first page"]["vs_first_page"] == 1.0
    assert all(row["ms"] > 0 for row in rows)
    assert "word rows) loaded" in done.stdout
