"""The safety net: a new release is checked together with every stored one, and refused whole if
a small count could be narrowed down.

The cell key method (casework.stats.cellkey) makes published numbers noisy in a way that
repeating or differencing cannot average away, so tables over nested periods and many
dimensions rarely pin anything. Rarely is not never: with its perturbations at their extremes,
a margin and its cells can still fence a small count in. So before a release is answered,
`secure` looks at it together with every stored release linked to it by overlapping periods
(others share no case with it). A count is protected when it is small (1 .. threshold-1),
whether published as suppressed or not yet asked for: every row of every fixed period made of
the releases' quarters (quarter, half, year, financial year), by any part of the dimensions
some release used. Protecting rows nobody asked for yet keeps later releases possible.

A protected count is safe when two tables that agree with every published number, read with
the rules of its method (`possible_counts`: a perturbation of up to `noise` and the rounding
for the cell key method), differ in it by at least MIN_RANGE (3), also for an insider who knows
one case. casework.stats.witness finds such tables by moving cases; they are real solutions, so
the attacker's range is at least as wide. Where the search finds none, runs out of budget or
out of time, the release is refused (fail closed): no row of it is published, and the answer
says so. There is no "it was already narrowed before" excuse: a count narrowed by tables stored
earlier (say under the rounding method of before issue 19) blocks every later table that
touches it.

Why refuse whole rather than withhold rows: a choice of rows to withhold depends on the hidden
counts, and whoever knows the code can replay it on every candidate table and keep those that
make the same choice (the outside attack of issue 19 pinned four counts that way). A refusal
happens when the secret perturbations fall badly; it names no row and can follow from almost
any table, so it says next to nothing, and it is rare.

Small units (department, queue) are published on their own only, so they meet the other
dimensions only in each quarter's total: they are checked in a space of their own (quarter by
value, the totals taken as known exactly, which only helps an attacker), where a small count
must also be able to be 0: a table never proves that someone in a small unit reported.

Limits: counts are audited against today's records; a stored row that no longer matches them
(a case reclassified, or a dimension such as stage that changes over time) describes the
records as they were and is left out. Time is never finer than a calendar quarter. Classes
known to be empty (under a published 0, or ruled out by Tally.feasible) are not searched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from itertools import product

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
from casework.stats.tables import SMALL_UNITS, Key, Release, Tally, primary
from casework.stats.witness import DEEP, Bounds, OutOfTime, Search, Walk

#: Seconds an audit may take before it refuses (fail closed).
TIME_LIMIT = 20.0


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
    """new, or new refused whole if a small count could be narrowed (see the module).

    The tally must count every dimension of the stored releases that overlap new."""
    stored = [r for r in _overlapping(new, stored) if not r.refused]
    if all(r.method == CELL_KEY for r in stored):
        return new  # nothing published by plain rounding to combine it with
    missing = {dim for release in stored for dim in release.dims} - set(tally.domains)
    if missing:
        raise ValueError(f"count the dimensions of the stored releases too: {sorted(missing)}")
    deadline = time.monotonic() + time_limit
    unit = SMALL_UNITS & set(new.dims)
    try:
        if unit:
            (dim,) = unit
            safe = _units_safe(tally, [r for r in [*stored, new] if dim in r.dims], dim,
                               deadline)
        else:
            safe = _Space(tally, [r for r in [*stored, new] if not SMALL_UNITS & set(r.dims)],
                          deadline).safe()
    except OutOfTime:
        safe = False
    return new if safe else new.refuse()


class _Empty:
    """Which classes are known to be empty, by their first values (see witness.Search): those
    under a row published as 0, by any release that still holds (one the records have since
    contradicted proves nothing), and those no case can be in (a combination outside
    Tally.feasible). A prefix of a class with cases is never empty."""

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
                if (row.count, row.suppressed) != (0, False):
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

    def __call__(self, prefix: tuple) -> bool:
        if prefix in self.live:
            return False
        for positions, allowed in self.rules.get(len(prefix), ()):
            if tuple(prefix[p] for p in positions) not in allowed:
                return True
        quarter = prefix[0]
        for positions, spans in self.zeros.get(len(prefix), {}).items():
            found = spans.get(tuple(prefix[p] for p in positions))
            if found and any(start <= quarter.start and quarter.end <= end
                             for start, end in found):
                return True
        return False


def _meet(a: Bounds, b: Bounds) -> Bounds:
    if a is None or b is None:
        return a or b
    return max(a[0], b[0]), min(a[1], b[1])


def bounds_of(release: Release) -> Iterator[tuple[Key, tuple[int, int]]]:
    """What each published row of a release tells a reader who knows its method."""
    for row in release.rows:  # under the cell key method any suppressed row may be a zero
        yield row.key, possible_counts(PublishedCount(row.count, row.suppressed),
                                       release.profile, release.method, release.noise,
                                       maybe_zero=release.method == CELL_KEY)


class _Space(Search):
    """The audit's view: classes are a quarter and a value of every dimension used; counts are
    the rows of every fixed period made of the releases' quarters, by any part of the dimensions
    some release used; bounds are what the releases publish about them."""

    def __init__(self, tally: Tally, releases: Sequence[Release], deadline: float) -> None:
        self.dims = list(dict.fromkeys(dim for release in releases for dim in release.dims))
        quarters = sorted({q for r in releases for q in quarters_within(r.period)})
        where = [list(tally.domains).index(dim) for dim in self.dims]
        true: dict[tuple, int] = {}
        inside = set(quarters)
        for (quarter, values), n in tally.counts.items():
            if n and quarter in inside:
                key = (quarter, *(values[i] for i in where))
                true[key] = true.get(key, 0) + n
        super().__init__([quarters, *(tally.domains[dim] for dim in self.dims)],
                         dead=_Empty(self.dims, releases, true, tally.feasible),
                         deadline=deadline)
        for key, n in true.items():
            self.truth[self.class_id[key]] += n
        self.count_id: dict[tuple[tuple, Key], int] = {}
        periods = _periods(releases, quarters)
        masks = sorted({mask for r in releases for mask in _masks(r, self.dims)})
        class_counts = [
            [self._count((p.start, p.end),
                         tuple(v if m else None for v, m in zip(key[1:], mask, strict=True)))
             for p in periods if p.covers(key[0]) for mask in masks]
            for key in self.classes]
        exact = [0] * len(self.count_id)
        for c, counts in enumerate(class_counts):
            for q in counts:
                exact[q] += self.truth[c]
        self.threshold = max(r.profile.threshold for r in releases)
        bounds: list[Bounds] = [None] * len(exact)
        for release in releases:
            for q, found in self._published(release):
                if found[0] <= exact[q] <= found[1]:  # else: records changed since
                    bounds[q] = _meet(bounds[q], found)
        self.index(class_counts, len(exact), bounds)

    def _count(self, period: tuple, key: Key) -> int:
        return self.count_id.setdefault((period, key), len(self.count_id))

    def _published(self, release: Release) -> Iterator[tuple[int, tuple[int, int]]]:
        period = (release.period.start, release.period.end)
        for key, found in bounds_of(release):
            full = tuple(key[release.dims.index(d)] if d in release.dims else None
                         for d in self.dims)
            if (period, full) in self.count_id:  # else a value no longer counted: not audited
                yield self.count_id[period, full], found

    def safe(self) -> bool:
        """Whether every small count keeps MIN_RANGE of doubt (see the module)."""
        return all(self.check(q) for q, n in enumerate(self.exact) if 1 <= n < self.threshold)

    def check(self, q: int) -> bool:
        """Whether count q keeps enough doubt for an outsider and for an insider who knows any
        one case: witnesses found, looking harder before giving up."""
        insiders: list[tuple[frozenset[int], list[Walk]]] = [(frozenset(), [])]
        seen: set[int] = set()
        while insiders:
            frozen, earlier = insiders.pop()
            walks = self.walks(q, frozen, given=earlier)
            if self.reach(q, walks) < MIN_RANGE:
                walks = self.walks(q, frozen, DEEP)
                if self.reach(q, walks) < MIN_RANGE:
                    return False
            for w in walks:  # a witness that empties a class fails an insider who knows it
                for c, d in w.classes.items():
                    if self.truth[c] > 0 and self.truth[c] + d == 0 and c not in seen:
                        seen.add(c)
                        insiders.append((frozenset({c}), walks))
        return True


def _masks(release: Release, dims: Sequence[str]) -> Iterator[tuple[bool, ...]]:
    """Which dimensions a row that could be published alongside this release fixes: any part
    of its dimensions, and for the counts behind measures, any part of the table's own with at
    most one of the measures'."""
    extra = [d for d in release.dims if release.measures and d in MEASURE_DIMENSIONS]
    for keep in product((True, False), repeat=len(dims)):
        fixed = [d for d, k in zip(dims, keep, strict=True) if k]
        if set(fixed) <= set(release.dims) and len(set(fixed) & set(extra)) <= 1:
            yield keep


