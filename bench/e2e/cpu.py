"""CPU time spent by each served process (and its worker children) during a load phase, read from /proc.

On a machine with as many busy processes as cores, throughput is set by CPU seconds per message, so this says which
process to make cheaper. Linux only: elsewhere `available()` is False and the report leaves the table out.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CLIENT = "load generator"


def available() -> bool:
    return (PROC / "self" / "stat").exists()


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) is in parentheses and may contain spaces: split after its closing parenthesis.
    return text[text.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    """Direct children of `pid` (all threads' children)."""
    found: list[int] = []
    tasks = PROC / str(pid) / "task"
    try:
        threads = list(tasks.iterdir())
    except (FileNotFoundError, PermissionError):
        return found
    for thread in threads:
        try:
            found += [int(child) for child in (thread / "children").read_text().split()]
        except (FileNotFoundError, PermissionError):
            continue
    return found


def process_tree_seconds(pid: int) -> float:
    """User plus system CPU seconds of a running process and all its living descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        fields = _stat_fields(current)
        if fields is None:
            continue
        # After the name: state(0) ppid(1) ... utime(11) stime(12), as in proc(5) fields 14 and 15.
        total += (int(fields[11]) + int(fields[12])) / ticks
        pending += _children(current)
    return total


def client_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds per process at one moment (the load generator's own under `CLIENT`)."""

    seconds: Mapping[str, float]

    @classmethod
    def take(cls, pids: Mapping[str, int]) -> CpuSample:
        values = {name: process_tree_seconds(pid) for name, pid in pids.items()}
        values[CLIENT] = client_seconds()
        return cls(values)

    def since(self, earlier: CpuSample) -> dict[str, float]:
        return {name: value - earlier.seconds.get(name, 0.0) for name, value in self.seconds.items()}


def per_message_ms(spent: Mapping[str, float], messages: int) -> dict[str, float]:
    """CPU milliseconds per message by process, plus their sum under "all"."""
    if messages <= 0:
        return {}
    values = {name: 1000.0 * seconds / messages for name, seconds in spent.items()}
    values["all"] = sum(values.values())
    return values


__all__ = ["CLIENT", "CpuSample", "available", "per_message_ms", "process_tree_seconds"]
