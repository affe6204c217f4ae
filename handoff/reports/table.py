"""A report's result: named columns and rows of plain values, the one shape JSON, CSV and the console share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]


@dataclass
class Table:
    """Rows of one report; ``available`` is false (with a reason) when its source cannot be read."""

    name: str
    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    available: bool = True
    unavailable_reason: str | None = None

    @classmethod
    def unavailable(cls, name: str, columns: tuple[str, ...], reason: str) -> Table:
        """A table whose figures are unknown (not zero)."""
        return cls(name, columns, [], available=False, unavailable_reason=reason)
