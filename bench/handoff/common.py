"""Helpers of the handoff benchmarks: percentiles, throwaway databases, markdown tables."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

POSTGRES_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[max(0, min(98, round(q) - 1))]


@contextlib.contextmanager
def throwaway_database(backend: str) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database that is removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="handoff-bench-") as directory:
            yield f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        return
    name = f"handoff_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process ``pid`` and its children still running (uvicorn's workers)."""
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _stat_fields(int(entry))[1:2] == [str(pid)]:
            pids.append(int(entry))
    ticks = 0
    for each in pids:
        fields = _stat_fields(each)
        if len(fields) > 12:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (state, parent, ...); empty when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# The commit the speed work is measured against: the "baseline" column of results.md.
BASELINE_REF = "a76971c"


def code_tree(code: str, ref: str = BASELINE_REF) -> Path:
    """Where the ``handoff`` package to measure lives: the working tree (``new``) or ``ref``'s copy (``baseline``),
    exported once with ``git archive`` next to the other temporary files, so both run on this machine in one run."""
    if code == "new":
        return ROOT
    target = Path(tempfile.gettempdir()) / f"handoff-baseline-{ref}"
    if not (target / "handoff" / "__init__.py").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", ref, "handoff"], cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def python_path(code: str) -> str:
    """PYTHONPATH that imports ``handoff`` from the chosen tree and everything else from the project."""
    return os.pathsep.join(dict.fromkeys([str(code_tree(code)), str(ROOT)]))
