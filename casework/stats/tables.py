"""Statistics releases: exact counts in, a protected table for one fixed period out.

A release by dimensions (route, category) has a row for every combination of their values,
zeros included, a row per value of each dimension with the others "all" (None), and the grand
total (every dimension None). For one dimension the cells are the margins. Every count is
computed exactly from the records and then protected on its own (casework.stats.disclosure);
casework.stats.audit.publish then audits the table together with every stored release and
withholds rows where needed. A withheld row is left out of `rows`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from typing import Any

from casework.stats.disclosure import Profile, protect_count
from casework.stats.periods import Period, parse_period, quarter_of

#: A row's values, one per dimension of its release; None means "all values".
Key = tuple[str | None, ...]


@dataclass(frozen=True)
class Row:
    """One published row: count is None exactly when suppressed."""

    key: Key
    count: int | None
    suppressed: bool


@dataclass(frozen=True)
class Release:
    """A published table for one fixed period, as answered and as stored; withheld holds the
    keys of rows the audit left out (not part of the answer)."""

    period: Period
    dims: tuple[str, ...]
    rows: tuple[Row, ...]
    profile: Profile
    withheld: tuple[Key, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The answer: {period, rows: [{<dims>, count, suppressed}], threshold, rounding}."""
        return {
            "period": self.period.key,
            "rows": [{**dict(zip(self.dims, row.key, strict=True)), "count": row.count,
                      "suppressed": row.suppressed} for row in self.rows],
            "threshold": self.profile.threshold,
            "rounding": self.profile.rounding,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], dims: Sequence[str],
                  fiscal_year_start_month: int = 1) -> Release:
        """Read a stored answer back (rows absent from it count as withheld)."""
        profile = Profile("stored", int(data["threshold"]), int(data["rounding"]), 1)
        rows = tuple(Row(tuple(row[d] for d in dims), row["count"], bool(row["suppressed"]))
                     for row in data["rows"])
        return cls(parse_period(data["period"], fiscal_year_start_month), tuple(dims), rows,
                   profile)


@dataclass(frozen=True)
class Tally:
    """Exact case counts at the finest grain: (calendar quarter, one value per dimension).

    feasible: for some groups of dimensions, every combination of their values a case can have
    (a category belongs to its routes; a case declined for a reason reached the declined
    stage). Anyone can read these rules in the route definitions, so the audit takes the
    other combinations as known to be empty."""

    domains: Mapping[str, tuple[str, ...]]
    counts: Mapping[tuple[Period, tuple[str, ...]], int]
    feasible: Mapping[tuple[str, ...], frozenset[tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def from_cases(cls, cases: Iterable[tuple[date, Mapping[str, str]]],
                   domains: Mapping[str, Sequence[str]]) -> Tally:
        """Count cases given as (date lodged, {dimension: value}) over the dimensions' values."""
        doms = {dim: tuple(values) for dim, values in domains.items()}
        counts: dict[tuple[Period, tuple[str, ...]], int] = defaultdict(int)
        for lodged, values in cases:
            for dim, allowed in doms.items():
                if values.get(dim) not in allowed:
                    raise ValueError(f"{dim} {values.get(dim)!r} is not one of {allowed}")
            counts[quarter_of(lodged), tuple(values[dim] for dim in doms)] += 1
        return cls(doms, dict(counts))

    def exact(self, period: Period, dims: Sequence[str], key: Key) -> int:
        """The exact count of cases in period whose values match key (None matches any)."""
        index = [list(self.domains).index(dim) for dim in dims]
        return sum(n for (quarter, values), n in self.counts.items()
                   if period.covers(quarter)
                   and all(v is None or values[i] == v for i, v in zip(index, key, strict=True)))


def row_keys(dims: Sequence[str], domains: Mapping[str, Sequence[str]]) -> list[Key]:
    """Every row of a release: the cells, then each one-way margin, then the grand total."""
    n = len(dims)
    keys: list[Key] = list(product(*(domains[dim] for dim in dims))) if n else []
    if n > 1:
        keys += [(None,) * i + (value,) + (None,) * (n - i - 1)
                 for i, dim in enumerate(dims) for value in domains[dim]]
    return [*keys, (None,) * n]


def primary(tally: Tally, period: Period, dims: Sequence[str], profile: Profile) -> Release:
    """Protect every row of a release on its own, before the audit looks at them together."""
    unknown = [dim for dim in dims if dim not in tally.domains]
    if unknown or len(set(dims)) != len(dims):
        raise ValueError(f"unknown or repeated dimensions: {list(dims)}; "
                         f"known: {sorted(tally.domains)}")
    rows = []
    for key in row_keys(dims, tally.domains):
        published = protect_count(tally.exact(period, dims, key), profile)
        rows.append(Row(key, published.count, published.suppressed))
    return Release(period, tuple(dims), tuple(rows), profile)

