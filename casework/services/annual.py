"""Annual reports in the shapes statutes ask for, built only from published statistics tables.

A shape is data: a title, the provision it answers, and sections headed in the statute's words.
Each section names one table (the dimensions of a StatsRequest) and which of its published rows
to show. Every number comes from services.stats.release, so it is protected, stored and audited
like any other table; nothing is added up here, because a sum of rounded or suppressed counts
would be neither exact nor protected. The policy pack chooses the shapes (pack.annual_reports).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from casework.i18n import _, _l
from casework.models import StatsRelease
from casework.services.access import Power, Staff, require
from casework.services.annual_shapes import SHAPES, Section, Shape
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.spreadsheet import csv_text
from casework.services.stats import (
    StatsRequest,
    check_request,
    profile_of,
    publish_together,
    release,
    rule_words,
)
from casework.services.stats_sql import DIMENSION_LABELS, domains
from casework.stats.tables import row_keys
from casework.workflow.texts import choice_words

MEASURE_LABELS = {"days_to_acknowledge": _l("Median days to acknowledge"),
                  "days_to_close": _l("Median days to close"),
                  "clocks_met_share": _l("Deadlines met (%)")}
WORDS = {
    "stage": {"received": _l("Received, not yet assessed"),
              "in_scope": _l("Accepted (in scope)"),
              "declined": _l("Declined"), "referred": _l("Referred to another body"),
              "resolved": _l("Resolved"), "investigated": _l("Investigated (findings recorded)"),
              "action_taken": _l("Action taken after findings")},
    "path": {"none": _l("No path chosen"), "self_help": _l("Self-help"),
             "informal": _l("Informal"), "formal": _l("Formal")},
    "anonymous": {"anonymous": _l("Anonymous"), "named": _l("Named")},
    "detriment": {"reported": _l("Detriment reported"), "not_reported": _l("None reported")},
    "outcome": {"open": _l("Still open")},
    "declined": {"not_declined": _l("Not declined"),
                 "unclassified": _l("Kind of reason not recorded")},
    "notified": {"notified": _l("Notified"), "not_notified": _l("Not notified")},
    "department": {"unknown": _l("Not given")},
}
#: The groups a section with split_sexual shows (keys, in English; group_words shows them).
SEXUAL, NON_SEXUAL = "Sexual harassment and violence", "Non-sexual harassment and violence"
GROUP_WORDS = {SEXUAL: _l("Sexual harassment and violence"),
               NON_SEXUAL: _l("Non-sexual harassment and violence")}


def group_words(group: str | None) -> str:
    """A line's group in the language of the moment."""
    return str(GROUP_WORDS.get(group, group or ""))


@dataclass(frozen=True)
class Line:
    """One published row as shown: plain words per shown dimension ("All" for a total)."""

    values: tuple[str | None, ...]
    labels: tuple[str, ...]
    count: int | None
    suppressed: bool
    withheld: bool = False
    group: str | None = None
    measures: Mapping[str, int | None] | None = None

    @property
    def shown(self) -> str:
        """The count as a reader sees it."""
        return shown({"count": self.count, "suppressed": self.suppressed,
                      "withheld": self.withheld})


@dataclass(frozen=True)
class ReportSection:
    """A section of a report: its heading, the shown dimensions, and the published rows."""

    heading: str
    note: str
    table: str
    columns: tuple[str, ...]
    lines: tuple[Line, ...]
    measures: tuple[str, ...]


@dataclass(frozen=True)
class AnnualReport:
    """One shape filled in for one finished year."""

    key: str
    title: str
    citation: str
    period_hint: str
    period: str
    threshold: int
    rounding: int
    sections: tuple[ReportSection, ...]
    not_held: tuple[str, ...]
    #: The disclosure rules its tables were published under, in plain words.
    rule: str = ""


