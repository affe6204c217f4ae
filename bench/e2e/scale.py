"""Throughput with 1 and 2 worker processes per service, 20 conversations at once (issue 9, "scale on one machine").

    PYTHONPATH=. .venv/bin/python -m bench.e2e.scale            # writes bench/e2e/scaling.md
    PYTHONPATH=. .venv/bin/python -m bench.e2e.scale --quick

In one run, one after the other on the same machine: stock `rasa init` (one worker, its defaults), ours with one
worker per service and the embedded stores (`make run`), ours with one worker on PostgreSQL + Redis, and ours with
two workers per service on PostgreSQL + Redis (`NIMBUS_WORKERS=2 make run`). Each plays the same conversations and
every message is accounted for (exactly one reply, or one relay in human mode).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.e2e.conversations import KB_QUESTIONS, ScriptBook, load_kb_questions
from bench.e2e.ledger import Ledger
from bench.e2e.run import WORK_DIR, log, play
from bench.e2e.stats import Summary
from bench.e2e.systems import build_ours, ours, stock
from scripts.scaling import Scaling
from scripts.stack import ROOT

CONCURRENCY = 20


def throwaway_scaling(workers: int) -> Scaling:
    """PostgreSQL databases of this run only (dropped afterwards), Redis db 0."""
    tag = uuid.uuid4().hex[:8]
    return Scaling(
        workers=workers,
        shared_stores=True,
        rasa_database=f"bench_rasa_{tag}",
        handoff_database=f"bench_handoff_{tag}",
    )


def render(command: str, started: str, rows: list[tuple[str, Summary, Ledger]]) -> str:
    base = rows[0][1].throughput or 1.0
    lines = [
        "# Throughput by worker processes (issue 9)",
        "",
        f"- command: `{command}`",
        f"- run: {started}, {CONCURRENCY} conversations at once, machine: {os.cpu_count()} cores, load average at"
        f" the end {', '.join(f'{v:.1f}' for v in os.getloadavg())}",
        "- latency is per customer message over Rasa's REST channel; throughput is messages answered or relayed per"
        " second of wall time; the ratio is against stock Rasa in this run.",
        "",
        "| system | messages | p50 ms | p95 ms | msg/s | vs stock | lost | duplicated | ok |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, summary, ledger in rows:
        lines.append(
            f"| {name} | {summary.count} | {summary.p50 * 1000:.0f} | {summary.p95 * 1000:.0f} |"
            f" {summary.throughput:.1f} | {summary.throughput / base:.2f}× | {ledger.lost} | {ledger.duplicated} |"
            f" {'yes' if ledger.clean else '**NO**'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="12 conversations instead of 60")
    parser.add_argument("--no-build", action="store_true", help="skip `make -s train kb`")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "e2e" / "scaling.md")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    command = "PYTHONPATH=. .venv/bin/python -m bench.e2e.scale " + shlex.join(sys.argv[1:] if argv is None else argv)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if not args.no_build:
        build_ours()
    book = ScriptBook(load_kb_questions(KB_QUESTIONS), seed=args.seed)
    count = 12 if args.quick else 60
    run_dir = WORK_DIR / f"scale-{int(time.time())}"
    rows: list[tuple[str, Summary, Ledger]] = []

    with stock(WORK_DIR / "stock-project", run_dir / "stock-log") as served:
        play(served, [book.stock_load(i) for i in range(6)], 2, "warmup")
        played = play(served, [book.stock_load(i) for i in range(count)], CONCURRENCY, "c20")
        rows.append(
            ("stock `rasa init`, 1 worker", Summary.of(played.run.latencies(), played.run.wall_seconds), played.ledger)
        )

    variants = [
        ("ours, 1 worker per service, SQLite", Scaling()),
        ("ours, 1 worker per service, PostgreSQL + Redis", throwaway_scaling(1)),
        ("ours, 2 workers per service, PostgreSQL + Redis", throwaway_scaling(2)),
    ]
    for name, scaling in variants:
        log(f"starting {name}")
        try:
            with ours(run_dir / f"ours-{scaling.workers}-{int(scaling.scaled)}", scaling) as served:
                play(served, [book.ours_load(i) for i in range(6)], 2, "warmup")
                played = play(served, [book.ours_load(i) for i in range(count)], CONCURRENCY, "c20")
                rows.append((name, Summary.of(played.run.latencies(), played.run.wall_seconds), played.ledger))
        finally:
            if scaling.scaled:
                scaling.drop_databases()
    args.out.write_text(render(command.strip(), started, rows), encoding="utf-8")
    log(f"wrote {args.out}")
    return 0 if all(ledger.clean for _, _, ledger in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
