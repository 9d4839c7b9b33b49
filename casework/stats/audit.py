"""Audit a release together with every stored release, withholding rows until it is safe.

Why rounding and suppression are not enough (the attacker in tests/stats/attacker.py treats every
published number as a constraint and solves for the small ones; each of these breaks the rules
of casework.stats.disclosure applied row by row, and each is a test there):

- One release: cells of 1, 8 and 8 with a total of 17 publish as "suppressed, 10, 10, 15". Each
  10 is at least 8 and 15 is at most 17, so the suppressed cell is exactly 1.
- Suppression alone: seven categories of one case each and a total of 7, all suppressed. Each
  cell is at least 1 and the total at most 7, so every cell is exactly 1.
- Nested periods: 2026-Q1, 2026-Q2 and 2026-H1 give three readings, each +-2, of overlapping
  sums; together they pin a Q1 cell that each release alone keeps in doubt.
- Stricter profiles narrow what rounding hides: with threshold 11, a published 10 means 11 or 12.
Row by row, about one random organisation in five had a count pinned or narrowed this way.

So `publish` protects each row (disclosure), then `secure` looks at the new release together
with every stored one linked to it by overlapping periods (others share no case with it). A
count is protected when it is small (1 .. threshold-1), whether it is published as suppressed,
withheld, or not yet asked for: every row of every fixed period made of the releases' quarters
(quarter, half, year, financial year), by any part of the dimensions some release used.
Protecting rows nobody asked for yet keeps later releases possible: otherwise 2026 and 2026-H1
could pin an H2 count before anyone asks for H2.

A protected count is safe when two tables that agree with every published number differ in it
by at least MIN_RANGE (3), also for an insider who knows one case (so knows its class holds at
least one). casework.stats.witness finds such tables by moving cases; they are real solutions,
so the attacker's range is at least as wide. The search can miss a wider range, which only
makes the audit withhold more than needed.

When a count is not safe, rows of the new release that block the witnesses are withheld (left
out of the answer): those that widen the count most, then the fewest and finest, typically a
neighbouring cell rather than a total. Withheld rows tell the attacker nothing: as in official
secondary suppression, we assume the choice of withheld rows is not itself reverse-engineered.
Stored releases cannot change, so a count the search finds already narrowed by them must only
not get narrower; withholding every new row always achieves that, so publishing never fails.

Limits: counts are audited against today's records; a stored row that no longer matches them (a
case reclassified, or a dimension such as stage that changes over time) describes the records as
they were and is left out. Time is never finer than a calendar quarter. Classes known to be
empty (under a published 0, or ruled out by Tally.feasible) are not searched. The search costs
seconds for releases over thousands of fine cells (bench/bench_annual.py: an annual report of
ten sections over a year of 100 varied cases); answer stored releases from storage.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from itertools import product

from casework.stats.disclosure import DEFAULT, MIN_RANGE, Profile, PublishedCount, possible_counts
from casework.stats.periods import Period, parse_period, quarters_within
from casework.stats.tables import Key, Release, Tally, primary
from casework.stats.witness import DEEP, FAMILIES, QUICK, Bounds, Search, Walk

#: How many ways of unblocking a protected count are compared before one is chosen.
CANDIDATES = 24


def publish(tally: Tally, period: Period, dims: Sequence[str], profile: Profile = DEFAULT,
            stored: Sequence[Release] = ()) -> Release:
    """The release to answer and to store: protected row by row, then audited with stored ones."""
    return secure(primary(tally, period, dims, profile), stored, tally)


def secure(new: Release, stored: Sequence[Release], tally: Tally) -> Release:
    """Withhold rows of new until every small count keeps enough doubt (see the module).

    The tally must count every dimension of the stored releases that overlap new."""
    stored = _overlapping(new, stored)
    missing = {dim for release in stored for dim in release.dims} - set(tally.domains)
    if missing:
        raise ValueError(f"count the dimensions of the stored releases too: {sorted(missing)}")
    space = _Space(tally, stored, new)
    for count in space.protected():
        while (failure := space.check(count)) is not None:
            chosen = space.unblocking(count, *failure)
            if not chosen:  # cannot happen: with every new row withheld the check passes
                raise RuntimeError(f"the statistics audit is stuck on {new.period.key}")
            space.withhold(chosen)
    withheld = {space.new_rows[q] for q in space.withheld}
    return replace(new, rows=tuple(row for row in new.rows if row.key not in withheld),
                   withheld=tuple(row.key for row in new.rows if row.key in withheld))


class _Empty:
    """Which classes are known to be empty, by their first values (see witness.Search): those
    under a row published as 0, by this release or by a stored one that still holds (one the
    records have since contradicted proves nothing), and those no case can be in (a
    combination outside Tally.feasible). A prefix of a class with cases is never empty."""

    def __init__(self, dims: list[str], releases: Sequence[Release], true: dict[tuple, int],
                 feasible: Mapping[tuple[str, ...], frozenset[tuple]]) -> None:
        self.live = {key[:k] for key in true for k in range(1, len(key) + 1)}
        # Per prefix length: (positions, the feasible values there) of each group of dimensions
        # whose last position in the key is that length's last.
        self.rules: dict[int, list[tuple[tuple[int, ...], frozenset[tuple]]]] = {}
        for group, combos in feasible.items():
            used = sorted((1 + dims.index(d), i) for i, d in enumerate(group) if d in dims)
            for k in range(2, len(used) + 1):  # each prefix of the group's positions, in order
                part = used[:k]  # (one dimension alone rules nothing out)
                allowed = frozenset(tuple(c[i] for _, i in part) for c in combos)
                self.rules.setdefault(part[-1][0] + 1, []).append(
                    (tuple(p for p, _ in part), allowed))
        # By the length of prefix that decides them: the positions a zero row fixes (1 + the
        # dimension's index), then its values, then the periods it covers (start, end).
        self.zeros: dict[int, dict[tuple[int, ...], dict[tuple, list]]] = {}
        seen: dict[tuple[int, ...], set] = {}
        for release in releases:
            span = (release.period.start, release.period.end)
            for row in release.rows:
                if possible_counts(PublishedCount(row.count, row.suppressed),
                                   release.profile) != (0, 0):
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


class _Space(Search):
    """The audit's view: classes are a quarter and a value of every dimension used; counts are
    the rows of every fixed period made of the releases' quarters, by any part of the dimensions
    some release used; bounds are what stored releases and the new one publish about them."""

    def __init__(self, tally: Tally, stored: Sequence[Release], new: Release) -> None:
        releases = [*stored, new]
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
                         dead=_Empty(self.dims, releases, true, tally.feasible))
        for key, n in true.items():
            self.truth[self.class_id[key]] += n
        self.count_id: dict[tuple[tuple, Key], int] = {}
        periods = _periods(releases, quarters)
        # Rows by any part of the dimensions a release used: route and category are asked
        # together, so route x category is protected; route x department once asked for.
        masks = sorted({tuple(d in r.dims and keep for d, keep in zip(self.dims, m, strict=True))
                        for r in releases for m in product((True, False), repeat=len(self.dims))})
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
        self.stored_bounds: list[Bounds] = [None] * len(exact)
        for release in stored:
            for q, _key, bounds in self._published(release):
                if bounds[0] <= exact[q] <= bounds[1]:  # else: records changed since
                    self.stored_bounds[q] = _meet(self.stored_bounds[q], bounds)
        bounds = list(self.stored_bounds)
        self.new_rows: dict[int, Key] = {}
        for q, key, published in self._published(new):
            self.new_rows[q] = key
            bounds[q] = _meet(bounds[q], published)
        self.withheld: set[int] = set()
        self.index(class_counts, len(exact), bounds)

    def _count(self, period: tuple, key: Key) -> int:
        return self.count_id.setdefault((period, key), len(self.count_id))

    def _published(self, release: Release) -> Iterator[tuple[int, Key, tuple[int, int]]]:
        period = (release.period.start, release.period.end)
        for row in release.rows:
            full = tuple(row.key[release.dims.index(d)] if d in release.dims else None
                         for d in self.dims)
            if (period, full) in self.count_id:  # else a value no longer counted: not audited
                bounds = possible_counts(PublishedCount(row.count, row.suppressed),
                                         release.profile)
                yield self.count_id[period, full], row.key, bounds

    def protected(self) -> list[int]:
        """Counts that are small (1 .. threshold-1): published, withheld or never asked for."""
        return [q for q, n in enumerate(self.exact) if 1 <= n < self.threshold]

    def withhold(self, counts: frozenset[int]) -> None:
        for q in counts:
            self.withheld.add(q)
            self.bounds[q] = self.stored_bounds[q]

    def check(self, q: int) -> tuple[frozenset[int], list[Walk]] | None:
        """None if count q keeps enough doubt for an outsider and for an insider who knows any
        one case; otherwise who (the insider's class, if any) and the witnesses that got stuck."""
        insiders: list[tuple[frozenset[int], list[Walk]]] = [(frozenset(), [])]
        seen: set[int] = set()
        while insiders:
            frozen, earlier = insiders.pop()
            walks = self.walks(q, frozen, given=earlier)
            for search in (QUICK, DEEP):  # look harder before giving up
                if self.reach(q, walks) >= MIN_RANGE:
                    break
                if search is DEEP:
                    walks = self.walks(q, frozen, search)
                before = self._baseline(q, frozen, search)
                if not self.contradicted(before) and \
                        self.reach(q, before) > self.reach(q, walks):
                    walks = before  # witnesses from before this release that still hold
            else:
                if self.reach(q, walks) < min(MIN_RANGE, self.reach(q, before)):
                    return frozen, walks
            for w in walks:  # a witness that empties a class fails an insider who knows it
                for c, d in w.classes.items():
                    if self.truth[c] > 0 and self.truth[c] + d == 0 and c not in seen:
                        seen.add(c)
                        insiders.append((frozenset({c}), walks))
        return None

    def _baseline(self, q: int, frozen: frozenset[int],
                  search: tuple[int, int, int] = DEEP) -> list[Walk]:
        """Witnesses for the doubt count q had before this release (every new row withheld)."""
        return self._trial_walks(q, frozen, frozenset(self.new_rows) - self.withheld, search)

    def _trial(self, q: int, frozen: frozenset[int], counts: frozenset[int],
               search: tuple[int, int, int] = QUICK) -> int:
        """The doubt count q would keep if counts were withheld too."""
        return self.reach(q, self._trial_walks(q, frozen, counts, search))

    def _trial_walks(self, q: int, frozen: frozenset[int], counts: frozenset[int],
                     search: tuple[int, int, int]) -> list[Walk]:
        saved = list(self.bounds)
        for w in counts:
            self.bounds[w] = self.stored_bounds[w]
        walks = self.walks(q, frozen, search)
        self.bounds = saved
        return walks

    def unblocking(self, q: int, frozen: frozenset[int], walks: list[Walk]) -> frozenset[int]:
        """New rows to withhold: of those blocking a witness, the ones that most widen count q,
        then the fewest and finest; if none helps, those the witnesses found without any new
        row contradict (withholding them restores the doubt q had before this release)."""
        options: set[frozenset[int]] = set()
        for walk in walks:
            for family in FAMILIES:
                for move in self.moves(q, walk, family):
                    result = self.test(move, walk, frozen)
                    if result and result[0] and all(self._withholdable(b) for b in result[0]):
                        options.add(frozenset(result[0]))
        best, best_score = None, None
        for option in sorted(options, key=self._cost)[:CANDIDATES]:
            score = (-self._trial(q, frozen, option), self._cost(option))
            if best_score is None or score < best_score:
                best, best_score = option, score
        if best is None or -best_score[0] <= self.reach(q, walks):
            return self.contradicted(self._baseline(q, frozen))
        return best

    def _withholdable(self, q: int) -> bool:
        return q in self.new_rows and q not in self.withheld

    def _cost(self, counts: frozenset[int]) -> tuple[int, int, list[int]]:
        return len(counts), sum(len(self.members[q]) for q in counts), sorted(counts)


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