def annual_report(ctx: Context, actor: Staff, period_text: str,
                  profile: str | None = None) -> list[AnnualReport]:
    """Every annual report the policy pack names, for one finished year (2026 or FY2026)."""
    require(actor, Power.STATISTICS)
    period = annual_period(ctx, period_text)
    tables: dict[tuple[str, ...], dict] = {}
    # A first showing publishes every table in one audit of them all (each would otherwise be
    # audited with the ones before it); if that audit finds any of them unsafe, nothing is
    # stored by it and each table is published on its own below.
    publish_together(ctx, actor, [
        StatsRequest(by=section.by, period=period, profile=profile)
        for key in ctx.runtime.pack.annual_reports for section in SHAPES[key].sections])

    def table(by: tuple[str, ...]) -> dict:
        if by not in tables:  # one release (and one audit entry) per table, however often shown
            tables[by] = release(ctx, actor, StatsRequest(by=by, period=period, profile=profile))
        return tables[by]

    return [fill(ctx, SHAPES[key], table) for key in ctx.runtime.pack.annual_reports]


def annual_ready(ctx: Context, actor: Staff, period_text: str,
                 profile: str | None = None) -> bool:
    """Whether every table the year's annual reports need is published already, with its
    measures, so the reports show at once (nothing is counted or stored here). A first
    showing checks each table against everything published before and can take a while:
    the page says it is working meanwhile."""
    require(actor, Power.STATISTICS)
    period = annual_period(ctx, period_text)
    chosen = profile_of(ctx, profile).name
    wanted = {",".join(check_request(ctx, StatsRequest(by=section.by, period=period))[0])
              for key in ctx.runtime.pack.annual_reports for section in SHAPES[key].sections}
    if not wanted:
        return True
    stored = dict(ctx.session.execute(select(StatsRelease.dimensions, StatsRelease.body).where(
        StatsRelease.period == period, StatsRelease.profile == chosen,
        StatsRelease.dimensions.in_(sorted(wanted)))).all())
    return all(key in stored and "measures" in stored[key] for key in wanted)


def annual_period(ctx: Context, text: str) -> str:
    """A finished calendar or financial year, checked by the statistics' own rules."""
    _dims, period = check_request(ctx, StatsRequest(by=(), period=text))
    if not (period.key.isdigit() or period.key.startswith("FY")):
        raise Invalid(_("The statistics request needs attention."), {
            "period": _("%(period)s is not a whole year: an annual report covers a calendar "
                        "year (2026) or a financial year (FY2026)", period=period.key)})
    return period.key


def fill(ctx: Context, shape: Shape, table) -> AnnualReport:
    """One shape, its sections answered by table(by) (a release, or a stand-in in tests)."""
    sections, first = [], None
    for section in shape.sections:
        body = table(section.by)
        first = first or body
        sections.append(_section(ctx, section, body))
    return AnnualReport(shape.key, shape.title, shape.citation, shape.period_hint,
                        first["period"], first["threshold"], first["rounding"],
                        tuple(sections), shape.not_held,
                        rule_words({**first, "withheld": False}))


def _section(ctx: Context, section: Section, body: dict) -> ReportSection:
    shown = tuple(d for d in section.by if not (d == "route" and section.route))
    rows = [r for r in every_row(ctx, body) if _wanted(ctx, section, shown, r)]
    if section.values:
        rows.sort(key=lambda r: section.values.index(r[shown[0]]))
    lines = [_line(ctx, section, shown, r, body["measures"]) for r in rows]
    if section.split_sexual:
        order = {SEXUAL: 0, NON_SEXUAL: 1, None: 2}
        lines.sort(key=lambda line: order[line.group])
    return ReportSection(section.heading, section.note, ",".join(body["by"]),
                         tuple(str(DIMENSION_LABELS[d]) for d in shown), tuple(lines),
                         section.measures)


def _wanted(ctx: Context, section: Section, shown: Sequence[str], row: dict) -> bool:
    if section.route and row["route"] != section.route:
        return False
    if section.values and (len(shown) != 1 or row[shown[0]] not in section.values):
        return False
    if section.exclude and row[section.by[-1]] in (None, *section.exclude):
        return False
    return not impossible(ctx, row)


def impossible(ctx: Context, row: dict) -> bool:
    """A zero for a kind of concern that cannot be raised on that route (fraud as harassment)."""
    category = ctx.runtime.pack.categories.get(row.get("category") or "")
    return (category is not None and row.get("route") is not None
            and row["route"] not in category.routes and row["count"] == 0)


