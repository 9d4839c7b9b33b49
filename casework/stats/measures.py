"""Measures derived from protected counts: days to acknowledge and to close, deadlines met.

For each row of a release that is a cell or the total and was published as a number, four
counts are published like any other, each a row of the release's dimensions and one more:
cases acknowledged, cases closed, cases that met every deadline that has ended, and cases that
missed one (dimensions `acknowledged`, `closed`, `deadlines`). Their group is that row, at least
the threshold, so a 0 among them is shown. They are audited with every stored release before
anything of them is answered (casework.stats.audit; a refusal withholds them all).

What is shown from them is worked out from those published numbers alone, so it tells no more
than they do (casework.stats.disclosure): the share of deadlines met, and each percentile of days
where enough cases lie on either side of it. The percentile's value (a number of days) comes
from the cases themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from casework.stats.cellkey import cell_key
from casework.stats.disclosure import (
    Profile,
    PublishedCount,
    percentile_shown,
    protect_count,
    share_met,
)
from casework.stats.periods import Period
from casework.stats.tables import Key, Release, Row, Tally

#: Each published count of a row's measures: the dimension and value it adds to the row.
COUNTS = {"acknowledged": ("acknowledged", "acknowledged"), "closed": ("closed", "closed"),
          "deadlines_met": ("deadlines", "met"), "deadlines_missed": ("deadlines", "missed")}
DIMENSIONS = ("acknowledged", "closed", "deadlines")
#: The percentiles of days published where enough cases have the measure.
POINTS = (25, 50, 75, 90)
DAYS = {"days_to_acknowledge": "acknowledged", "days_to_close": "closed"}


def measured(release: Release) -> list[Key]:
    """The rows that get measures: cells and the total published as numbers."""
    return [row.key for row in release.rows if row.count and not row.suppressed and (
        all(v is not None for v in row.key) or all(v is None for v in row.key))]


def extended(dims: Sequence[str]) -> tuple[str, ...]:
    """The dimensions of a release's measure counts: its own and the measures' it lacks."""
    return (*dims, *(d for d in DIMENSIONS if d not in dims))


def measure_release(tally: Tally, period: Period, dims: Sequence[str], keys: Sequence[Key],
                    profile: Profile) -> Release:
    """The protected counts behind the measures of the rows keys of a release by dims."""
    if tally.secret is None:
        raise ValueError("measures need the cell key's secret (Tally.secret)")
    wide = extended(dims)
    rows = []
    for key in keys:
        values = dict(zip(dims, key, strict=True))
        for dim, value in COUNTS.values():
            if dim in dims:
                continue  # the row itself, or nothing: no count of its own
            full = tuple(values.get(d) if d in dims else (value if d == dim else None)
                         for d in wide)
            n, key_sum = tally.exact_and_key(period, wide, full)
            published = protect_count(n, profile, cell_key(tally.secret, key_sum))
            rows.append(Row(full, published.count, published.suppressed))
    return Release(period, wide, tuple(rows), profile, measures=True)


def entries(release: Release, counts: Release, days: Mapping[str, Mapping[Key, dict]]
            ) -> list[dict]:
    """What is answered for each measured row: its four counts, the share of deadlines met and
    the percentiles of days that may be shown. days: per measure, per row, the nearest-rank
    percentiles of the cases with it ({25: 3, 50: 6, ...}). Nothing if the counts were refused."""
    if counts.refused:
        return []
    dims, profile = release.dims, release.profile
    by_key = {row.key: row for row in counts.rows}
    shown = {row.key: row for row in release.rows}
    out = []
    for key in measured(release):
        values = dict(zip(dims, key, strict=True))
        found = {name: _count(name, key, dims, counts, by_key, shown[key]) for name in COUNTS}
        entry: dict = {**values, **{name: {"count": c.count, "suppressed": c.suppressed}
                                    for name, c in found.items()}}
        for measure, base in DAYS.items():
            points = days.get(measure, {}).get(key, {})
            visible = {f"p{p}": points[p] for p in POINTS
                       if p in points and percentile_shown(p, found[base], profile)}
            entry[measure] = visible or None
        entry["clocks_met_share"] = share_met(found["deadlines_met"],
                                              found["deadlines_missed"], profile)
        out.append(entry)
    return out


def _count(name: str, key: Key, dims: Sequence[str], counts: Release,
           by_key: Mapping[Key, Row], row: Row) -> PublishedCount:
    dim, value = COUNTS[name]
    if dim in dims:  # the row counts only such cases, or none of them
        same = key[dims.index(dim)] == value
        return PublishedCount(row.count if same else 0, row.suppressed if same else False)
    values = dict(zip(dims, key, strict=True))
    full = tuple(values.get(d) if d in dims else (value if d == dim else None)
                 for d in counts.dims)
    found = by_key[full]
    return PublishedCount(found.count, found.suppressed)
