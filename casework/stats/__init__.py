"""Statistics with disclosure control: fixed periods, protected counts, audited releases.

Pure: no Flask, no SQLAlchemy. The service layer counts cases (with the sums of their record
keys) into a Tally with the cell key's secret, calls `publish` with the stored releases,
answers `Release.as_dict()` and stores it.
"""

from casework.stats.audit import publish
from casework.stats.disclosure import (
    CELL_KEY,
    DEFAULT,
    PROFILES,
    ROUNDING,
    Profile,
    PublishedCount,
    percentile_shown,
    protect_count,
    share_met,
)
from casework.stats.periods import Period, PeriodError, parse_period, quarters_within
from casework.stats.tables import SMALL_UNITS, Release, Row, Tally

__all__ = [
    "CELL_KEY",
    "DEFAULT",
    "PROFILES",
    "ROUNDING",
    "SMALL_UNITS",
    "Period",
    "PeriodError",
    "Profile",
    "PublishedCount",
    "Release",
    "Row",
    "Tally",
    "parse_period",
    "percentile_shown",
    "protect_count",
    "publish",
    "quarters_within",
    "share_met",
]
