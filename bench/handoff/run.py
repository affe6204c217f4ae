"""``make bench-handoff``: the HTTP load and the in-process creation, each for the baseline code and the working tree
in the same run on the same machine, written to ``bench/handoff/results.md`` next to the targets.

    .venv/bin/python bench/handoff/run.py [--handoffs 400] [--rounds 3] [--runs 50]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import BASELINE_REF, ROOT, markdown_table

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"

# (what, backend, figure, target, whether higher is better)
TARGETS: list[tuple[str, str, str, float, bool]] = [
    ("creations/s", "sqlite", "creations_per_s", 300, True),
    ("create p99 ms", "sqlite", "create_p99", 250, False),
    ("claim p99 ms", "sqlite", "claim_p99", 100, False),
    ("reply p99 ms", "sqlite", "reply_p99", 100, False),
    ("creations/s", "postgresql", "creations_per_s", 500, True),
]


def run_json(script: str, extra: list[str]) -> list[dict[str, Any]]:
    """Run a bench script with ``--json`` and return its rows."""
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "rows.jsonl"
        subprocess.run([sys.executable, str(HERE / script), *extra, "--json", str(out)], cwd=ROOT, check=True)
        return [json.loads(line) for line in out.read_text().splitlines() if line.strip()]


def load_rows(runs: list[dict[str, Any]]) -> list[list[object]]:
    """The HTTP table."""
    return [
        [
            r["backend"],
            r["code"],
            r["workers"],
            f"{r['creations_per_s']:.1f}",
            f"{r['create_p50']:.1f} / {r['create_p99']:.1f}",
            f"{r['claim_p50']:.1f} / {r['claim_p99']:.1f}",
            f"{r['reply_p50']:.1f} / {r['reply_p99']:.1f}",
            f"{r['service_cpu_ms_per_creation']:.2f} / {r['client_cpu_ms_per_creation']:.2f}",
            f"{r['creations_per_service_cpu_s']:.0f}",
            f"{r['service_cpu_ms_per_claim_and_reply']:.2f}",
            r["races_with_one_winner"],
            " / ".join(f"{v:.1f}" for v in r.get("creations_per_s_rounds", [r["creations_per_s"]])),
        ]
        for r in runs
    ]


def target_rows(load: list[dict[str, Any]], route: list[dict[str, Any]]) -> list[list[object]]:
    """Each target against the baseline and the new figure of this run."""
    by = {(r["backend"], r["code"]): r for r in load}
    rows: list[list[object]] = []
    for what, backend, key, target, higher in TARGETS:
        base, new = by.get((backend, "baseline")), by.get((backend, "new"))
        if base is None or new is None:
            continue
        met = new[key] >= target if higher else new[key] <= target
        rows.append(
            [f"{what} ({backend})", f"{base[key]:.1f}", f"{new[key]:.1f}", f"{target:g}", "yes" if met else "no"]
        )
    creation = {(r["backend"], r["code"]): r for r in route if r["what"] == "create_handoff"}
    for backend in ("sqlite", "postgresql"):
        base, new = creation.get((backend, "baseline")), creation.get((backend, "new"))
        if base is not None and new is not None:
            rows.append(
                [
                    f"in-process creation p50 ms at 10,000 open ({backend})",
                    f"{base['p50']:.1f}",
                    f"{new['p50']:.1f}",
                    "10" if backend == "sqlite" else "-",
                    ("yes" if new["p50"] <= 10 else "no") if backend == "sqlite" else "-",
                ]
            )
    return rows


def main() -> None:
    """Run both benchmarks and write the results file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--handoffs", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with open("/proc/loadavg") as handle:
        load_at_start = handle.read().split()[0]
    load = run_json("load.py", ["--handoffs", str(args.handoffs), "--rounds", str(args.rounds)])
    route = run_json("route.py", ["--runs", str(args.runs)])
    with open("/proc/loadavg") as handle:
        load_average = handle.read().split()[0]
    route_table = markdown_table(
        ["what", "code", "size", "backend", "p50 ms", "p99 ms"],
        [[r["what"], r["code"], r["size"], r["backend"], f"{r['p50']:.1f}", f"{r['p99']:.1f}"] for r in route],
    )
    text = RESULTS.read_text() if RESULTS.exists() else ""
    notes = text.split("## Reading the numbers", 1)[1] if "## Reading the numbers" in text else "\n"
    RESULTS.write_text(
        f"""# Handoff service benchmark

`make bench-handoff` ({started}; load average {load_at_start} at the start, {load_average} at the end).
`baseline` is the handoff service of commit `{BASELINE_REF}` (exported with `git archive`), `new` is the working
tree; both run on this machine in the same run, one after the other. One uvicorn worker on SQLite (WAL), two on
PostgreSQL 15 on 127.0.0.1; the clients run on the same 2 cores, which other jobs share, so compare the two rows of
a backend, not runs.

## Targets

{markdown_table(["figure", "baseline", "new", "target", "met"], target_rows(load, route))}

## Load over HTTP (`bench/handoff/load.py --handoffs {args.handoffs} --concurrency 16 --rounds {args.rounds}`)
{args.handoffs} handoffs created by 16 concurrent clients (5-line transcripts), then 8 agents claim them
concurrently and reply once to each; finally 20 handoffs are each claimed by all 8 agents at once. The clients are
`bench/handoff/rawhttp.py`'s keep-alive client (`--client httpx` for httpx). The two code trees alternate
{args.rounds} times per backend (the load of the other jobs changes within minutes); each figure is the median of its
rounds, and the last column shows every round's creations per second. CPU: the service's processes
(`/proc/<pid>/stat`) and the clients' (`getrusage`) during the creations; per claim + reply, the service's during the
agents' phase.

{
            markdown_table(
                [
                    "backend",
                    "code",
                    "workers",
                    "creations/s",
                    "create p50/p99 ms",
                    "claim p50/p99 ms (8 agents)",
                    "reply p50/p99 ms",
                    "CPU ms per creation: service / clients",
                    "creations per service CPU-second",
                    "service CPU ms per claim + reply",
                    "8-way claim races with exactly one winner",
                    "creations/s per round",
                ],
                load_rows(load),
            )
        }

## Creation in-process with 100 queues and 10,000 open handoffs (`bench/handoff/route.py --runs {args.runs}`)
`pure route()`: the decision alone over 100 queue states, 1,000 random requests. `create_handoff`: the whole
creation on a database holding 100 queues, 200 agents, 10,000 queued and 2,000 closed handoffs.

{route_table}

## Reading the numbers{notes}"""
    )
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
