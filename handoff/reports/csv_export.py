"""Tables as CSV files that spreadsheets open safely (RFC 4180, formula-looking text neutralised)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from handoff.reports.table import Table

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Prefix formula-looking text with an apostrophe, which spreadsheets show as text and do not evaluate."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def cell(value: Any) -> str:
    """One cell: empty for unknown, ``true``/``false`` for booleans, numbers as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return neutralise(str(value))


def to_csv(table: Table) -> str:
    """The header line and one line per row, CRLF-terminated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([cell(row.get(column)) for column in table.columns])
    return buffer.getvalue()


def filename(report: str, first_day: date, last_day: date) -> str:
    """``nimbus-<report>-<from>-<to>.csv`` with nothing but safe characters."""
    safe = re.sub(r"[^a-z0-9_-]", "_", report.lower())
    return f"nimbus-{safe}-{first_day.isoformat()}-{last_day.isoformat()}.csv"


def content_disposition(name: str) -> str:
    """An attachment header for a file name made by ``filename`` (ASCII, no quotes to escape)."""
    return f'attachment; filename="{name}"'
