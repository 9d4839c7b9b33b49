"""Audit a release together with every stored release, withholding rows until it is safe.

DOCSTRING-PLACEHOLDER
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import product

from casework.stats.disclosure import DEFAULT, MIN_RANGE, Profile, PublishedCount, possible_counts
from casework.stats.periods import Period, quarters_within
from casework.stats.tables import Key, Release, Tally, primary, row_keys

#: How many ways of unblocking a protected row are tried before one is chosen.
CANDIDATES = 24
Move = tuple[tuple[int, int], ...]
Bounds = tuple[int, int] | None


class DisclosureError(Exception):
    """A release that cannot be published without letting a small count be worked out."""


def publish(tally: Tally, period: Period, dims: Sequence[str], profile: Profile = DEFAULT,
            stored: Sequence[Release] = ()) -> Release:
    """The release to answer and to store: protected row by row, then audited with stored ones."""
    return secure(primary(tally, period, dims, profile), stored, tally)


def secure(new: Release, stored: Sequence[Release], tally: Tally) -> Release:
    """Withhold rows of new until every small count, in it or in stored, keeps enough doubt."""
    space = _Space(tally, [*stored, new])
    for row in space.protected():
        while (failure := space.check(row)) is not None:
            chosen = space.unblocking(row, *failure)
            if not chosen:
                raise DisclosureError(
                    f"the {new.period.key} release by {', '.join(new.dims) or 'total'} would let a "
                    "small count be worked out from it and the releases before it; "
                    "ask for fewer dimensions or a longer period")
            space.withhold(chosen)
    withheld = {key for index, key in space.rows if index == len(stored)
                and space.bounds[space.row_id[index, key]] is None}
    return replace(new, rows=tuple(row for row in new.rows if row.key not in withheld),
                   withheld=tuple(row.key for row in new.rows if row.key in withheld))


@dataclass
class _Walk:
    """A witness: class changes that keep every published row true, and what they add per row."""

    sign: int
    classes: dict[int, int] = field(default_factory=dict)
    rows: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))

    def apply(self, move: Move, class_rows: list[list[int]]) -> None:
        for c, d in move:
            self.classes[c] = self.classes.get(c, 0) + d
            for r in class_rows[c]:
                self.rows[r] += d


class _Space:
    """Classes of finest cells that no release tells apart, the published rows over them, and
    the search for witnesses (other tables that every published number allows)."""

    def __init__(self, tally: Tally, releases: list[Release]) -> None:
        dims = list(dict.fromkeys(dim for release in releases for dim in release.dims))
        quarters = sorted({q for release in releases for q in quarters_within(release.period)})
        pattern_of = {q: tuple(r.period.covers(q) for r in releases) for q in quarters}
        patterns = sorted(set(pattern_of.values()))
        self.axes = [patterns, *(tally.domains[dim] for dim in dims)]
        self.classes = list(product(*self.axes))
        self.class_id = {key: i for i, key in enumerate(self.classes)}
        self.truth = [0] * len(self.classes)
        where = [list(tally.domains).index(dim) for dim in dims]
        for (quarter, values), n in tally.counts.items():
            if quarter in pattern_of:
                self.truth[self.class_id[(pattern_of[quarter], *(values[i] for i in where))]] += n
        self.rows = [(i, key) for i, release in enumerate(releases)
                     for key in row_keys(release.dims, tally.domains)]
        self.row_id = {row: n for n, row in enumerate(self.rows)}
        self.class_rows = [self._rows_of(key, releases, dims) for key in self.classes]
        self.members: list[list[int]] = [[] for _ in self.rows]
        for c, ids in enumerate(self.class_rows):
            for r in ids:
                self.members[r].append(c)
        self.row_truth = [sum(self.truth[c] for c in m) for m in self.members]
        self.threshold = [releases[i].profile.threshold for i, _ in self.rows]
        self.bounds = [self._bounds(releases[i], key, n) for n, (i, key) in enumerate(self.rows)]
        self.new = len(releases) - 1

    def _rows_of(self, key: tuple, releases: list[Release], dims: list[str]) -> list[int]:
        pattern, values = key[0], key[1:]
        ids = []
        for i, release in enumerate(releases):
            if pattern[i]:
                cell = tuple(values[dims.index(dim)] for dim in release.dims)
                n = len(cell)
                margins = [(None,) * j + (v,) + (None,) * (n - j - 1) for j, v in enumerate(cell)]
                keys = {cell, (None,) * n, *(margins if n > 1 else [])}
                ids += [self.row_id[i, k] for k in keys]
        return ids

    def _bounds(self, release: Release, key: Key, row: int) -> Bounds:
        """What the published row says about its count; None if withheld or no longer true."""
        published = next((r for r in release.rows if r.key == key), None)
        if published is None:
            return None
        low, high = possible_counts(PublishedCount(published.count, published.suppressed),
                                    release.profile)
        return (low, high) if low <= self.row_truth[row] <= high else None

    def protected(self) -> Iterator[int]:
        """Rows whose exact count is small, published (suppressed) or withheld alike."""
        return (r for r, n in enumerate(self.row_truth) if 1 <= n < self.threshold[r])

    def withhold(self, rows: frozenset[int]) -> None:
        for r in rows:
            self.bounds[r] = None

    def check(self, p: int) -> tuple[frozenset[int], list[_Walk]] | None:
        """None if row p keeps MIN_RANGE of doubt for anyone who knows at most one case;
        otherwise the insider's case class (or none) and the witnesses that got stuck."""
        walks = self._walks(p, frozenset())
        if self._reach(p, walks) < MIN_RANGE:
            return frozenset(), walks
        emptied = sorted({c for w in walks for c, d in w.classes.items()
                          if self.truth[c] > 0 and self.truth[c] + d == 0})
        for c in emptied:
            walks = self._walks(p, frozenset({c}))
            if self._reach(p, walks) < MIN_RANGE:
                return frozenset({c}), walks
        return None

    def _inside(self, p: int, walk: _Walk) -> list[int]:
        members = set(self.members[p])
        return [c for c in walk.classes if c in members]

    def _reach(self, p: int, walks: list[_Walk]) -> int:
        return sum(w.sign * sum(w.classes[c] for c in self._inside(p, w)) for w in walks)

    def _walks(self, p: int, frozen: frozenset[int]) -> list[_Walk]:
        """Greedy witnesses that move row p up and down by up to MIN_RANGE each."""
        walks = []
        for sign in (1, -1):
            walk = _Walk(sign)
            for _ in range(MIN_RANGE):
                move = self._best_move(p, walk, frozen)
                if move is None:
                    break
                walk.apply(move, self.class_rows)
            walks.append(walk)
        return walks

    def _moves(self, p: int, sign: int, pairs: bool) -> Iterator[Move]:
        """Change one class of row p, or move a case between it and a neighbour outside p."""
        inside = set(self.members[p])
        for c in self.members[p]:
            if not pairs:
                yield ((c, sign),)
                continue
            for n in self._neighbours(c):
                if n not in inside:
                    yield ((c, sign), (n, -sign))

    def _neighbours(self, c: int) -> Iterator[int]:
        key = self.classes[c]
        for axis, values in enumerate(self.axes):
            for value in values:
                if value != key[axis]:
                    yield self.class_id[(*key[:axis], value, *key[axis + 1:])]

    def _test(self, move: Move, walk: _Walk,
              frozen: frozenset[int]) -> tuple[list[int], int] | None:
        """The rows a move would make untrue and its least remaining slack; None if impossible."""
        change: defaultdict[int, int] = defaultdict(int)
        for c, d in move:
            if self.truth[c] + walk.classes.get(c, 0) + d < (1 if c in frozen else 0):
                return None
            for r in self.class_rows[c]:
                change[r] += d
        broken, slack = [], MIN_RANGE * 10
        for r, d in change.items():
            bounds = self.bounds[r]
            if d == 0 or bounds is None:
                continue
            value = self.row_truth[r] + walk.rows[r] + d
            if not bounds[0] <= value <= bounds[1]:
                broken.append(r)
            else:
                slack = min(slack, value - bounds[0] if d < 0 else bounds[1] - value)
        return broken, slack

    def _best_move(self, p: int, walk: _Walk, frozen: frozenset[int]) -> Move | None:
        for pairs in (False, True):
            best, best_slack = None, -1
            for move in self._moves(p, walk.sign, pairs):
                result = self._test(move, walk, frozen)
                if result is not None and not result[0] and result[1] > best_slack:
                    best, best_slack = move, result[1]
            if best is not None:
                return best
        return None

    def unblocking(self, p: int, frozen: frozenset[int], walks: list[_Walk]) -> frozenset[int]:
        """The new rows to withhold that most widen row p's doubt (fewest and finest on ties)."""
        options: set[frozenset[int]] = set()
        for walk in walks:
            for pairs in (False, True):
                for move in self._moves(p, walk.sign, pairs):
                    result = self._test(move, walk, frozen)
                    if result and result[0] and all(self._withholdable(r) for r in result[0]):
                        options.add(frozenset(result[0]))
        best, best_score = frozenset(), None
        for option in sorted(options, key=self._cost)[:CANDIDATES]:
            saved = [self.bounds[r] for r in option]
            self.withhold(option)
            score = (-self._reach(p, self._walks(p, frozen)), self._cost(option))
            for r, bounds in zip(option, saved, strict=True):
                self.bounds[r] = bounds
            if best_score is None or score < best_score:
                best, best_score = option, score
        return best

    def _withholdable(self, r: int) -> bool:
        return self.rows[r][0] == self.new and self.bounds[r] is not None

    def _cost(self, rows: frozenset[int]) -> tuple[int, int, list[int]]:
        return len(rows), sum(len(self.members[r]) for r in rows), sorted(rows)
