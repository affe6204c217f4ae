"""What a check answers, and small helpers the checks share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Outcome:
    """A check's answer: whether it applied, and when it failed the messages that failed it and why."""

    applicable: bool
    failed: bool = False
    message_ids: tuple[int, ...] = ()
    detail: str = ""


NOT_APPLICABLE = Outcome(applicable=False)
PASSED = Outcome(applicable=True)


def failed(message_ids: list[int] | tuple[int, ...], detail: str) -> Outcome:
    """A failed check naming the messages at fault (none when the fault is an absence)."""
    return Outcome(applicable=True, failed=True, message_ids=tuple(dict.fromkeys(message_ids)), detail=detail)


def duration(seconds: float) -> str:
    """``7m 5s``-style durations for the findings' details."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    return f"{secs}s"
