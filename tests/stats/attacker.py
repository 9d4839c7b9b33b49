"""The attacker: every published number of every release is a constraint on the finest groups.

Variables are integer case counts per finest group: a calendar quarter and a value of every
dimension some table crossed. A dimension only ever published on its own (department, queue)
gets one variable per quarter and value, tied to the quarter's total: any table of
department by anything else that fits the two totals is then possible, so this is exact. Rules
anyone can read (a category belongs to its routes; a declined case reached the declined stage)
and every published 0 leave groups out.

What a published row says depends on how it was made, which the answer states:
- `rounding` (before issue 19): 0 exact; suppressed 1 .. threshold-1; r means r-2 .. r+2 and at
  least the threshold; a withheld row says nothing.
- `cell key`: a count under the threshold is suppressed, and so is a zero where a group it lies
  in is suppressed, and in a table by a small unit (department, queue): there suppressed means
  0 .. threshold-1, elsewhere 1 .. threshold-1; others are perturbed by at most `noise` and
  rounded: r means r-2-noise .. r+2+noise and at least the threshold.

Measures published before issue 19 (the share of clocks met, and whether days to acknowledge
and to close were shown) are modelled with per-group counts of acknowledged cases and of
clocks met and missed. Measures published with the cell key method are protected counts of
cases (acknowledged, still open, deadlines met, deadlines missed), read as rows.

Written independently of casework.stats (only the period arithmetic is shared), so a mistake
in the publishing code's reasoning cannot hide here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from casework.stats.periods import Period, parse_period, quarters_within

Key = dict[str, str]


@dataclass(frozen=True)
class Row:
    """One published number as a constraint: the cases of a period with these values lie in
    lo .. hi."""

    period: Period
    key: tuple[tuple[str, str], ...]
    lo: int
    hi: int
    suppressed: bool


@dataclass
class Published:
    """Every published number, read with the rules its answer states."""

    rows: list[Row] = field(default_factory=list)
    #: (period, key, measure, value): measures before issue 19 (see the module).
    measures: list[tuple[Period, tuple, str, object]] = field(default_factory=list)
    crossed: set[str] = field(default_factory=set)
    alone: set[str] = field(default_factory=set)
    threshold: int = 8


def read(bodies: Sequence[Mapping], fiscal: int) -> Published:
    """Every row and measure of every answer as constraints."""
    out = Published()
    for body in bodies:
        dims = list(body["by"])
        period = parse_period(body["period"], fiscal)
        out.threshold = max(out.threshold, body["threshold"])
        rows = {tuple(r[d] for d in dims): r for r in body["rows"]}
        for key, row in rows.items():
            lo, hi = row_range(body, row, maybe_zero=_maybe_zero(body, rows, key))
            out.rows.append(Row(period, _key(dims, key), lo, hi, row["suppressed"]))
        if body.get("method") == "cell key":
            for row in measure_rows(body):
                lo, hi = row_range(body, row, maybe_zero=False)
                key = _key(list(row), list(row.values()))
                out.rows.append(Row(period, tuple((d, v) for d, v in key
                                                  if d not in ("count", "suppressed")),
                                    lo, hi, row["suppressed"]))
                out.crossed.update(d for d in row if d not in ("count", "suppressed"))
        else:
            for entry in body.get("measures") or ():
                key = _key(dims, [entry[d] for d in dims])
                for name in ("days_to_acknowledge", "days_to_close", "clocks_met_share"):
                    out.measures.append((period, key, name, entry.get(name)))
        (out.crossed if len(dims) > 1 else out.alone).update(dims)
    out.alone -= out.crossed
    return out


#: The counts a cell key answer gives for each measured row: the dimension and value each adds.
MEASURE_COUNTS = {"acknowledged": ("acknowledged", "acknowledged"),
                  "closed": ("closed", "closed"), "deadlines_met": ("deadlines", "met"),
                  "deadlines_missed": ("deadlines", "missed")}


def measure_rows(body: Mapping) -> list[dict]:
    """The published counts behind a cell key answer's measures, as rows of its dimensions and
    one more (a count whose dimension the answer already has says nothing new)."""
    dims, rows = list(body["by"]), []
    for entry in body.get("measures") or ():
        for name, (dim, value) in MEASURE_COUNTS.items():
            if dim in dims or name not in entry:
                continue
            rows.append({**{d: entry[d] for d in dims if entry[d] is not None}, dim: value,
                         "count": entry[name]["count"],
                         "suppressed": entry[name]["suppressed"]})
    return rows


def _key(dims, values) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((d, v) for d, v in zip(dims, values, strict=True) if v is not None))


UNITS = ("department", "queue")


def _maybe_zero(body: Mapping, rows: Mapping[tuple, Mapping], key: tuple) -> bool:
    """Whether a suppressed row of a cell key answer may hide a 0: in a table by a small unit,
    or where a group it lies in (a cell's margins, a margin's total) is itself suppressed."""
    if body.get("method") != "cell key":
        return False
    if any(d in UNITS for d in body["by"]):
        return True
    fixed = [i for i, v in enumerate(key) if v is not None]
    if len(fixed) > 1:
        above = [tuple(v if j == i else None for j, v in enumerate(key)) for i in fixed]
    else:
        above = [(None,) * len(key)] if fixed else []
    return any(rows[k]["suppressed"] for k in above if k in rows)


def row_range(body: Mapping, row: Mapping, maybe_zero: bool = True) -> tuple[int, int]:
    """What one published row tells a reader who knows the rules (maybe_zero: a suppressed row
    that may be an empty group)."""
    threshold, half = body["threshold"], body["rounding"] // 2
    cell_key = body.get("method") == "cell key"
    noise = body.get("noise", 0) if cell_key else 0
    if row["suppressed"]:
        return (0 if cell_key and maybe_zero else 1), threshold - 1
    if row["count"] == 0:
        return 0, 0
    return max(row["count"] - half - noise, threshold), row["count"] + half + noise


class Model:
    """The finest groups and the published numbers as a sparse system lo <= A x <= hi."""

    def __init__(self, published: Published, domains: Mapping[str, Sequence[str]],
                 feasible: Mapping[tuple[str, ...], frozenset[tuple]],
                 clocks_per_case: Mapping[str, int] | None = None) -> None:
        self.published, self.domains = published, domains
        self.quarters = sorted({q for r in published.rows for q in quarters_within(r.period)})
        self.crossed = [d for d in domains
                        if d in published.crossed or (d == "route" and published.measures)]
        self.alone = [d for d in domains if d in published.alone]
        self.rules = self._rules(feasible)
        self.cells = self._cells()
        self._arrays()
        self.clocks_per_case = clocks_per_case or {}
        self._system()

    def _rules(self, feasible):
        rules = []
        for group, combos in feasible.items():
            where = sorted((1 + self.crossed.index(d), i) for i, d in enumerate(group)
                           if d in self.crossed)
            if len(where) > 1:
                rules.append(([p for p, _ in where],
                              {tuple(c[i] for _, i in where) for c in combos}))
        return rules

    def _cells(self) -> list[tuple]:
        """Every (quarter, value of every crossed dimension) no rule and no published 0
        rules out."""
        zeros = [(r.period, [(1 + self.crossed.index(d), v) for d, v in r.key])
                 for r in self.published.rows
                 if r.hi == 0 and all(d in self.crossed for d, _ in r.key)]
        checks: dict[int, list] = {}
        for positions, allowed in self.rules:
            checks.setdefault(positions[-1] + 1, []).append(("rule", positions, allowed))
        for period, fixed in zeros:
            checks.setdefault(max((p for p, _ in fixed), default=0) + 1, []).append(
                ("zero", period, fixed))
        cells: list[tuple] = [()]
        for axis in [self.quarters, *(self.domains[d] for d in self.crossed)]:
            grown = []
            for c in cells:
                for v in axis:
                    prefix = (*c, v)
                    if not any(self._rules_out(check, prefix)
                               for check in checks.get(len(prefix), ())):
                        grown.append(prefix)
            cells = grown
        return cells

    @staticmethod
    def _rules_out(check, prefix) -> bool:
        if check[0] == "rule":
            return tuple(prefix[p] for p in check[1]) not in check[2]
        _, period, fixed = check
        return period.covers(prefix[0]) and all(prefix[p] == v for p, v in fixed)

    def _arrays(self) -> None:
        n = len(self.cells)
        self.quarter_of = np.array([self.quarters.index(c[0]) for c in self.cells], dtype=int)
        self.values = {d: np.array([c[1 + i] for c in self.cells], dtype=object)
                       for i, d in enumerate(self.crossed)}
        self.alone_index = {(d, q, v): n + k for k, (d, q, v) in enumerate(
            (d, q, v) for d in self.alone for q in range(len(self.quarters))
            for v in self.domains[d])}
        self.families = {}
        self.size = n + len(self.alone_index)

    def mask(self, period: Period, key) -> np.ndarray:
        """The crossed cells a row counts (key over crossed dimensions only)."""
        inside = np.array([period.covers(q) for q in self.quarters])[self.quarter_of]
        for d, v in key:
            inside &= self.values[d] == v
        return inside

    def row_vector(self, period: Period, key) -> sp.csr_matrix:
        """A row as a sparse vector over the cells (and the alone variables)."""
        alone = [(d, v) for d, v in key if d in self.alone]
        if alone:
            (d, v), = alone
            cols = [self.alone_index[d, q, v] for q in range(len(self.quarters))
                    if period.covers(self.quarters[q])]
        else:
            cols = list(np.flatnonzero(self.mask(period, key)))
        return sp.csr_matrix((np.ones(len(cols)), (np.zeros(len(cols), int), cols)),
                             shape=(1, self.size))

    def _system(self) -> None:
        """Published rows, the alone variables tied to the quarter totals, and the measures."""
        from tests.stats.attacker_measures import add_measures
        rows, lo, hi = [], [], []
        for r in self.published.rows:
            rows.append(self.row_vector(r.period, r.key))
            lo.append(r.lo)
            hi.append(r.hi)
        for d in self.alone:
            for q in range(len(self.quarters)):
                cols = list(np.flatnonzero(self.quarter_of == q))
                ties = [self.alone_index[d, q, v] for v in self.domains[d]]
                rows.append(sp.csr_matrix(
                    (np.r_[np.ones(len(cols)), -np.ones(len(ties))],
                     (np.zeros(len(cols) + len(ties), int), cols + ties)), shape=(1, self.size)))
                lo.append(0)
                hi.append(0)
        self.n_rows = len(self.published.rows)
        self.A, self.lo, self.hi = rows, lo, hi
        add_measures(self)
        width = self.size
        self.A = sp.vstack([sp.csr_matrix((r.data, r.indices, r.indptr), shape=(1, width))
                            if r.shape[1] != width else r for r in self.A]).tocsr()
        self.lo, self.hi = np.array(self.lo, float), np.array(self.hi, float)

    def point(self, records: Sequence[Mapping]) -> np.ndarray:
        """The truth as a point of the system (the attacker never has it; the test does)."""
        from tests.stats.attacker_measures import measure_point
        index = {c: i for i, c in enumerate(self.cells)}
        x = np.zeros(self.size)
        for rec in records:
            q = self._quarter(rec["quarter"])
            if q is None:
                continue
            x[index[(self.quarters[q], *(rec[d] for d in self.crossed))]] += 1
            for d in self.alone:
                x[self.alone_index[d, q, rec[d]]] += 1
        measure_point(self, records, x, index)
        return x

    def _quarter(self, number: int) -> int | None:
        for i, q in enumerate(self.quarters):
            if q.start.year * 10 + (q.start.month - 1) // 3 + 1 == number:
                return i
        return None

    def known(self, rec: Mapping) -> list[int]:
        """The variables an insider who knows this case knows hold at least one case."""
        index = {c: i for i, c in enumerate(self.cells)}
        q = self._quarter(rec["quarter"])
        return [index[(self.quarters[q], *(rec[d] for d in self.crossed))],
                *(self.alone_index[d, q, rec[d]] for d in self.alone)]


def all_keys(dims: Sequence[str], domains: Mapping[str, Sequence[str]]) -> list[tuple]:
    """Every row a table by dims can hold: cells, one-way margins, the grand total."""
    from itertools import product
    n = len(dims)
    keys = list(product(*(domains[d] for d in dims))) if n else []
    for i, dim in enumerate(dims if n > 1 else ()):
        keys += [tuple(value if j == i else None for j in range(n)) for value in domains[dim]]
    return [*keys, (None,) * n]