def _line(ctx: Context, section: Section, shown: Sequence[str], row: dict,
          measures: Sequence[dict]) -> Line:
    values = tuple(row[d] for d in shown)
    group = None
    if section.split_sexual and row.get("category") is not None:
        group = SEXUAL if "sexual" in row["category"] else NON_SEXUAL
    found = None
    if section.measures:
        found = next((m for m in measures if all(m.get(d) == row[d] for d in section.by)), {})
        found = {name: _median(found.get(name)) for name in section.measures}
    labels = tuple(value_label(ctx, d, v) for d, v in zip(shown, values, strict=True))
    return Line(values, labels, row["count"], row["suppressed"], row["withheld"], group, found)


def _median(value) -> int | None:
    return value.get("p50") if isinstance(value, dict) else value


def every_row(ctx: Context, body: dict) -> list[dict]:
    """A release's rows in table order (cells, margins, total), with every row the audit
    withheld put back in its place, marked withheld (a withheld row is absent from the body)."""
    dims = tuple(body["by"])
    found = {tuple(r[d] for d in dims): r for r in body["rows"]}
    every = domains(ctx)
    values = {d: list(every[d]) for d in dims}
    for key in found:
        for d, v in zip(dims, key, strict=True):
            if v is not None and v not in values[d]:
                values[d].append(v)  # a value since removed from the pack
    out = []
    for key in row_keys(dims, values):
        row = found.get(key)
        out.append({**dict(zip(dims, key, strict=True)),
                    "count": row["count"] if row else None,
                    "suppressed": bool(row and row["suppressed"]), "withheld": row is None})
    return out


def shown(row: Mapping) -> str:
    """A published row's count as a reader sees it: the number, "not shown" (a count the rules
    keep back) or "withheld" (left out by the audit of every release together)."""
    if row.get("withheld"):
        return _("withheld")
    return _("not shown") if row["suppressed"] or row["count"] is None else str(row["count"])


def value_label(ctx: Context, dim: str, value: str | None) -> str:
    """A dimension's value in plain words; None (a total over the dimension) is "All"."""
    if value is None:
        return _("All")
    pack, routes = ctx.runtime.pack, ctx.runtime.routes
    if dim == "route" and value in routes:
        return routes[value].label
    if dim == "category" and value in pack.categories:
        return pack.categories[value].label
    if dim == "department" and value in pack.departments:
        return pack.departments[value]
    if dim == "queue" and value in pack.queues:
        return pack.queues[value].label
    found = WORDS.get(dim, {}).get(value)
    return str(found) if found is not None else str(choice_words(value))  # a route's choice


def table_csv(ctx: Context, body: dict, order: Sequence[str] = ()) -> str:
    """A release as the analysts' page downloads it: the table and nothing else, in the
    words the page uses: a column per dimension (its label; "All" on a total row), then the
    number of cases as the page shows it ("not shown", "withheld"). The CLI and the API keep
    the keys (`as_csv`, `GET /stats`), as the contract fixes them."""
    dims = tuple(d for d in order if d in body["by"]) or tuple(body["by"])
    return csv_text([*(DIMENSION_LABELS.get(d, d) for d in dims), _("Number of cases")],
                    ([*(value_label(ctx, d, row[d]) for d in dims), shown(row)]
                     for row in every_row(ctx, body)))


def table_only(text: str) -> str:
    """A CSV of ours without the note after its blank line (the page's downloads are the
    table alone; the note is on the page)."""
    table, blank, _ = text.rpartition("\n\n")
    return table + "\n" if blank else text


def report_csv(reports: Sequence[AnnualReport]) -> str:
    """The reports as one CSV: a line per published row, with the disclosure rule at the end."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["report", "citation", "period", "section", "group", "row", "count",
                     *MEASURE_LABELS.values()])
    for report in reports:
        for section in report.sections:
            for line in section.lines:
                row = "; ".join(f"{c}: {label}" for c, label in
                                zip(section.columns, line.labels, strict=False)) or _("All")
                measured = line.measures or {}
                writer.writerow([report.title, report.citation, report.period, section.heading,
                                 group_words(line.group), row, line.shown,
                                 *("" if measured.get(m) is None else measured[m]
                                   for m in MEASURE_LABELS)])
    if reports:
        first = reports[0]
        writer.writerow([])
        writer.writerow([_("period %(period)s; %(rule)s Withheld: not published because, with "
                           "tables published before, it could have narrowed down a small "
                           "count. Times are medians in days.", period=first.period,
                           rule=first.rule)])
    return out.getvalue()
