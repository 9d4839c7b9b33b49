"""Statistics releases: exact counts in, a protected table for one fixed period out.

A release by dimensions (route, category) has a row for every combination of their values,
zeros included, a row per value of each dimension with the others "all" (None), and the grand
total (every dimension None). For one dimension the cells are the margins. Every count is
computed exactly from the records, with the sum of their record keys, and then protected on its
own (casework.stats.disclosure, with the cell key of casework.stats.cellkey).

Two rules decide where a zero is shown as suppressed instead:
- a zero inside a small group says what the few people of that group did not do (no fraud report
  among the three from one quarter was anonymous, so all three gave their names); so a zero is
  shown only where every group it lies in (a cell's two margins, a margin's total) is empty or
  at least the threshold;
- a small unit (a department, a queue that stands for one officer) is not shown under the
  threshold at all, zero included: a row of one is suppressed whether it holds a few cases or
  none, so it never proves that someone there reported, nor that everyone is elsewhere.
Everywhere else a zero is shown as 0, as the contract says: an empty group points at nobody.

casework.stats.audit.publish then checks the release together with every stored one and
refuses it whole where they could narrow a small count down.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from typing import Any

from casework.stats.cellkey import (
    NOISE_LIMIT,
    UNIT_NOISE_LIMIT,
    cell_key,
    record_key,
)
from casework.stats.disclosure import CELL_KEY, ROUNDING, Profile, protect_count
from casework.stats.periods import Period, parse_period, quarter_of

#: A row's values, one per dimension of its release; None means "all values".
Key = tuple[str | None, ...]
#: Dimensions whose values are small sets of people: published on their own only, and never
#: under the threshold, zero included.
SMALL_UNITS = frozenset({"department", "queue"})


@dataclass(frozen=True)
class Row:
    """One published row: count is None exactly when suppressed."""

    key: Key
    count: int | None
    suppressed: bool


@dataclass(frozen=True)
class Release:
    """A published table for one fixed period, as answered and as stored.

    method: how its counts were protected (CELL_KEY; ROUNDING for releases stored before
    issue 19) and noise, the most a count was perturbed by; refused: the audit refused it
    whole (no row is published); withheld: rows a stored ROUNDING release left out."""

    period: Period
    dims: tuple[str, ...]
    rows: tuple[Row, ...]
    profile: Profile
    withheld: tuple[Key, ...] = field(default=(), compare=False)
    method: str = CELL_KEY
    noise: int = NOISE_LIMIT
    refused: bool = False
    #: The counts behind a release's measures (rows by its dimensions and a measure's), where
    #: every row lies in a published group of at least the threshold (so a 0 shows).
    measures: bool = False
    #: Refused because the audit could not finish (out of time, or its solver failed), not
    #: because of what it found: not to be stored, so that asking again checks it again.
    unsure: bool = field(default=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The answer: {period, rows: [{<dims>, count, suppressed}], threshold, rounding,
        method, noise} and, for a refused release, withheld: true and no rows."""
        answer = {
            "period": self.period.key,
            "rows": [{**dict(zip(self.dims, row.key, strict=True)), "count": row.count,
                      "suppressed": row.suppressed} for row in self.rows],
            "threshold": self.profile.threshold,
            "rounding": self.profile.rounding,
            "method": self.method,
            "noise": self.noise,
        }
        if self.unsure:
            return {**answer, "withheld": True, "retry": True}
        return {**answer, "withheld": True} if self.refused else answer

    def refuse(self, unsure: bool = False) -> Release:
        """The same release with no row published (unsure: the audit could not finish)."""
        return Release(self.period, self.dims, (), self.profile,
                       tuple(row.key for row in self.rows), self.method, self.noise, True,
                       self.measures, unsure)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], dims: Sequence[str],
                  fiscal_year_start_month: int = 1) -> Release:
        """Read a stored answer back (rows absent from it count as withheld)."""
        profile = Profile("stored", int(data["threshold"]), int(data["rounding"]), 1)
        rows = tuple(Row(tuple(row[d] for d in dims), row["count"], bool(row["suppressed"]))
                     for row in data["rows"])
        method = data.get("method", ROUNDING)
        return cls(parse_period(data["period"], fiscal_year_start_month), tuple(dims), rows,
                   profile, method=method, noise=int(data.get("noise", 0)),
                   refused=bool(data.get("withheld")))


