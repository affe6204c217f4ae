"""Expected wait from queue depth, staffing and recent handling times (pure)."""

from __future__ import annotations

import math
from collections.abc import Sequence

PRIORITY_RANK: dict[str, int] = {"urgent": 0, "high": 1, "normal": 2}


def priority_rank(priority: str, vip: bool) -> int:
    """Lower ranks are served first; a VIP customer is served at least as ``high``."""
    rank = PRIORITY_RANK[priority]
    return min(rank, PRIORITY_RANK["high"]) if vip else rank


def average_handle_seconds(recent_durations: Sequence[float], default: float) -> float:
    """Mean of recent handling durations (claim to close), or ``default`` without history."""
    durations = [d for d in recent_durations if d >= 0]
    if not durations:
        return default
    return sum(durations) / len(durations)


def expected_wait_seconds(
    *,
    position: int,
    agents_online: int,
    free_slots: int,
    avg_handle_seconds: float,
    opens_in_seconds: float = 0.0,
) -> int:
    """Seconds until a handoff at ``position`` (1 = next) is picked up.

    Positions covered by free agent capacity start at once; the rest wait for conversations to end,
    ``agents_online`` at a time (at least one, the team that will come on shift), each taking the
    average handling time. A closed queue adds the time until it opens.
    """
    if position < 1:
        raise ValueError("position starts at 1")
    ahead = max(0, position - max(0, free_slots))
    rounds = math.ceil(ahead / max(1, agents_online))
    return round(opens_in_seconds + rounds * avg_handle_seconds)
