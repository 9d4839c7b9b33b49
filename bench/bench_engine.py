"""Engine throughput in memory: decisions per second over a mix of allowed and refused attempts.

Run from the repository root: `.venv/bin/python bench/bench_engine.py [seconds]`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casework.workflow.definitions import load_routes  # noqa: E402
from casework.workflow.engine import Decision, Snapshot, decide  # noqa: E402

HANDLER, REPORTER = frozenset({"handler"}), frozenset({"reporter"})
INVESTIGATOR, MAKER = frozenset({"investigator"}), frozenset({"decision_maker"})

# (route, state, facts, actor, key, fields): a realistic spread of allowed and refused attempts.
ATTEMPTS = [
    ("disclosure", "received", {}, HANDLER, "acknowledge", {}),
    ("disclosure", "assessment", {}, HANDLER, "accept_for_investigation",
     {"protected": True, "reason": "Misuse of public money."}),
    ("disclosure", "assessment", {}, HANDLER, "refer",
     {"destination": "ombudsman", "reason": "For the ombudsman."}),
    ("disclosure", "investigation", {}, INVESTIGATOR, "record_findings",
     {"finding": "substantiated", "reason": "Corroborated."}),
    ("disclosure", "feedback", {"finding": "malicious"}, HANDLER, "give_feedback",
     {"message": "Thank you."}),
    ("disclosure", "received", {}, REPORTER, "acknowledge", {}),  # 403
    ("disclosure", "closed", {}, HANDLER, "withdraw", {}),  # 409
    ("disclosure", "assessment", {}, HANDLER, "accept_for_investigation",
     {"protected": "yes"}),  # 422
    ("harassment", "options", {}, REPORTER, "choose_informal", {}),
    ("harassment", "informal", {}, HANDLER, "resolved",
     {"admitted": True, "reporter_satisfied": True, "confirmed_how": "phone"}),
    ("harassment", "informal", {}, REPORTER, "resolved", {}),  # the complainant's own word
    ("harassment", "informal", {}, HANDLER, "resolved",
     {"admitted": True, "reporter_satisfied": False, "confirmed_how": "phone"}),  # 422
    ("harassment", "findings", {"finding": "substantiated"}, MAKER, "record_action",
     {"action": "Training."}),
    ("harassment", "findings", {}, MAKER, "record_action", {"action": "Training."}),  # guard
    ("harassment", "reported", {}, HANDLER, "no_such_step", {}),  # unknown
    ("harassment", "self_help", {}, REPORTER, "withdraw", {}),
]


def main(seconds: float = 2.0) -> None:
    """Decide the attempts round-robin for about `seconds` and print the rate."""
    routes = load_routes()
    prepared = [
        (routes[r], Snapshot(state, facts), actor, key, fields)
        for r, state, facts, actor, key, fields in ATTEMPTS
    ]
    allowed = sum(isinstance(decide(*p), Decision) for p in prepared)
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for route, snapshot, actor, key, fields in prepared:
            decide(route, snapshot, actor, key, fields)
        count += len(prepared)
    elapsed = time.perf_counter() - start
    print(f"mix: {allowed} allowed, {len(prepared) - allowed} refused per round")
    print(f"engine_decisions_per_s: {count / elapsed:.0f}")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