@dataclass(frozen=True)
class Tally:
    """Exact case counts at the finest grain: (calendar quarter, one value per dimension), with
    the sum of the cases' record keys (casework.stats.cellkey) in key_sums.

    feasible: for some groups of dimensions, every combination of their values a case can have
    (a category belongs to its routes; a case declined for a reason reached the declined
    stage). Anyone can read these rules in the route definitions, so the audit takes the
    other combinations as known to be empty."""

    domains: Mapping[str, tuple[str, ...]]
    counts: Mapping[tuple[Period, tuple[str, ...]], int]
    feasible: Mapping[tuple[str, ...], frozenset[tuple[str, ...]]] = field(default_factory=dict)
    key_sums: Mapping[tuple[Period, tuple[str, ...]], int] = field(default_factory=dict)
    #: The cell key's secret (from the keyring, casework.stats.cellkey.PURPOSE).
    secret: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_cases(cls, cases: Iterable[tuple[date, Mapping[str, str]]],
                   domains: Mapping[str, Sequence[str]], keys: Sequence[int] | None = None,
                   secret: bytes | None = None,
                   feasible: Mapping[tuple[str, ...], frozenset[tuple[str, ...]]] | None = None
                   ) -> Tally:
        """Count cases given as (date lodged, {dimension: value}) over the dimensions' values;
        keys are their record keys and secret the cell key's (fresh random ones when not
        given: for tests and benchmarks)."""
        doms = {dim: tuple(values) for dim, values in domains.items()}
        cases = list(cases)
        if keys is None:
            keys = [record_key() for _ in cases]
        counts: dict[tuple[Period, tuple[str, ...]], int] = defaultdict(int)
        sums: dict[tuple[Period, tuple[str, ...]], int] = defaultdict(int)
        for (lodged, values), key in zip(cases, keys, strict=True):
            for dim, allowed in doms.items():
                if values.get(dim) not in allowed:
                    raise ValueError(f"{dim} {values.get(dim)!r} is not one of {allowed}")
            cell = (quarter_of(lodged), tuple(values[dim] for dim in doms))
            counts[cell] += 1
            sums[cell] += key
        return cls(doms, dict(counts), feasible or {}, dict(sums),
                   secret if secret is not None else secrets.token_bytes(32))

    def exact(self, period: Period, dims: Sequence[str], key: Key) -> int:
        """The exact count of cases in period whose values match key (None matches any)."""
        return self.exact_and_key(period, dims, key)[0]

    def exact_and_key(self, period: Period, dims: Sequence[str], key: Key) -> tuple[int, int]:
        """The exact count, and the sum of the record keys, of the cases matching key."""
        index = [list(self.domains).index(dim) for dim in dims]
        n = total = 0
        for cell, count in self.counts.items():
            quarter, values = cell
            if period.covers(quarter) and all(v is None or values[i] == v
                                              for i, v in zip(index, key, strict=True)):
                n += count
                total += self.key_sums.get(cell, 0)
        return n, total


def row_keys(dims: Sequence[str], domains: Mapping[str, Sequence[str]]) -> list[Key]:
    """Every row of a release: the cells, then each one-way margin, then the grand total."""
    n = len(dims)
    keys: list[Key] = list(product(*(domains[dim] for dim in dims))) if n else []
    if n > 1:
        keys += [(None,) * i + (value,) + (None,) * (n - i - 1)
                 for i, dim in enumerate(dims) for value in domains[dim]]
    return [*keys, (None,) * n]


def parents(key: Key) -> list[Key]:
    """The groups a row lies in within its table: a cell's margins, a margin's total."""
    fixed = [i for i, v in enumerate(key) if v is not None]
    if len(fixed) > 1:
        return [tuple(v if j == i else None for j, v in enumerate(key)) for i in fixed]
    return [(None,) * len(key)] if fixed else []


def ruled_out(tally: Tally, dims: Sequence[str], key: Key) -> bool:
    """Whether no case can have these values by the rules anyone can read (Tally.feasible)."""
    for group, combos in tally.feasible.items():
        fixed = [(i, dims.index(d)) for i, d in enumerate(group)
                 if d in dims and key[dims.index(d)] is not None]
        if len(fixed) > 1 and tuple(key[j] for _, j in fixed) not in {
                tuple(combo[i] for i, _ in fixed) for combo in combos}:
            return True
    return False


def primary(tally: Tally, period: Period, dims: Sequence[str], profile: Profile,
            secret: bytes) -> Release:
    """Protect every row of a release on its own, before the audit looks at them together."""
    unknown = [dim for dim in dims if dim not in tally.domains]
    if unknown or len(set(dims)) != len(dims):
        raise ValueError(f"unknown or repeated dimensions: {list(dims)}; "
                         f"known: {sorted(tally.domains)}")
    keys = row_keys(dims, tally.domains)
    exact = {key: tally.exact_and_key(period, dims, key) for key in keys}
    units = [i for i, dim in enumerate(dims) if dim in SMALL_UNITS]
    hidden: dict[Key, bool] = {}

    def hides(key: Key) -> bool:
        """A zero that must not show: in a small unit, or in a group that is small or itself a
        zero that does not show; never one the public rules rule out (fraud raised as a
        harassment complaint), which tells nobody anything."""
        if key not in hidden:
            n = exact[key][0]
            hidden[key] = n == 0 and not ruled_out(tally, dims, key) and (
                any(key[i] is not None for i in units) or any(
                    0 < exact[p][0] < profile.threshold or hides(p) for p in parents(key)))
        return hidden[key]

    noise = UNIT_NOISE_LIMIT if units else NOISE_LIMIT
    rows = []
    for key in keys:
        n, key_sum = exact[key]
        in_unit = any(key[i] is not None for i in units)
        published = protect_count(n, profile, cell_key(secret, key_sum),
                                  zero_shown=not hides(key), noise=noise)
        if in_unit and n < profile.threshold:
            published = protect_count(0, profile, 0.0, zero_shown=False)
        rows.append(Row(key, published.count, published.suppressed))
    return Release(period, tuple(dims), tuple(rows), profile, noise=noise)
