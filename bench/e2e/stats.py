"""Latency statistics of the end-to-end benchmark: percentiles, per-run summaries, turn windows and ratios."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Turn windows (1-based, inclusive) reported for long conversations.
TURN_WINDOWS: tuple[tuple[int, int], ...] = ((1, 20), (100, 120), (280, 300))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation between closest ranks; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    """Latencies (seconds) of one measured run and its throughput."""

    count: int
    p50: float
    p95: float
    p99: float
    throughput: float  # messages per second of wall time; NaN when no wall time was given

    @classmethod
    def of(cls, latencies: Sequence[float], wall_seconds: float | None = None) -> Summary:
        throughput = len(latencies) / wall_seconds if wall_seconds else math.nan
        return cls(
            count=len(latencies),
            p50=percentile(latencies, 50),
            p95=percentile(latencies, 95),
            p99=percentile(latencies, 99),
            throughput=throughput,
        )


def window_latencies(latencies_by_turn: Iterable[tuple[int, float]], first: int, last: int) -> list[float]:
    """Latencies of turns `first`..`last` (1-based, inclusive) out of (turn number, latency) pairs."""
    return [latency for turn, latency in latencies_by_turn if first <= turn <= last]


def ratio(ours: float, stock: float) -> float:
    """ours / stock, NaN when either is missing or stock is zero."""
    if math.isnan(ours) or math.isnan(stock) or stock == 0:
        return math.nan
    return ours / stock


def format_ms(seconds: float) -> str:
    """Seconds as whole milliseconds (one decimal under 10 ms); '–' for NaN."""
    if math.isnan(seconds):
        return "–"
    milliseconds = seconds * 1000.0
    return f"{milliseconds:.1f}" if milliseconds < 10 else f"{milliseconds:.0f}"


def format_number(value: float, digits: int = 1) -> str:
    """A number with `digits` decimals; '–' for NaN."""
    return "–" if math.isnan(value) else f"{value:.{digits}f}"


def format_ratio(value: float) -> str:
    """A ratio as '1.23×'; '–' for NaN."""
    return "–" if math.isnan(value) else f"{value:.2f}×"
