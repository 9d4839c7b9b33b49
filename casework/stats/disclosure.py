"""Disclosure-control rules for one published number: counts, outcome shares and day measures.

The standard profile: zero is shown as 0 (an empty cell points at nobody); a count from 1 to 7 is
suppressed; every other count, totals included, is computed exactly and rounded half up to a
multiple of 5, so a published 10 means 8 to 12. The profile is stated in every answer, so readers
(and attackers) know exactly what a published number tells them: see `possible_counts`.

These rules protect one number at a time. Numbers published together, or in earlier releases,
can be combined; the table-level protection against that lives in casework.stats.audit.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: A protected count must stay uncertain over at least this many values apart (max - min >= 3).
MIN_RANGE = 3


@dataclass(frozen=True)
class Profile:
    """An organisation's disclosure-control settings.

    threshold: the smallest count published (1 .. threshold-1 are suppressed);
    rounding: published counts are multiples of this; share_min_group: below this group size a
    share of 0% or 100% is suppressed."""

    name: str
    threshold: int
    rounding: int
    share_min_group: int

    def __post_init__(self) -> None:
        if self.rounding < 1 or self.share_min_group < 1:
            raise ValueError(f"profile {self.name!r}: rounding and share_min_group must be >= 1")
        if self.threshold - 2 < MIN_RANGE:
            raise ValueError(f"profile {self.name!r}: a threshold below {MIN_RANGE + 2} leaves a "
                             f"suppressed count fewer than {MIN_RANGE} values of doubt")
        if 2 * self.threshold < self.rounding:
            raise ValueError(f"profile {self.name!r}: counts of {self.threshold} would round to 0")


PROFILES = {
    "standard": Profile("standard", threshold=8, rounding=5, share_min_group=20),
    "strict": Profile("strict", threshold=11, rounding=5, share_min_group=20),
    "threshold10": Profile("threshold10", threshold=10, rounding=5, share_min_group=20),
}
DEFAULT = PROFILES["standard"]


@dataclass(frozen=True)
class PublishedCount:
    """A count as published: count is None exactly when suppressed."""

    count: int | None
    suppressed: bool


def round_half_up(exact: int, base: int) -> int:
    """Round a non-negative integer to the nearest multiple of base, halves upwards."""
    return (2 * exact + base) // (2 * base) * base


def protect_count(exact: int, profile: Profile = DEFAULT) -> PublishedCount:
    """Publish one exact count: 0 as 0, 1..threshold-1 suppressed, others rounded."""
    if exact < 0:
        raise ValueError(f"a count cannot be negative: {exact}")
    if exact == 0:
        return PublishedCount(0, False)
    if exact < profile.threshold:
        return PublishedCount(None, True)
    return PublishedCount(round_half_up(exact, profile.rounding), False)


def possible_counts(published: PublishedCount, profile: Profile) -> tuple[int, int]:
    """The exact counts a reader who knows the profile can infer from a published count."""
    if published.suppressed:
        return 1, profile.threshold - 1
    count = published.count
    if count is None or count < 0:
        raise ValueError(f"not a published count: {published!r}")
    if count == 0:
        return 0, 0
    low = max(count - profile.rounding // 2, profile.threshold)
    return low, count + (profile.rounding - 1) // 2


@dataclass(frozen=True)
class PublishedShare:
    """An outcome's share of its group in whole percent; None exactly when suppressed."""

    percent: int | None
    suppressed: bool


def protect_shares(
    group_total: int, counts_by_outcome: Mapping[str, int], profile: Profile = DEFAULT
) -> dict[str, PublishedShare]:
    """Publish each outcome's share of a group (exact counts in, whole percent out).

    In a group smaller than share_min_group a share of 0% or 100% says what happened to
    everyone (or no one) in it, so it is suppressed; its complement would give it away, and with
    three or more outcomes the complement is the sum of the others, so every share of that group
    is suppressed. Larger groups, and small groups with no 0% or 100% share, are published."""
    if group_total < 0 or any(n < 0 for n in counts_by_outcome.values()):
        raise ValueError("counts cannot be negative")
    if sum(counts_by_outcome.values()) > group_total:
        raise ValueError("the outcomes add up to more than the group")
    if group_total == 0:
        return {outcome: PublishedShare(None, True) for outcome in counts_by_outcome}
    extreme = any(n in (0, group_total) for n in counts_by_outcome.values())
    if extreme and group_total < profile.share_min_group:
        return {outcome: PublishedShare(None, True) for outcome in counts_by_outcome}
    return {outcome: PublishedShare(round_half_up(100 * n, group_total) // group_total, False)
            for outcome, n in counts_by_outcome.items()}


def protect_measure(
    values: Sequence[int], profile: Profile = DEFAULT, percentiles: Sequence[int] = (25, 50, 75, 90)
) -> dict[str, float] | None:
    """Percentiles of durations in days (`p50` is the median), or None for fewer than threshold.

    Fewer values than the threshold would let one person's duration show through, the same
    reasoning as suppressing a small count. Percentiles interpolate between values (the
    'inclusive' method), so the largest value itself is never published as p90."""
    if len(values) < profile.threshold:
        return None
    if any(not 1 <= p <= 99 for p in percentiles):
        raise ValueError("percentiles run from 1 to 99")
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {f"p{p}": round(cuts[p - 1], 1) for p in percentiles}
