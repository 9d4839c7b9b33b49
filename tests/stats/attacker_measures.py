"""Measures published before issue 19, as constraints on the finest groups.

Per crossed group: a (cases acknowledged, at most the cases), m and k (clocks met and missed,
together at most the route's clocks per case times the cases). A shown share s of clocks met
is round(100 m / (m + k)) over the row's groups, and m + k is at least the threshold; days to
acknowledge shown means at least the threshold acknowledged, not shown fewer; days to close
likewise with the closed cases (outcome other than open).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

FAMILIES = ("acknowledged", "clocks_met", "clocks_missed")


def add_measures(model) -> None:
    """Append the families' variables and the measures' constraints to model.A, lo, hi."""
    published = model.published
    if not published.measures:
        return
    n = len(model.cells)
    base = model.size
    model.families = {f: base + i * n for i, f in enumerate(FAMILIES)}
    model.size = base + len(FAMILIES) * n
    width = model.size
    a, m, k = (model.families[f] for f in FAMILIES)
    routes = model.values["route"]
    per_case = np.array([model.clocks_per_case.get(r, 0) for r in routes], float)
    for c in range(n):
        _row(model, {a + c: 1, c: -1}, -np.inf, 0, width)
        _row(model, {m + c: 1, k + c: 1, c: -per_case[c]}, -np.inf, 0, width)
    threshold = published.threshold
    for period, key, name, value in published.measures:
        if any(d not in model.crossed for d, _ in key):
            continue
        cells = np.flatnonzero(model.mask(period, key))
        if name == "days_to_acknowledge":
            _row(model, {a + c: 1 for c in cells}, *_shown(value, threshold), width)
        elif name == "days_to_close" and "outcome" in model.crossed:
            closed = [c for c in cells if model.values["outcome"][c] != "open"]
            _row(model, dict.fromkeys(closed, 1), *_shown(value, threshold), width)
        elif name == "clocks_met_share" and value is not None:
            s = int(value)
            # (2s - 1)(M + K) <= 200 M <= (2s + 1)(M + K) - 1, and M + K >= threshold.
            _row(model, {**{m + c: (2 * s - 1) - 200 for c in cells},
                         **{k + c: 2 * s - 1 for c in cells}}, -np.inf, 0, width)
            _row(model, {**{m + c: 200 - (2 * s + 1) for c in cells},
                         **{k + c: -(2 * s + 1) for c in cells}}, -np.inf, -1, width)
            _row(model, {**{m + c: 1 for c in cells}, **{k + c: 1 for c in cells}},
                 threshold, np.inf, width)


def _shown(value, threshold: int) -> tuple[float, float]:
    return (threshold, np.inf) if value is not None else (-np.inf, threshold - 1)


def _row(model, coefficients: Mapping[int, float], lo: float, hi: float, width: int) -> None:
    cols = list(coefficients)
    model.A.append(sp.csr_matrix((list(coefficients.values()), (np.zeros(len(cols), int), cols)),
                                 shape=(1, width)))
    model.lo.append(lo)
    model.hi.append(hi)


def measure_point(model, records: Sequence[Mapping], x: np.ndarray, index: Mapping) -> None:
    """The families' true values."""
    if not model.families:
        return
    for rec in records:
        q = model._quarter(rec["quarter"])
        if q is None:
            continue
        c = index[(model.quarters[q], *(rec[d] for d in model.crossed))]
        x[model.families["acknowledged"] + c] += rec["is_acknowledged"]
        x[model.families["clocks_met"] + c] += rec["clocks_met"]
        x[model.families["clocks_missed"] + c] += rec["clocks_missed"]
