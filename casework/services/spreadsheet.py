"""CSV that is safe to open in a spreadsheet: a cell that would start a formula is prefixed
with a quote, so a value written by anyone can never run as one (CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

#: What makes a spreadsheet read a cell as a formula (tab and carriage return too, since some
#: programs strip them before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell's text, quoted when it starts like a formula; None is an empty cell."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]],
             note: str | None = None) -> str:
    """A CSV document of safe cells; a note, if any, after an empty line at the end."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(c) for c in row] for row in rows)
    if note:
        writer.writerow([])
        writer.writerow([safe_cell(note)])
    return out.getvalue()
