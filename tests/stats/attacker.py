"""The attacker: every published number of every release is a constraint on the finest cells.

Variables are integer case counts per (calendar quarter, value of every dimension used by any
release). A published 0 is exact; a published count r (rounding 5) means r-2 .. r+2 and at
least the threshold; a suppressed count means 1 .. threshold-1; a row left out of a release
(withheld) says nothing. For every row whose exact count is small (1 .. threshold-1, published
as suppressed or withheld) the attacker minimises and maximises it with scipy's MILP solver; a
range narrower than MIN_RANGE (max - min < 3) is a breach.

An insider who knows one case knows its quarter and its values, so that finest cell holds at
least one case; subtracting that case from the rows containing it does not change any range, so
the extra lower bound is all the insider adds.

Written independently of casework.stats.audit (only the period arithmetic is shared), so a
mistake in the audit's reasoning cannot hide here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import product

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from casework.stats.periods import quarter_of, quarters_within
from casework.stats.tables import Release

MIN_RANGE = 3
MOST = 10_000
Case = tuple[date, Mapping[str, str]]


@dataclass(frozen=True)
class Breach:
    period: str
    row: dict
    low: int
    high: int
    insider_cell: tuple | None = None


def all_keys(dims: Sequence[str], domains: Mapping[str, Sequence[str]]) -> list[tuple]:
    """Every row a release by dims can hold: cells, one-way margins, the grand total."""
    n = len(dims)
    keys = list(product(*(domains[d] for d in dims))) if n else []
    for i, dim in enumerate(dims if n > 1 else ()):
        keys += [tuple(value if j == i else None for j in range(n)) for value in domains[dim]]
    return [*keys, (None,) * n]


def published_range(row: dict, threshold: int, rounding: int) -> tuple[int, int]:
    """What a published row tells a reader who knows the rules."""
    assert rounding % 2 == 1, "the attacker models odd rounding bases (1 = exact, 5)"
    if row["suppressed"]:
        return 1, threshold - 1
    if row["count"] == 0:
        return 0, 0
    half = rounding // 2
    return max(row["count"] - half, threshold), row["count"] + half


class Attacker:
    """feasible: rules anyone can read (which combinations of values a case can have, as in
    Tally.feasible); the attacker fixes every other cell at 0."""

    def __init__(self, releases: Sequence[Release], domains: Mapping[str, Sequence[str]],
                 feasible: Mapping[tuple[str, ...], frozenset[tuple]] | None = None):
        self.dims = list(dict.fromkeys(d for r in releases for d in r.dims))
        quarters = sorted({q for r in releases for q in quarters_within(r.period)})
        self.cells = list(product(quarters, *(domains[d] for d in self.dims)))
        self.cell_index = {cell: i for i, cell in enumerate(self.cells)}
        self.targets: list[tuple[Release, tuple, np.ndarray]] = []
        rows, lower, upper = [], [], []
        for release in releases:
            published = {tuple(row[d] for d in release.dims): row
                         for row in release.as_dict()["rows"]}
            for key in all_keys(release.dims, domains):
                vector = self._vector(release, key)
                self.targets.append((release, key, vector))
                if key in published:
                    low, high = published_range(published[key], release.profile.threshold,
                                                 release.profile.rounding)
                    rows.append(vector)
                    lower.append(low)
                    upper.append(high)
        self.matrix = np.array(rows).reshape(len(rows), len(self.cells))
        self.lower, self.upper = np.array(lower), np.array(upper)
        # A published 0 fixes its cells at 0: solve over the other cells only (faster, same answer).
        self.free = ~self.matrix[self.upper == 0].any(axis=0)
        self.free &= ~np.array([self._impossible(cell, feasible or {}) for cell in self.cells],
                               dtype=bool)
        open_rows = self.upper > 0
        self.constraint = LinearConstraint(self.matrix[open_rows][:, self.free],
                                           self.lower[open_rows], self.upper[open_rows])

    def _impossible(self, cell: tuple, feasible: Mapping) -> bool:
        for group, combos in feasible.items():
            where = [(i, self.dims.index(d)) for i, d in enumerate(group) if d in self.dims]
            if len(where) > 1 and not any(all(c[i] == cell[1 + j] for i, j in where)
                                          for c in combos):
                return True
        return False

    def _vector(self, release: Release, key: tuple) -> np.ndarray:
        where = [self.dims.index(d) for d in release.dims]
        return np.array([
            release.period.covers(cell[0])
            and all(v is None or cell[1 + i] == v for i, v in zip(where, key, strict=True))
            for cell in self.cells], dtype=float)

    def truth(self, cases: Sequence[Case]) -> np.ndarray:
        x = np.zeros(len(self.cells))
        for lodged, values in cases:
            cell = (quarter_of(lodged), *(values[d] for d in self.dims))
            if cell in self.cell_index:
                x[self.cell_index[cell]] += 1
        return x

    def breaches(self, cases: Sequence[Case], insiders: Sequence[Case] = ()) -> list[Breach]:
        """Small counts the published numbers narrow below MIN_RANGE, for an outsider and for an
        insider who knows any one of the given cases (each insider on their own)."""
        x = self.truth(cases)
        found = self.matrix @ x
        assert np.all(found >= self.lower) and np.all(found <= self.upper), \
            "the releases contradict the data: the attacker's model is wrong"
        position = np.cumsum(self.free) - 1
        cells = {(quarter_of(lodged), *(values[d] for d in self.dims))
                 for lodged, values in insiders}
        known = sorted(int(position[self.cell_index[c]]) for c in cells if c in self.cell_index)
        breaches, seen = [], set()
        for release, key, vector in self.targets:
            if not 1 <= vector @ x < release.profile.threshold or vector.tobytes() in seen:
                continue
            seen.add(vector.tobytes())
            vector = vector[self.free]
            outsider = [self._solve(sign * vector, set()) for sign in (1, -1)]
            for cell in [None, *known]:
                # An optimum that already has a case in the insider's cell stays optimal.
                least, most = (
                    sign * (fun if cell is None or solution[cell] >= 0.5
                            else self._solve(sign * vector, {cell})[0])
                    for sign, (fun, solution) in zip((1, -1), outsider, strict=True))
                if most - least < MIN_RANGE:
                    row = dict(zip(release.dims, key, strict=True))
                    insider = None if cell is None else self.cells[np.flatnonzero(self.free)[cell]]
                    breaches.append(Breach(release.period.key, row, round(least), round(most),
                                           insider))
        return breaches

    def _solve(self, objective: np.ndarray, known: set[int]) -> tuple[float, np.ndarray]:
        low = np.array([1.0 if i in known else 0.0 for i in range(len(objective))])
        result = milp(objective, integrality=np.ones(len(objective)),
                      bounds=Bounds(low, np.full(len(objective), MOST)),
                      constraints=[self.constraint])
        assert result.success, result.message
        return result.fun, result.x
