"""A small world for tests of the audit on its own: three dimensions, the route rule of which
categories belong to which route, and random organisations over 2026 that keep it."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from casework.stats import Tally

DOMAINS = {"route": ("disclosure", "harassment"),
           "category": ("fraud", "conduct", "safety", "sexual"),
           "anonymous": ("anonymous", "named")}
FEASIBLE = {("route", "category"): frozenset({
    ("disclosure", "fraud"), ("disclosure", "conduct"), ("disclosure", "safety"),
    ("harassment", "conduct"), ("harassment", "sexual")})}


def organisation(seed: int, size: int) -> Tally:
    """size cases over 2026 with random values the route rules allow."""
    rnd = random.Random(seed)
    allowed = sorted(FEASIBLE["route", "category"])
    cases = []
    for _ in range(size):
        route, category = rnd.choice(allowed)
        cases.append((date(2026, rnd.randint(1, 12), rnd.randint(1, 28)),
                      {"route": route, "category": category,
                       "anonymous": rnd.choice(DOMAINS["anonymous"])}))
    return replace(Tally.from_cases(cases, DOMAINS), feasible=FEASIBLE)
