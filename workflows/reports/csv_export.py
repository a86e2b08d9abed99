"""Every CSV the bot writes goes through here, so that opening it in a spreadsheet runs
nothing.

    text = write_csv(("metric", "scope", "value"), [("kb_gap", '=HYPERLINK("http://x")', 2)])
    # metric,scope,value
    # kb_gap,"'=HYPERLINK(""http://x"")",2

Excel, LibreOffice and Google Sheets read a cell that begins with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK(…)`` sends what is in other cells to a web site,
``=cmd|…`` asks to run a program), and a leading tab or carriage return does not stop
them. Such a text cell gets a leading apostrophe, which spreadsheets show as text
and do not display; the rest of the text is kept, except that a carriage return
inside it becomes a line break (``\n``, which is quoted; a lone ``\r`` would not be, and
would split the row). Numbers are written as they are: ``-5`` from Python is a number,
never a formula. ``None`` is an empty cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["FORMULA_STARTS", "safe_cell", "write_csv"]

#: What a spreadsheet takes for the start of a formula (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell that a spreadsheet shows and does not evaluate."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        text = f"'{text}"
    return text.replace("\r\n", "\n").replace("\r", "\n")


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """``header`` then ``rows`` as CSV text (``\\n`` line ends), every cell through
    :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