def _units_safe(tally: Tally, releases: Sequence[Release], dim: str, deadline: float) -> bool:
    """A small unit's tables: every small count keeps MIN_RANGE of doubt and can be 0."""
    quarters = sorted({q for r in releases for q in quarters_within(r.period)})
    where = list(tally.domains).index(dim)
    search = Search([quarters, tally.domains[dim]], deadline=deadline)
    totals: dict[Period, int] = {}
    inside = set(quarters)
    for (quarter, values), n in tally.counts.items():
        if quarter in inside:
            totals[quarter] = totals.get(quarter, 0) + n
            search.truth[search.class_id[quarter, values[where]]] += n
    periods = _periods(releases, quarters)
    rows = {(p.start, p.end, v): i for i, (p, v) in enumerate(product(periods, [
        *tally.domains[dim], None]))}
    class_counts = [[rows[p.start, p.end, v] for p in periods if p.covers(q)
                     for v in (value, None)] for q, value in search.classes]
    bounds: list[Bounds] = [None] * len(rows)
    for quarter in quarters:  # each quarter's total, taken as known exactly
        rows_total = rows[quarter.start, quarter.end, None]
        bounds[rows_total] = (totals.get(quarter, 0), totals.get(quarter, 0))
    for release in releases:
        for key, found in bounds_of(release):
            i = rows[release.period.start, release.period.end, key[0]]
            bounds[i] = _meet(bounds[i], found)
    search.index(class_counts, len(rows), bounds)
    threshold = max(r.profile.threshold for r in releases)
    for (_, _, value), i in rows.items():
        n = search.exact[i]
        if value is None or not 1 <= n < threshold:
            continue
        if search.reach(i, search.walks(i, frozenset(), DEEP)) < MIN_RANGE:
            return False
        if search.reach(i, search.walks(i, frozenset(), DEEP, need=n, signs=(-1,))) < n:
            return False  # the count could not be 0: a table would prove someone reported
    return True


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
