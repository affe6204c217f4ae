"""Summary statistics computed in Python, so that SQLite and PostgreSQL give identical figures."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile: the smallest observed value with at least ``fraction`` of the values at or below it.

    An observed value (never an interpolation), so every figure can be found in the raw rows.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def seconds(value: float | None) -> float | None:
    """A duration in seconds as reported: one decimal."""
    return None if value is None else round(value, 1)


def mean(values: Sequence[float], digits: int = 2) -> float | None:
    """The arithmetic mean, rounded; None without values."""
    return round(sum(values) / len(values), digits) if values else None


def ratio(part: int, whole: int) -> float | None:
    """``part / whole`` to four decimals; None when there is nothing to divide by (not zero: unknown)."""
    return round(part / whole, 4) if whole else None
