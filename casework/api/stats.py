"""Statistics: one protected table for one fixed period (docs/API.md, `GET /stats`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from casework.api import api, staff
from casework.api.schemas import Out, Schema
from casework.api.spec import operation
from casework.services.stats import StatsRequest, release
from casework.web.edge import context


class StatsQuery(Schema):
    """Dimensions, comma-separated, and one fixed period (2026, 2026-H1, 2026-Q3, FY2026); a free
    date range (`from`, `to`, ...) is refused like any unknown parameter."""

    by: str = Field(default="", max_length=200)
    period: str = Field(min_length=1, max_length=32)
    profile: str | None = Field(default=None, max_length=32)
    measures: bool = False


class StatsRow(BaseModel):
    """A row: one value per dimension (null: all values), and the protected count."""

    model_config = ConfigDict(extra="allow")

    count: int | None
    suppressed: bool


class StatsOut(Out):
    period: str
    by: list[str]
    profile: str
    threshold: int
    rounding: int
    rows: list[StatsRow]
    measures: list[dict] | None = None


@operation(api, "GET", "/stats", "Anonymised statistics for one fixed period", auth="staff",
           query=StatsQuery, response=StatsOut, errors=(403, 422), tags=("statistics",))
def stats(query: StatsQuery):
    return release(context(), staff(), StatsRequest(tuple(query.by.split(",")), query.period,
                                                    query.profile, query.measures))
