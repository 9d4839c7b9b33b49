"""What a statistics page draws: a horizontal bar chart's geometry for server-rendered SVG, and
a two-way table. Plain values in, plain values out; the templates only place them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from casework.i18n import _

WIDTH, PLOT, ROW, BAR, TOP, AXIS = 720, 600, 44, 18, 8, 28
#: Axis steps: never finer than 10, so no tick reads like a count the rules keep back.
STEPS = (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


@dataclass(frozen=True)
class Bar:
    """One bar: its label above, the bar (or a dashed marker when the count is not shown)."""

    label: str
    text: str
    label_y: int
    y: int
    width: float
    marker: bool
    text_x: float


@dataclass(frozen=True)
class Chart:
    """A chart's size, bars, and axis ticks (x, value)."""

    width: int
    height: int
    plot: int
    axis_y: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, int], ...]
    bar: int = BAR


def bar_chart(items: Sequence[tuple[str, int | None, str]]) -> Chart:
    """A chart of (label, published count or None, text shown) items, scaled to the largest."""
    largest = max([n for _, n, _ in items if n] or [0])
    step = next((s for s in STEPS if largest <= 5 * s), STEPS[-1])
    top = max(step, -(-largest // step) * step)
    bars = []
    for i, (label, count, text) in enumerate(items):
        y = TOP + i * ROW
        width = PLOT * (count or 0) / top
        marker = count is None
        bars.append(Bar(label, text, y + 14, y + 20, width, marker,
                        (BAR + 6 if marker else width) + 6))
    axis_y = TOP + len(items) * ROW + 4
    ticks = tuple((PLOT * v / top, v) for v in range(0, top + 1, step))
    return Chart(WIDTH, axis_y + AXIS, PLOT, axis_y, tuple(bars), ticks)


@dataclass(frozen=True)
class Crosstab:
    """A two-way table: column headings, and rows of (heading, cells), totals last."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]


def crosstab(rows: Sequence[dict], down: str, across: str,
             label: Callable[[str, str | None], str], shown: Callable[[dict], str]) -> Crosstab:
    """Rows keyed by two dimensions as a table: one line per value down, a column per value
    across, "All" (the margins) last both ways."""
    def order(dim: str) -> list[str | None]:
        values = list(dict.fromkeys(r[dim] for r in rows if r[dim] is not None))
        return [*values, None]

    cells = {(r[down], r[across]): shown(r) for r in rows}
    columns = order(across)
    return Crosstab(
        tuple(label(across, v) for v in columns),
        tuple((label(down, d), tuple(cells.get((d, a), _("withheld")) for a in columns))
              for d in order(down)))
