"""The safety net: a new release is checked together with every stored one it shares a period
with, as an attacker holding all of them would read them, and refused whole if that reading
narrows a small count or proves that a small group holds a case.

The cell key method (casework.stats.cellkey) makes published numbers noisy in a way that
repeating or differencing cannot average away, so tables over nested periods and many
dimensions rarely pin anything. Rarely is not never: where a total's perturbation falls near the
top of its range and the groups inside it are all suppressed, the total's least possible value
can fence them in; and a unit's count published beside a suppressed complement (at most 7
anonymous reports, a department of at least 8) proves by counting that the department holds a
named report. So before a release is answered, `secure` reads it with every linked stored
release the way the test suite's attacker does (tests/stats/attack.py), with linear programs
(HiGHS, through highspy) instead of integer ones:

- the crossed tables: one variable per class (a quarter and a value of every dimension used,
  less the classes known to be empty: under a published 0, or ruled out by the route rules
  anyone can read, Tally.feasible); every published row of every release, read with its method
  (`possible_counts`), bounds the sum of its classes. Each small count (1 .. threshold-1) of
  every row of every fixed period made of the releases' quarters, by any part of the dimensions
  some release used, must still be able to move over MIN_RANGE, counting from 1 (an insider
  who knows a case in it knows it is not 0);
- each small unit (department, queue), published on its own only: one variable per quarter and
  value, the quarter's total taken as known exactly (which only helps an attacker). Each small
  count of a unit must still be able to be 0, and a unit crossed with any row published for
  the same period must not be proven to overlap it (the unit's least count, plus the row's,
  less the quarter's total, below 1).

A linear program can only be more generous than the attacker's integer one where the answer
falls between whole numbers, so bounds are rounded inwards before they are compared.

Where a count fails, the solver fails, or the audit runs out of time, the release is refused
whole (fail closed): no row of it is published, and the answer says so. Why not withhold rows:
a choice of rows to withhold depends on the hidden counts, and whoever knows the code can
replay it on every candidate table and keep those that make the same choice (the outside
attack of issue 19 pinned four counts that way). A refusal here follows from where the secret
perturbations fell; it names no row and happens rarely.

Limits: counts are audited against today's records; a stored row that no longer matches them
(a case reclassified, or a dimension such as stage that changes over time) describes the
records as they were and is left out. Time is never finer than a calendar quarter.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from itertools import product

import highspy
import numpy as np
import scipy.sparse as sp

from casework.stats.disclosure import (
    CELL_KEY,
    DEFAULT,
    MIN_RANGE,
    Profile,
    PublishedCount,
    possible_counts,
)
from casework.stats.measures import DIMENSIONS as MEASURE_DIMENSIONS
from casework.stats.periods import Period, parse_period, quarters_within
from casework.stats.tables import SMALL_UNITS, Key, Release, Row, Tally, parents, primary

#: Seconds an audit may take before it refuses (fail closed).
TIME_LIMIT = 20.0
#: How far a linear program's answer may sit from a whole number and still count as it.
EPSILON = 1e-6
#: Room taken as unlimited (a class in no published row).
MOST = 10**9
Bounds = tuple[int, int] | None


class Unsure(Exception):
    """The audit could not finish (out of time, or the solver failed): it refuses."""


def publish(tally: Tally, period: Period, dims: Sequence[str], profile: Profile = DEFAULT,
            stored: Sequence[Release] = (), time_limit: float = TIME_LIMIT) -> Release:
    """The release to answer and to store: protected row by row, then checked with stored ones
    and refused whole if unsafe."""
    if tally.secret is None:
        raise ValueError("a release needs the cell key's secret (Tally.secret)")
    return secure(primary(tally, period, dims, profile, tally.secret), stored, tally,
                  time_limit)


def secure(new: Release, stored: Sequence[Release], tally: Tally,
           time_limit: float = TIME_LIMIT) -> Release:
    """new, or new refused whole if it and the stored releases linked to it could narrow a
    small count or prove a small group holds a case (see the module).

    The tally must count every dimension of the stored releases that overlap new."""
    releases = [*(r for r in _overlapping(new, stored) if not r.refused), new]
    missing = {dim for release in releases for dim in release.dims} - set(tally.domains)
    if missing:
        raise ValueError(f"count the dimensions of the stored releases too: {sorted(missing)}")
    deadline = time.monotonic() + time_limit
    try:
        return new if _safe(tally, releases, deadline) else new.refuse()
    except Unsure:
        return new.refuse(unsure=True)


def safe_together(news: Sequence[Release], stored: Sequence[Release], tally: Tally,
                  time_limit: float = TIME_LIMIT) -> bool:
    """Whether several new releases of tables without a small unit (an annual report's) may all
    be published at once: one audit of them all with every stored release linked to them,
    in place of one audit per table, each rebuilding the systems the one before built.

    It reads every pair of a new table and any table, with the bounds of every release, so
    its systems hold every system that `secure` would build for the new tables one after
    the other, with at least their constraints and their small counts: if it finds them safe,
    each would pass `secure` in turn. False when it does not (or cannot finish in time): then
    publish them one at a time with `secure`, which refuses only the tables that narrow."""
    linked = {id(r): r for new in news for r in _overlapping(new, stored) if not r.refused}
    releases = [*(r for r in stored if id(r) in linked), *news]
    if not news or SMALL_UNITS & {d for r in releases for d in r.dims}:
        return False
    if {d for r in releases for d in r.dims} - set(tally.domains):
        raise ValueError("count the dimensions of the stored releases too")
    try:
        return _safe(tally, releases, time.monotonic() + time_limit, len(news))
    except Unsure:
        return False


def _safe(tally: Tally, releases: list[Release], deadline: float, news: int = 1) -> bool:
    """Whether the releases (the news new ones last) keep every small count in doubt and prove
    no small group of a unit holds a case (see the module)."""
    if time.monotonic() > deadline:
        raise Unsure("no time left for the statistics audit")
    threshold = max(r.profile.threshold for r in releases)
    old = [part for release in releases[:-news] for part in _by_measure(release)]
    added = [part for release in releases[-news:] for part in _by_measure(release)]
    releases = [*old, *added]
    crossed = [r for r in releases if not SMALL_UNITS & set(r.dims)]
    new: set[str] = set()
    if news == 1:
        new = set(releases[-1].dims) if releases[-1] in crossed else set()
        unions = {tuple(sorted(new | set(r.dims))) for r in crossed}
    else:  # every pair of a new table and any table (the units' check is not needed)
        unions = {tuple(sorted({*a.dims, *b.dims})) for a in added for b in crossed}
    # A system over fewer dimensions is the sum of one over more (with the same releases, its
    # counts and bounds are among the larger one's), so its counts can move no less: only the
    # largest unions need their small counts checked.
    largest = [dims for dims in sorted(unions)
               if not any(set(dims) < set(other) for other in unions)]
    spaces: dict[tuple[str, ...], _Crossed] = {}

    published = {id(r): list(bounds_of(r)) for r in crossed}  # read once, for every system

    def space(dims: tuple[str, ...]) -> _Crossed:
        if dims not in spaces:
            spaces[dims] = _Crossed(tally, crossed, dims, deadline, published)
        return spaces[dims]

    if not all(space(dims).keeps_doubt(threshold) for dims in largest):
        return False
    for dim in sorted(SMALL_UNITS & {d for r in releases for d in r.dims}):
        units = _Units(tally, [r for r in releases if dim in r.dims], dim, deadline)
        if not units.keeps_doubt(threshold):
            return False
        if not units.apart(lambda dims: space(tuple(sorted(new | set(dims)))), crossed,
                           tally, threshold):
            return False
    return True


def _by_measure(release: Release) -> list[Release]:
    """A release's measure counts one measure at a time (each row of them fixes one measure
    dimension and leaves the others open), so that no system need cross the measures with one
    another; any other release as it is."""
    extra = [d for d in release.dims if release.measures and d in MEASURE_DIMENSIONS]
    if len(extra) < 2:
        return [release]
    parts = []
    for measure in extra:
        dims = tuple(d for d in release.dims if d not in extra or d == measure)
        keep = [release.dims.index(d) for d in dims]
        rows = tuple(Row(tuple(row.key[i] for i in keep), row.count, row.suppressed)
                     for row in release.rows
                     if all(row.key[release.dims.index(d)] is None
                            for d in extra if d != measure))
        parts.append(replace(release, dims=dims, rows=rows))
    return parts


class _System:
    """Classes with their true counts, counts over them (rows: sets of classes) with what is
    published about each, and linear programs over the classes."""

    def __init__(self, truth: list[int], members: list[list[int]] | sp.csr_matrix,
                 bounds: list[Bounds], deadline: float) -> None:
        self.truth = np.array(truth, dtype=float)
        self.deadline = deadline
        self.leasts: dict[tuple[int, int | None], float] = {}
        n = len(truth)
        self.rows = members if sp.issparse(members) else _matrix(members, n)
        self.exact = self.rows @ self.truth
        known = [q for q, b in enumerate(bounds) if b is not None]
        a = self.rows[known]
        lo = np.array([bounds[q][0] for q in known], dtype=float)
        hi = np.array([bounds[q][1] for q in known], dtype=float)
        self.a, self.lo, self.hi = a.tocsr(), lo, hi
        # Per class, how many more cases it could take with every published number still
        # true (the least room above the truth among the rows it is in).
        found = a @ self.truth
        self.room = np.full(n, float(MOST))
        self.give = np.full(n, float(MOST))  # how many fewer, likewise
        coo = a.tocoo()
        np.minimum.at(self.room, coo.col, (hi - found)[coo.row])
        np.minimum.at(self.give, coo.col, (found - lo)[coo.row])
        self.give = np.minimum(self.give, self.truth)
        self._extremes: highspy._Highs | None = None
        self._reaching: highspy._Highs | None = None

    def _solve(self, highs: highspy._Highs) -> np.ndarray:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Unsure("the statistics audit ran out of time")
        highs.setOptionValue("time_limit", left)
        highs.run()
        status = highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise Unsure(f"the statistics audit's solver stopped: {status.name}")
        return np.array(highs.getSolution().col_value)

    def extreme(self, weights: np.ndarray) -> np.ndarray:
        """A point of the published system that minimises weights . x (one solver per system,
        started each time from where the last program ended)."""
        n = self.rows.shape[1]
        if self._extremes is None:
            self._extremes = _solver(_program(weights, self.a, self.lo, self.hi,
                                              np.zeros(n), np.full(n, np.inf)))
        else:
            self._extremes.changeColsCost(n, np.arange(n, dtype=np.int32),
                                          np.asarray(weights, dtype=float))
        return self._solve(self._extremes)

    def reaching(self, rows: sp.csr_matrix, aims: np.ndarray) -> np.ndarray:
        """A point of the published system that takes the rows as far towards their aims as
        it can all at once: the most of sum(min(row . x, aim)), each row's gain capped at its
        aim so that no effort goes into one row beyond what it needs."""
        n, k = self.rows.shape[1], rows.shape[0]
        a = sp.vstack([sp.hstack([self.a, sp.csr_matrix((self.a.shape[0], k))]),
                       sp.hstack([-rows, sp.identity(k, format="csr")])]).tocsr()
        program = _program(np.concatenate([np.zeros(n), -np.ones(k)]), a,
                           np.concatenate([self.lo, np.full(k, -np.inf)]),
                           np.concatenate([self.hi, np.zeros(k)]),
                           np.zeros(n + k), np.concatenate([np.full(n, np.inf), aims]))
        return self._solve(_solver(program))[:n]

    def ranges(self, targets: list[int], need: int) -> tuple[np.ndarray, np.ndarray]:
        """For each target row, the least and the most it can be (for the linear system), as
        far as needed to tell whether it spans `need` counting from 1: all of them pushed down
        together, then up together towards what each needs, then each one still short alone."""
        rows = self.rows[targets]
        low = high = rows @ self.truth
        # A class of a target with room for more cases, and one that could lose some, each
        # give a point of the system at once (the truth with those cases added, or taken
        # away): often enough to settle a target without a program.
        up = np.asarray(rows.multiply(self.room + 1).max(axis=1).todense()).ravel() - 1
        down = np.asarray(rows.multiply(self.give + 1).max(axis=1).todense()).ravel() - 1
        high, low = high + np.minimum(up, need), low - np.minimum(down, low)
        if (_spans(low, high) >= need).all():
            return low, high

        def seen(x: np.ndarray) -> None:
            nonlocal low, high
            found = rows @ x
            low, high = np.minimum(low, found), np.maximum(high, found)

        def short() -> list[int]:
            return np.nonzero(_spans(low, high) < need)[0].tolist()

        left = short()
        seen(self.extreme(np.asarray(rows[left].sum(axis=0)).ravel()))
        left = short()
        while left:  # together, while that still helps
            aims = np.array([max(_ceil(low[i]), 1) + need for i in left], dtype=float)
            seen(self.reaching(rows[left], aims))
            before, left = left, short()
            if len(before) - len(left) < max(2, len(before) // 8):
                break
        for i in left:  # alone
            for sign in (1.0, -1.0):
                if _floor(high[i]) - max(_ceil(low[i]), 1) >= need:
                    break
                seen(self.extreme(-sign * rows[i].toarray().ravel()))
            if _floor(high[i]) - max(_ceil(low[i]), 1) < need:
                break  # narrowed: no need to look at the others
        return low, high

    def least(self, target: int, less: int | None = None) -> float:
        """The least row target can be, or row target less row `less` (remembered: the same
        rows are asked for often)."""
        if (target, less) not in self.leasts:
            row = self.rows[target].toarray().ravel()
            if less is not None:
                row = row - self.rows[less].toarray().ravel()
            self.leasts[target, less] = float(row @ self.extreme(row))
        return self.leasts[target, less]


def _program(cost: np.ndarray, a: sp.csr_matrix, row_lo: np.ndarray, row_hi: np.ndarray,
             col_lo: np.ndarray, col_hi: np.ndarray) -> highspy.HighsLp:
    """The linear program: minimise cost . x with row_lo <= a x <= row_hi, col_lo <= x <=
    col_hi (infinite bounds as HiGHS's)."""
    program = highspy.HighsLp()
    program.num_col_, program.num_row_ = a.shape[1], a.shape[0]
    program.col_cost_ = np.asarray(cost, dtype=float)
    inf = highspy.kHighsInf
    program.col_lower_ = np.clip(col_lo, -inf, inf)
    program.col_upper_ = np.clip(col_hi, -inf, inf)
    program.row_lower_ = np.clip(row_lo, -inf, inf)
    program.row_upper_ = np.clip(row_hi, -inf, inf)
    columns = a.tocsc()
    program.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    program.a_matrix_.start_ = columns.indptr
    program.a_matrix_.index_ = columns.indices
    program.a_matrix_.value_ = columns.data
    return program


def _solver(program: highspy.HighsLp) -> highspy._Highs:
    """HiGHS, silent (its log would go to standard output, where the command line writes its
    CSV), without presolve (these programs are small and solved many times over: presolve cost
    more than it saved, docs/BENCHMARKS.md, issue 18), holding the program.

    highspy's own Highs class announces itself on standard output as it is made, whatever its
    options; _Highs, the solver it wraps, is silent once output_flag is off."""
    highs = highspy._Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("presolve", "off")
    highs.passModel(program)
    return highs


def _spans(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """How far each count can move counting from 1 (bounds rounded inwards), as _floor and
    _ceil do one at a time."""
    return np.floor(high + EPSILON) - np.maximum(np.ceil(low - EPSILON), 1)


def _floor(x: float) -> int:
    return math.floor(x + EPSILON)


def _ceil(x: float) -> int:
    return math.ceil(x - EPSILON)


def _meet(a: Bounds, b: Bounds) -> Bounds:
    if a is None or b is None:
        return a or b
    return max(a[0], b[0]), min(a[1], b[1])


def bounds_of(release: Release) -> Iterator[tuple[Key, tuple[int, int]]]:
    """What each published row of a release tells a reader who knows its method: under the
    cell key method a suppressed row may be an empty group where its zero would say too much
    (in a table by a small unit, or inside a suppressed group of the same table)."""
    suppressed = {row.key for row in release.rows if row.suppressed}
    unit = bool(SMALL_UNITS & set(release.dims))
    for row in release.rows:
        maybe_zero = release.method == CELL_KEY and (
            unit or any(p in suppressed for p in parents(row.key)))
        yield row.key, possible_counts(PublishedCount(row.count, row.suppressed),
                                       release.profile, release.method, release.noise,
                                       maybe_zero=maybe_zero)


class _Crossed:
    """The crossed tables' system over some dimensions: classes are a quarter and a value of
    each; counts are the rows of every fixed period made of the releases' quarters, by any part
    of the dimensions; bounds are what every release publishes about them (its rows over those
    dimensions, whatever its own).

    One system for the new table with each stored one (their dimensions together), rather than
    one over every dimension at once: a system over every dimension any table used grows with
    the product of their values (millions of classes for a year of tables by stage, outcome,
    path and detriment), while two tables read together is where a count is narrowed (by
    anonymous and kind of conduct, and by anonymous and route, give anonymous by route and kind
    of conduct). Three or more tables read together are read only pairwise: a limit, stated in
    docs/STATISTICS.md, that the suite's attacker (which reads them all at once) checks."""

    def __init__(self, tally: Tally, releases: Sequence[Release], dims: Sequence[str],
                 deadline: float, published: Mapping[int, list[tuple[Key, tuple[int, int]]]]
                 ) -> None:
        """published: each release's bounds (bounds_of), by id(release), read once per audit."""
        self.dims = list(dims)
        self.published = published
        quarters = sorted({q for r in releases for q in quarters_within(r.period)},
                          key=lambda q: q.start)
        where = [list(tally.domains).index(dim) for dim in self.dims]
        true: dict[tuple, int] = {}
        inside = set(quarters)
        for (quarter, values), n in tally.counts.items():
            if n and quarter in inside:
                key = (quarter, *(values[i] for i in where))
                true[key] = true.get(key, 0) + n
        axes = [quarters, *(tally.domains[dim] for dim in self.dims)]
        digits = _Empty(self.dims, releases, true, tally.feasible).classes(axes)
        periods = _periods(releases, quarters)
        masks = sorted({mask for r in releases for mask in _masks(r, self.dims)})
        self.count_id, rows = _counts(axes, periods, masks, digits)
        truth = _truth(true, axes, digits)
        exact = rows @ np.array(truth, dtype=float)
        bounds: list[Bounds] = [None] * rows.shape[0]
        for release in releases:
            for q, found in self._published(release):
                if found[0] <= exact[q] <= found[1]:  # else: the records changed since
                    bounds[q] = _meet(bounds[q], found)
        self.system = _System(truth, rows, bounds, deadline)

    def _published(self, release: Release) -> Iterator[tuple[int, tuple[int, int]]]:
        period = (release.period.start, release.period.end)
        for key, found in self.published[id(release)]:
            if any(v is not None and d not in self.dims
                   for d, v in zip(release.dims, key, strict=True)):
                continue  # about a dimension this system does not have
            full = tuple(key[release.dims.index(d)] if d in release.dims else None
                         for d in self.dims)
            if (period, full) in self.count_id:  # else a value no longer counted: not audited
                yield self.count_id[period, full], found

    def keeps_doubt(self, threshold: int) -> bool:
        """Whether every small count can still move over MIN_RANGE, counting from 1."""
        exact = self.system.exact
        targets = [q for q in range(len(exact)) if 1 <= exact[q] < threshold]
        if not targets:
            return True
        low, high = self.system.ranges(targets, MIN_RANGE)
        return bool((_spans(low, high) >= MIN_RANGE).all())

    def least_beside(self, period: Period, key: Mapping[str, str]) -> float | None:
        """The least the published tables allow for the cases of period with these values less
        all the cases of period: minus the most there can be without them (None if the
        releases do not count them)."""
        span = (period.start, period.end)
        q = self.count_id.get((span, tuple(key.get(d) for d in self.dims)))
        total = self.count_id.get((span, (None,) * len(self.dims)))
        return None if q is None or total is None else self.system.least(q, total)


def _counts(axes: Sequence[Sequence], periods: list[Period], masks: list[tuple[bool, ...]],
            digits: np.ndarray) -> tuple[dict[tuple[tuple, Key], int], sp.csr_matrix]:
    """Every count of a crossed system: a fixed period and a part of the values (those its mask
    keeps, None for the rest), as a row over the classes (digits: the index of a class's
    quarter in axes[0] and of each value in its axis) it sums; with each count's number, by its
    (start, end) and values.

    Worked out with arrays: each class's values as digits of one number (0 for a value left
    open), so that a count is the period's number and the kept digits; a class is in the
    counts of each period covering its quarter, one per mask."""
    quarters, domains = axes[0], axes[1:]
    radix = [len(values) + 1 for values in domains]
    weight = np.array([math.prod(radix[:j]) for j in range(len(radix))], dtype=np.int64)
    size = math.prod(radix)
    if size * max(len(periods), 1) >= 2**62:  # a space unions two tables of at most two
        raise Unsure("a statistics system too large to number")  # dimensions, and 3 measures'
    codes = digits[:, 1:].astype(np.int64) + 1  # 0 stands for a value left open
    quarter = digits[:, 0].astype(np.int64)
    keys, columns = [], []
    for s, period in enumerate(periods):
        covered = np.array([period.covers(q) for q in quarters], dtype=bool)
        inside = np.nonzero(covered[quarter])[0] if len(digits) else quarter
        for mask in masks:
            keys.append(s * size + (codes[inside] * np.array(mask, dtype=np.int64)) @ weight)
            columns.append(inside)
    found = np.concatenate(keys) if keys else np.array([], dtype=np.int64)
    unique, row_of = np.unique(found, return_inverse=True)
    rows = sp.csr_matrix((np.ones(len(found)), (row_of.ravel(), np.concatenate(columns)
                                                if columns else found)),
                         shape=(len(unique), len(digits)))
    parts = ((unique % size)[:, None] // weight[None, :] % np.array(radix)[None, :]).tolist()
    spans = [(period.start, period.end) for period in periods]
    named = [(None, *values) for values in domains]  # digit 0: left open
    count_id = {}
    for i, (number, row) in enumerate(zip((unique // size).tolist(), parts, strict=True)):
        count_id[spans[number], tuple(named[j][d] for j, d in enumerate(row))] = i
    return count_id, rows


def _truth(true: Mapping[tuple, int], axes: Sequence[Sequence], digits: np.ndarray
           ) -> list[int]:
    """Each class's true count (digits as in _counts), from the counts of the classes with
    cases."""
    index = [{v: i for i, v in enumerate(axis)} for axis in axes]
    found = {tuple(index[j][v] for j, v in enumerate(key)): n for key, n in true.items()}
    return [found.get(tuple(row), 0) for row in digits.tolist()]


def _matrix(members: list[list[int]], n: int) -> sp.csr_matrix:
    """Rows over n classes, each the sum of its members."""
    return sp.csr_matrix(
        (np.ones(sum(map(len, members))),
         (np.repeat(np.arange(len(members)), [len(m) for m in members]),
          np.concatenate([np.array(m, dtype=int) for m in members]) if members
          else np.array([], dtype=int))), shape=(len(members), n))


class _Units:
    """A small unit's system: classes are a quarter and a value of the unit; counts are each
    fixed period's rows by value and its total, each quarter's total known exactly."""

    def __init__(self, tally: Tally, releases: Sequence[Release], dim: str,
                 deadline: float) -> None:
        self.dim = dim
        self.quarters = sorted({q for r in releases for q in quarters_within(r.period)},
                               key=lambda q: q.start)
        values = tally.domains[dim]
        where = list(tally.domains).index(dim)
        self.classes = list(product(self.quarters, values))
        class_id = {key: c for c, key in enumerate(self.classes)}
        truth = [0] * len(self.classes)
        self.totals: dict[Period, int] = {}
        inside = set(self.quarters)
        for (quarter, cell), n in tally.counts.items():
            if quarter in inside:
                self.totals[quarter] = self.totals.get(quarter, 0) + n
                truth[class_id[quarter, cell[where]]] += n
        periods = _periods(releases, self.quarters)
        self.row_id = {(p.start, p.end, v): i
                       for i, (p, v) in enumerate(product(periods, [*values, None]))}
        members: list[list[int]] = [[] for _ in self.row_id]
        for c, (quarter, value) in enumerate(self.classes):
            for p in periods:
                if p.covers(quarter):
                    for v in (value, None):
                        members[self.row_id[p.start, p.end, v]].append(c)
        bounds: list[Bounds] = [None] * len(members)
        for quarter in self.quarters:
            total = self.totals.get(quarter, 0)
            bounds[self.row_id[quarter.start, quarter.end, None]] = (total, total)
        for release in releases:
            for key, found in bounds_of(release):
                i = self.row_id[release.period.start, release.period.end, key[0]]
                bounds[i] = _meet(bounds[i], found)
        self.releases = releases
        self.system = _System(truth, members, bounds, deadline)

    def keeps_doubt(self, threshold: int) -> bool:
        """Whether every small count of a value can still move over MIN_RANGE, and be 0."""
        exact = self.system.exact
        targets = [i for (_, _, v), i in self.row_id.items()
                   if v is not None and 1 <= exact[i] < threshold]
        if not targets:
            return True
        low, high = self.system.ranges(targets, MIN_RANGE)
        for i, (lo, h) in enumerate(zip(low, high, strict=True)):
            if _floor(h) - max(_ceil(lo), 1) < MIN_RANGE:
                return False
            if _ceil(lo) > 0 and self.system.least(targets[i]) > EPSILON:
                return False  # a table would prove that someone in the unit reported
        return True

    def apart(self, space_of: Callable[[Sequence[str]], _Crossed],
              crossed: Sequence[Release], tally: Tally, threshold: int) -> bool:
        """Whether no small group of a unit and a row published for the same period is proven
        to hold a case: in no quarter may the unit's least count be more than the most cases
        there can be outside the row."""
        for release in self.releases:
            period = release.period
            rows = {(tuple(sorted(r.dims)),
                     tuple(sorted((d, v) for d, v in zip(r.dims, row.key, strict=True)
                                  if v is not None)))
                    for r in crossed if r.period == period for row in r.rows}
            for value, (dims_of, key) in product(tally.domains[self.dim], sorted(rows)):
                group = dict(key) | {self.dim: value}
                dims = list(group)
                n = tally.exact(period, dims, tuple(group[d] for d in dims))
                if not 1 <= n < threshold:
                    continue
                for quarter in quarters_within(period):
                    unit = self.system.least(self.row_id[quarter.start, quarter.end, value])
                    if unit < 1 - EPSILON or not key:
                        continue  # the unit can be empty that quarter (alone: keeps_doubt)
                    beside = space_of(dims_of).least_beside(quarter, dict(key))
                    if beside is not None and unit + beside >= 1 - EPSILON:
                        return False
        return True


class _Empty:
    """Which classes are known to be empty, by their first values (classes are built axis by
    axis, so a dead prefix costs nothing further): those under a row published as 0, by any
    release that still holds (one the records have since contradicted proves nothing), and
    those no case can be in (a combination outside Tally.feasible). A prefix of a class with
    cases is never empty."""

    def __init__(self, dims: list[str], releases: Sequence[Release], true: dict[tuple, int],
                 feasible: Mapping[tuple[str, ...], frozenset[tuple]]) -> None:
        self.live = {key[:k] for key in true for k in range(1, len(key) + 1)}
        self.rules: dict[int, list[tuple[tuple[int, ...], frozenset[tuple]]]] = {}
        for group, combos in feasible.items():
            used = sorted((1 + dims.index(d), i) for i, d in enumerate(group) if d in dims)
            for k in range(2, len(used) + 1):  # each prefix of the group's positions, in order
                part = used[:k]  # (one dimension alone rules nothing out)
                allowed = frozenset(tuple(c[i] for _, i in part) for c in combos)
                self.rules.setdefault(part[-1][0] + 1, []).append(
                    (tuple(p for p, _ in part), allowed))
        self.zeros: dict[int, dict[tuple[int, ...], dict[tuple, list]]] = {}
        seen: dict[tuple[int, ...], set] = {}
        for release in releases:
            span = (release.period.start, release.period.end)
            for row in release.rows:
                if (row.count, row.suppressed) != (0, False) or any(
                        v is not None and d not in dims
                        for d, v in zip(release.dims, row.key, strict=True)):
                    continue
                fixed = [(1 + dims.index(d), v) for d, v in zip(release.dims, row.key,
                                                                 strict=True) if v is not None]
                positions, values = tuple(p for p, _ in fixed), tuple(v for _, v in fixed)
                if positions not in seen:  # where the records have cases, by these positions
                    seen[positions] = {(key[0], *(key[p] for p in positions)) for key in true}
                if any((q, *values) in seen[positions] for q in quarters_within(release.period)):
                    continue  # a stored 0 the records no longer bear out
                level = self.zeros.setdefault(max(positions, default=0) + 1, {})
                level.setdefault(positions, {}).setdefault(values, []).append(span)

    def classes(self, axes: Sequence[Sequence]) -> np.ndarray:
        """Every class not known to be empty, as digits (the index of its quarter in axes[0]
        and of each value in its axis), built axis by axis so that a dead prefix costs
        nothing further: a prefix is dead if no case has it and a rule rules it out or a
        published 0 covers its quarter. Each step is worked out with arrays."""
        index = [{v: i for i, v in enumerate(axis)} for axis in axes]
        sizes = [len(axis) for axis in axes]

        def digits_of(values: Sequence, positions: Sequence[int]) -> list[int] | None:
            found = [index[p].get(v) for p, v in zip(positions, values, strict=True)]
            return None if None in found else found

        def codes(block: np.ndarray, positions: Sequence[int],
                  columns: Sequence[int] | None = None) -> np.ndarray:
            """One number per row for its digits at positions (read from columns)."""
            weight, code = 1, np.zeros(len(block), dtype=np.int64)
            for p, c in zip(positions, positions if columns is None else columns, strict=True):
                code += block[:, c] * weight
                weight *= sizes[p]
            return code

        def coded(rows: Sequence[Sequence[int]], positions: Sequence[int]) -> np.ndarray:
            if not rows:
                return np.array([], dtype=np.int64)
            block = np.array(rows, dtype=np.int64).reshape(len(rows), len(positions))
            return codes(block, positions, range(len(positions)))

        classes = np.zeros((1, 0), dtype=np.int64)
        for level in range(1, len(axes) + 1):
            axis = np.arange(sizes[level - 1], dtype=np.int64)
            classes = np.hstack([np.repeat(classes, len(axis), axis=0),
                                 np.tile(axis, len(classes))[:, None]])
            head = list(range(level))
            live = coded([d for key in self.live if len(key) == level
                          if (d := digits_of(key, head)) is not None], head)
            dead = np.zeros(len(classes), dtype=bool)
            for positions, allowed in self.rules.get(level, ()):
                ok = coded([d for combo in allowed
                            if (d := digits_of(combo, positions)) is not None], positions)
                dead |= ~np.isin(codes(classes, positions), ok)
            for positions, spans in self.zeros.get(level, {}).items():
                places = (0, *positions)
                zero = [[q, *d] for values, found in spans.items()
                        if (d := digits_of(values, positions)) is not None
                        for q, quarter in enumerate(axes[0])
                        if any(start <= quarter.start and quarter.end <= end
                               for start, end in found)]
                dead |= np.isin(codes(classes, places), coded(zero, places))
            classes = classes[~dead | np.isin(codes(classes, head), live)]
        return classes


def _masks(release: Release, dims: Sequence[str]) -> Iterator[tuple[bool, ...]]:
    """Which dimensions a row that could be published alongside this release fixes: any part
    of its dimensions, and for the counts behind measures, any part of the table's own with at
    most one of the measures'."""
    extra = [d for d in release.dims if release.measures and d in MEASURE_DIMENSIONS]
    for keep in product((True, False), repeat=len(dims)):
        fixed = [d for d, k in zip(dims, keep, strict=True) if k]
        if set(fixed) <= set(release.dims) and len(set(fixed) & set(extra)) <= 1:
            yield keep



def _overlapping(new: Release, stored: Sequence[Release]) -> list[Release]:
    """The stored releases linked to new by overlapping periods, directly or through others;
    the rest share no case with it, so cannot be combined with it."""
    linked, spans, changed = [], [new.period], True
    while changed:
        changed = False
        for release in stored:
            if release not in linked and any(release.period.start < p.end
                                             and p.start < release.period.end for p in spans):
                linked.append(release)
                spans.append(release.period)
                changed = True
    return [release for release in stored if release in linked]


def _periods(releases: Sequence[Release], quarters: list[Period]) -> list[Period]:
    """Every fixed period made of the given quarters: the releases' own, each quarter, each
    half and calendar year, and each financial year of a start month the releases use."""
    years = sorted({q.start.year for q in quarters})
    months = sorted({r.period.start.month for r in releases if r.period.key.startswith("FY")})
    candidates = [r.period for r in releases] + list(quarters)
    for year in years:
        candidates += [parse_period(f"{year}{part}") for part in ("-H1", "-H2", "")]
        candidates += [parse_period(f"FY{y}", m) for m in months for y in (year, year + 1)]
    inside = set(quarters)
    found: dict[tuple, Period] = {}
    for period in candidates:
        if all(q in inside for q in quarters_within(period)):
            found.setdefault((period.start, period.end), period)
    return list(found.values())
