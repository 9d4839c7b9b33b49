"""The bombs from the outside attack cost an upload a bounded amount of memory: each is sent
through the app in a fresh process (bench/bench_upload_memory.py) and the peak measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOMBS = ["docx zip bomb", "144-megapixel PNG"]
BUDGET_MB = 100  # above the idle process, for any single upload


@pytest.fixture(scope="module")
def measured() -> list[dict]:
    """One figure per bomb and route, as the benchmark prints them."""
    args = [sys.executable, "bench/bench_upload_memory.py", "--json", "--routes", "api,form"]
    for name in BOMBS:
        args += ["--only", name]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_each_bomb_was_sent_by_each_route(measured):
    assert sorted((m["file"], m["route"]) for m in measured) == sorted(
        (name, route) for name in BOMBS for route in ("api", "form"))


def test_bombs_are_refused_with_a_message(measured):
    for m in measured:
        assert m["status"] == 422, m
        assert "was not stored" in m["answer"], m
        assert "unpacks to far more" in m["answer"] or "too large" in m["answer"], m


def test_bombs_cost_bounded_memory(measured):
    for m in measured:
        assert m["delta_mb"] < BUDGET_MB, m
