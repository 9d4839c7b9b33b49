"""A smoke run of bench/bench_pages.py: two small sizes, every page answered (the deep pages
both by page=200 and by following the keyset cursor), and the table of ratios it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def test_the_pages_benchmark_runs_and_reports_each_page():
    import bench_pages

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CASEWORK_BENCH_DATABASE_URL", None)  # a temporary SQLite file
    done = subprocess.run([sys.executable, "bench/bench_pages.py", "--sizes", "120,240",
                           "--repeat", "2", "--budget", "0.2"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    rows = dict(re.findall(r"^\| ([^|]+?) \| [\d.]+ \| [\d.]+ \| ([\d.]+) \| [\d.]+ \|$",
                           done.stdout, re.M))
    assert set(rows) == {label for label, _ in bench_pages.PAGES}
    assert rows["control: sign-in form (no case query)"]
    assert "api: deep page by next (cursor, page 200)" in rows
    assert "# 240 cases loaded" in done.stdout
