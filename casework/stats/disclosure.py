"""Disclosure-control rules for one published number: counts, and the measures derived from them.

A count of 0 is shown as 0 (an empty group points at nobody), except where it would say
something about the few people beside it (casework.stats.tables: a zero inside a small group,
or any count of a small unit). A count from 1 to threshold-1 is suppressed, exactly as counted.
Every other count, totals included, is first moved by its cell key's perturbation
(casework.stats.cellkey: at most NOISE_LIMIT, never below the threshold) and then rounded half up
to a multiple of the rounding base. The method and its limits are stated in every answer, so
readers (and attackers) know exactly what a published number tells them: see `possible_counts`.

Measures are derived from published counts only: the share of deadlines met from the published
counts of cases that met them and missed one; a percentile of days only where the published count
of cases with the measure leaves the threshold on either side of it, whatever the perturbation.

These rules protect one number at a time. What tables say together is checked by
casework.stats.audit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from casework.stats.cellkey import NOISE_LIMIT, perturbation

#: A protected count must stay uncertain over at least this many values apart (max - min >= 3).
MIN_RANGE = 3
#: The methods a stored answer can state: the cell key method, and plain rounding (before it).
CELL_KEY, ROUNDING = "cell key", "rounding"


@dataclass(frozen=True)
class Profile:
    """An organisation's disclosure-control settings.

    threshold: the smallest count published (1 .. threshold-1 are suppressed);
    rounding: published counts are multiples of this; share_min_group: a share is published only
    for at least this many cases with a deadline ended."""

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


def protect_count(exact: int, profile: Profile, key: float, zero_shown: bool = True,
                  noise: int = NOISE_LIMIT) -> PublishedCount:
    """Publish one exact count with its cell key: 0 as 0 (or suppressed where a zero would say
    too much), 1..threshold-1 suppressed, others perturbed (never below the threshold) and
    rounded."""
    if exact < 0:
        raise ValueError(f"a count cannot be negative: {exact}")
    if exact == 0:
        return PublishedCount(0, False) if zero_shown else PublishedCount(None, True)
    if exact < profile.threshold:
        return PublishedCount(None, True)
    moved = max(profile.threshold, exact + perturbation(key, noise))
    return PublishedCount(round_half_up(moved, profile.rounding), False)


def possible_counts(published: PublishedCount, profile: Profile, method: str = CELL_KEY,
                    noise: int = NOISE_LIMIT, maybe_zero: bool = False) -> tuple[int, int]:
    """The exact counts a reader who knows the rules can infer from one published count.

    maybe_zero: a suppressed count that may be a hidden zero (0 .. threshold-1)."""
    if published.suppressed:
        return (0 if maybe_zero else 1), profile.threshold - 1
    count = published.count
    if count is None or count < 0:
        raise ValueError(f"not a published count: {published!r}")
    if count == 0:
        return 0, 0
    spread = noise if method == CELL_KEY else 0
    low = max(count - profile.rounding // 2 - spread, profile.threshold)
    return low, count + (profile.rounding - 1) // 2 + spread


def share_met(met: PublishedCount, missed: PublishedCount, profile: Profile) -> int | None:
    """The share of cases that met their deadlines, in whole percent, from the published counts
    of cases that met every deadline that ended and of cases that missed one; None unless both
    are published numbers and together at least share_min_group."""
    if met.suppressed or missed.suppressed or met.count is None or missed.count is None:
        return None
    ended = met.count + missed.count
    if ended < profile.share_min_group:
        return None
    return round_half_up(100 * met.count, ended) // ended


def percentile_shown(point: int, cases: PublishedCount, profile: Profile,
                     noise: int = NOISE_LIMIT) -> bool:
    """Whether the point-th percentile of a measure may be shown: only if, however the
    published count of cases with the measure was perturbed and rounded, at least threshold
    cases lie on either side of it (the median needs the most fewest: two thresholds)."""
    if not 1 <= point <= 99:
        raise ValueError("percentiles run from 1 to 99")
    if cases.suppressed or not cases.count:
        return False
    fewest = max(cases.count - profile.rounding // 2 - noise, profile.threshold)
    return fewest >= math.ceil(100 * profile.threshold / min(point, 100 - point))
