"""Statistics with disclosure control: fixed periods, protected counts, audited releases.

Pure: no Flask, no SQLAlchemy. The service layer counts cases into a Tally, calls `publish` with
the stored releases, answers `Release.as_dict()` and stores it.
"""

from casework.stats.audit import publish
from casework.stats.disclosure import (
    DEFAULT,
    PROFILES,
    Profile,
    PublishedCount,
    PublishedShare,
    protect_count,
    protect_measure,
    protect_shares,
)
from casework.stats.periods import Period, PeriodError, parse_period, quarters_within
from casework.stats.tables import Release, Row, Tally

__all__ = [
    "DEFAULT",
    "PROFILES",
    "Period",
    "PeriodError",
    "Profile",
    "PublishedCount",
    "PublishedShare",
    "Release",
    "Row",
    "Tally",
    "parse_period",
    "protect_count",
    "protect_measure",
    "protect_shares",
    "publish",
    "quarters_within",
]
