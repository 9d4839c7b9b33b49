"""Audit a release together with every stored release, withholding rows until it is safe.

Why rounding and suppression are not enough (the attacker in tests/stats/attacker.py treats every
published number as a constraint and solves for the small ones; each of these breaks the rules
of casework.stats.disclosure applied row by row):

- One release: cells of 1, 8 and 8 with a total of 17 publish as "suppressed, 10, 10, 15". Each
  10 is at least 8 and 15 is at most 17, so the suppressed cell is exactly 1.
- Suppression alone: seven categories of one case each and a total of 7, all suppressed. Each
  cell is at least 1 and the total at most 7, so every cell is exactly 1.
- Nested periods: 2026-Q1, 2026-Q2 and 2026-H1 by route give three readings, each +-2, of
  overlapping sums; together they can pin a Q1 cell that each release alone keeps in doubt.
- Stricter profiles narrow what rounding hides: with threshold 11, a published 10 means 11 or 12.

So, before a release is answered and stored, `secure` looks at it with every stored release.
A count is protected when it is small (1 .. threshold-1), whether published as suppressed,
withheld, or never asked for: every row any fixed period (quarter, half, year, financial year)
and any combination of the dimensions used so far could hold. Protecting the rows nobody has
asked for yet is what keeps later releases possible; otherwise 2026 and 2026-H1 could pin the
H2 count before anyone asks for H2.

A protected count is safe when two tables that agree with every published number differ in it
by at least MIN_RANGE (3), also for an insider who knows one case (and so knows its cell holds
at least one). `_Space` proves this constructively: starting from the true table it moves one
case at a time, into or out of a cell of the count, or between that cell and a neighbouring one
(one quarter or one dimension value apart), keeping every published number true. Such witness
tables are real solutions, so the attacker's range is at least as wide; the search is greedy and
may miss wider ranges, which only makes the audit withhold more than strictly needed.

When a count is not safe, rows of the new release that block the witnesses are withheld
(left out of the answer), choosing those that widen the count most, then the fewest and finest
rows: typically a neighbouring cell rather than a total. Withheld rows tell the attacker
nothing; as in official secondary suppression, we assume the choice of withheld rows is not
itself reverse-engineered. Stored releases cannot change, so a count the stored releases
already narrow (the greedy search can miss what an earlier audit found) must only not get
narrower; withholding every new row always achieves that, so publishing never fails.

Limits: counts are audited against today's records. A stored row that no longer matches them
(a case reclassified, a dimension such as stage that changes over time) describes records as
they were and is left out of the audit. Time is never finer than a calendar quarter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import product

from casework.stats.disclosure import DEFAULT, MIN_RANGE, Profile, PublishedCount, possible_counts
from casework.stats.periods import Period, parse_period, quarters_within
from casework.stats.tables import Key, Release, Tally, primary

#: How many ways of unblocking a protected count are compared before one is chosen.
CANDIDATES = 24
Move = tuple[tuple[int, int], ...]
Bounds = tuple[int, int] | None


def publish(tally: Tally, period: Period, dims: Sequence[str], profile: Profile = DEFAULT,
            stored: Sequence[Release] = ()) -> Release:
    """The release to answer and to store: protected row by row, then audited with stored ones."""
    return secure(primary(tally, period, dims, profile), stored, tally)


def secure(new: Release, stored: Sequence[Release], tally: Tally) -> Release:
    """Withhold rows of new until every small count keeps enough doubt (see the module)."""
    space = _Space(tally, stored, new)
    for count in space.protected():
        while (failure := space.check(count)) is not None:
            space.withhold(space.unblocking(count, *failure))
    withheld = {space.new_rows[q] for q in space.withheld}
    return replace(new, rows=tuple(row for row in new.rows if row.key not in withheld),
                   withheld=tuple(row.key for row in new.rows if row.key in withheld))


def _meet(a: Bounds, b: Bounds) -> Bounds:
    if a is None or b is None:
        return a or b
    return max(a[0], b[0]), min(a[1], b[1])


@dataclass
class _Walk:
    """A witness: changes to classes that keep every published number true, and per count."""

    sign: int
    classes: dict[int, int] = field(default_factory=dict)
    counts: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))

    def apply(self, move: Move, class_counts: list[list[int]]) -> None:
        for c, d in move:
            self.classes[c] = self.classes.get(c, 0) + d
            for q in class_counts[c]:
                self.counts[q] += d


class _Space:
    """Classes (a quarter and a value of every dimension used), the counts over them (every row
    of every fixed period within the releases' quarters), what is published about each count,
    and the search for witnesses."""

    def __init__(self, tally: Tally, stored: Sequence[Release], new: Release) -> None:
        releases = [*stored, new]
        self.dims = list(dict.fromkeys(dim for release in releases for dim in release.dims))
        quarters = sorted({q for r in releases for q in quarters_within(r.period)})
        self.axes = [quarters, *(tally.domains[dim] for dim in self.dims)]
        self.classes = list(product(*self.axes))
        self.class_id = {key: c for c, key in enumerate(self.classes)}
        self.truth = [0] * len(self.classes)
        where = [list(tally.domains).index(dim) for dim in self.dims]
        for (quarter, values), n in tally.counts.items():
            c = self.class_id.get((quarter, *(values[i] for i in where)))
            if c is not None:
                self.truth[c] += n
        self.count_id: dict[tuple[tuple, Key], int] = {}
        periods = _periods(releases, quarters)
        masks = list(product((True, False), repeat=len(self.dims)))
        self.class_counts = [
            [self._count((p.start, p.end),
                         tuple(v if m else None for v, m in zip(key[1:], mask, strict=True)))
             for p in periods if p.covers(key[0]) for mask in masks]
            for key in self.classes]
        self.members: list[list[int]] = [[] for _ in self.count_id]
        for c, counts in enumerate(self.class_counts):
            for q in counts:
                self.members[q].append(c)
        self.exact = [sum(self.truth[c] for c in m) for m in self.members]
        self.threshold = max(r.profile.threshold for r in releases)
        self.stored_bounds: list[Bounds] = [None] * len(self.exact)
        for release in stored:
            for q, _key, bounds in self._published(release):
                if bounds[0] <= self.exact[q] <= bounds[1]:  # else: records changed since
                    self.stored_bounds[q] = _meet(self.stored_bounds[q], bounds)
        self.bounds = list(self.stored_bounds)
        self.new_rows: dict[int, Key] = {}
        for q, key, bounds in self._published(new):
            self.new_rows[q] = key
            self.bounds[q] = _meet(self.bounds[q], bounds)
        self.withheld: set[int] = set()

    def _count(self, period: tuple, key: Key) -> int:
        return self.count_id.setdefault((period, key), len(self.count_id))

    def _published(self, release: Release) -> Iterator[tuple[int, Key, tuple[int, int]]]:
        period = (release.period.start, release.period.end)
        for row in release.rows:
            full = tuple(row.key[release.dims.index(d)] if d in release.dims else None
                         for d in self.dims)
            bounds = possible_counts(PublishedCount(row.count, row.suppressed), release.profile)
            yield self.count_id[period, full], row.key, bounds

    def protected(self) -> list[int]:
        """Counts that are small (1 .. threshold-1): published, withheld or never asked for."""
        return [q for q, n in enumerate(self.exact) if 1 <= n < self.threshold]

    def withhold(self, counts: frozenset[int]) -> None:
        for q in counts:
            self.withheld.add(q)
            self.bounds[q] = self.stored_bounds[q]

    def check(self, q: int) -> tuple[frozenset[int], list[_Walk]] | None:
        """None if count q keeps enough doubt for an outsider and for an insider who knows any
        one case; otherwise who (the insider's class, if any) and the witnesses that got stuck."""
        insiders, seen = [frozenset()], set()
        while insiders:
            frozen = insiders.pop()
            walks = self._walks(q, frozen)
            if self._reach(q, walks) < min(MIN_RANGE, self._baseline(q, frozen)):
                return frozen, walks
            for w in walks:  # a witness that empties a class fails an insider who knows it
                for c, d in w.classes.items():
                    if self.truth[c] > 0 and self.truth[c] + d == 0 and c not in seen:
                        seen.add(c)
                        insiders.append(frozenset({c}))
        return None

    def _baseline(self, q: int, frozen: frozenset[int]) -> int:
        """The doubt count q had before this release (every new row withheld)."""
        return self._trial(q, frozen, frozenset(self.new_rows) - self.withheld)

    def _trial(self, q: int, frozen: frozenset[int], counts: frozenset[int]) -> int:
        """The doubt count q would keep if counts were withheld too."""
        saved = list(self.bounds)
        for w in counts:
            self.bounds[w] = self.stored_bounds[w]
        reach = self._reach(q, self._walks(q, frozen))
        self.bounds = saved
        return reach

    def _reach(self, q: int, walks: list[_Walk]) -> int:
        inside = set(self.members[q])
        return sum(w.sign * sum(d for c, d in w.classes.items() if c in inside) for w in walks)

    def _walks(self, q: int, frozen: frozenset[int]) -> list[_Walk]:
        """Greedy witnesses that move count q up, and down, by up to MIN_RANGE each."""
        walks = []
        for sign in (1, -1):
            walk = _Walk(sign)
            for _ in range(MIN_RANGE):
                move = self._best_move(q, walk, frozen)
                if move is None:
                    break
                walk.apply(move, self.class_counts)
            walks.append(walk)
        return walks

    def _moves(self, q: int, sign: int, pairs: bool) -> Iterator[Move]:
        """Change one class of count q, or move a case between it and a neighbour outside q."""
        inside = set(self.members[q])
        for c in self.members[q]:
            if not pairs:
                yield ((c, sign),)
                continue
            key = self.classes[c]
            for axis, values in enumerate(self.axes):
                for value in values:
                    n = self.class_id[(*key[:axis], value, *key[axis + 1:])]
                    if n not in inside:
                        yield ((c, sign), (n, -sign))

    def _test(self, move: Move, walk: _Walk,
              frozen: frozenset[int]) -> tuple[list[int], int] | None:
        """The counts a move would make contradict what is published, and its least slack;
        None if it would empty a class below zero (or below the insider's one case)."""
        change: defaultdict[int, int] = defaultdict(int)
        for c, d in move:
            if self.truth[c] + walk.classes.get(c, 0) + d < (1 if c in frozen else 0):
                return None
            for q in self.class_counts[c]:
                change[q] += d
        broken, slack = [], MIN_RANGE * 10
        for q, d in change.items():
            bounds = self.bounds[q]
            if d == 0 or bounds is None:
                continue
            value = self.exact[q] + walk.counts[q] + d
            if not bounds[0] <= value <= bounds[1]:
                broken.append(q)
            else:
                slack = min(slack, value - bounds[0] if d < 0 else bounds[1] - value)
        return broken, slack

    def _best_move(self, q: int, walk: _Walk, frozen: frozenset[int]) -> Move | None:
        for pairs in (False, True):
            best, best_slack = None, -1
            for move in self._moves(q, walk.sign, pairs):
                result = self._test(move, walk, frozen)
                if result is not None and not result[0] and result[1] > best_slack:
                    best, best_slack = move, result[1]
            if best is not None:
                return best
        return None

    def unblocking(self, q: int, frozen: frozenset[int], walks: list[_Walk]) -> frozenset[int]:
        """New rows to withhold: of those blocking a witness, the ones that most widen count q,
        then the fewest and finest; all remaining new rows if none helps."""
        options: set[frozenset[int]] = set()
        for walk in walks:
            for pairs in (False, True):
                for move in self._moves(q, walk.sign, pairs):
                    result = self._test(move, walk, frozen)
                    if result and result[0] and all(self._withholdable(b) for b in result[0]):
                        options.add(frozenset(result[0]))
        best, best_score = None, None
        for option in sorted(options, key=self._cost)[:CANDIDATES]:
            score = (-self._trial(q, frozen, option), self._cost(option))
            if best_score is None or score < best_score:
                best, best_score = option, score
        if best is None or -best_score[0] <= self._reach(q, walks):
            return frozenset(self.new_rows) - self.withheld
        return best

    def _withholdable(self, q: int) -> bool:
        return q in self.new_rows and q not in self.withheld

    def _cost(self, counts: frozenset[int]) -> tuple[int, int, list[int]]:
        return len(counts), sum(len(self.members[q]) for q in counts), sorted(counts)


def _periods(releases: list[Release], quarters: list[Period]) -> list[Period]:
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
