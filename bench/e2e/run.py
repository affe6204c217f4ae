"""End-to-end load benchmark of issue 9: our running system vs a stock `rasa init` assistant, in one run.

    PYTHONPATH=. .venv/bin/python -m bench.e2e.run            # full run, writes bench/e2e/results.md
    PYTHONPATH=. .venv/bin/python -m bench.e2e.run --quick    # smoke run with tiny counts

Builds our model and KB index (`make -s train kb`, cached), creates and trains the stock project once (under
var/bench-e2e/stock-project), starts both systems on free ports, then for each phase runs ours and then stock:
warm-up, 1/20/100 concurrent short conversations, long conversations one at a time, and the hops of our hot path.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.e2e import cpu
from bench.e2e.answerable import answered_from_kb
from bench.e2e.conversations import (
    ASKS_FOR_A_PERSON,
    KB_QUESTIONS,
    LANGUAGES,
    Conversation,
    ScriptBook,
    load_kb_questions,
)
from bench.e2e.driver import LoadRun, run_load
from bench.e2e.hops import HopTargets, measure_hops
from bench.e2e.ledger import Endpoints, Ledger, collect
from bench.e2e.report import Results, render
from bench.e2e.stats import TURN_WINDOWS, Summary, window_latencies
from bench.e2e.systems import Served, build_ours, ours, stock
from scripts.stack import ROOT

WORK_DIR = ROOT / "var" / "bench-e2e"


@dataclass(frozen=True)
class Plan:
    """How much of everything one run does."""

    mode: str
    levels: tuple[int, ...]
    conversations: dict[int, int]  # concurrency -> conversations played at that concurrency
    warmup_conversations: int
    long_turns: int
    long_conversations: int  # per long variant, played one after the other
    hop_calls: int
    hop_warmup: int


FULL = Plan("full", (1, 20, 100), {1: 12, 20: 60, 100: 200}, 12, 300, 1, 100, 5)
QUICK = Plan("quick", (1, 4), {1: 3, 4: 8}, 6, 25, 1, 10, 2)


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def endpoints(served: Served) -> Endpoints:
    return Endpoints(served.rasa_url, served.rasa_token, served.handoff_url, served.handoff_token)


@dataclass(frozen=True)
class Played:
    run: LoadRun
    ledger: Ledger
    cpu_ms: dict[str, float]  # CPU milliseconds per message by process, empty where /proc is missing


def play(served: Served, conversations: Sequence[Conversation], concurrency: int, label: str) -> Played:
    """Plays the conversations against one system, then checks every message was answered or relayed once."""
    before = cpu.CpuSample.take(served.pids) if cpu.available() else None
    run = asyncio.run(run_load(served.rasa_url, conversations, concurrency, label=f"{served.name}-{label}"))
    spent = cpu.CpuSample.take(served.pids).since(before) if before else {}
    ledger = asyncio.run(collect(endpoints(served), run.senders()))
    errors = [turn.error for turn in run.turns if turn.error]
    log(
        f"{served.name} {label}: {len(run.turns)} msgs in {run.wall_seconds:.1f} s, {len(errors)} errors"
        + (f" (first: {errors[0]})" if errors else "")
        + f", ledger clean={ledger.clean}"
    )
    return Played(run, ledger, cpu.per_message_ms(spent, len(run.turns)))


def by_window(run: LoadRun) -> dict[tuple[int, int], Summary]:
    pairs = [(turn.number, turn.latency) for turn in run.turns if turn.error is None]
    return {window: Summary.of(window_latencies(pairs, *window)) for window in TURN_WINDOWS}


def benchmark(plan: Plan, book: ScriptBook, ours_served: Served, stock_served: Served) -> Results:
    concurrency: dict[int, dict[str, Summary]] = {}
    windows: dict[str, dict[tuple[int, int], Summary]] = {}
    ledgers: dict[str, Ledger] = {}
    steps: dict[int, dict[str, Summary]] = {}
    cpu_ms: dict[int, dict[str, dict[str, float]]] = {}

    log("warm-up")
    play(ours_served, [book.ours_load(i) for i in range(plan.warmup_conversations)], 2, "warmup")
    play(stock_served, [book.stock_load(i) for i in range(plan.warmup_conversations)], 2, "warmup")

    for level in plan.levels:
        count = plan.conversations[level]
        ours_played = play(ours_served, [book.ours_load(i) for i in range(count)], level, f"c{level}")
        stock_played = play(stock_served, [book.stock_load(i) for i in range(count)], level, f"c{level}")
        concurrency[level] = {
            "ours": Summary.of(ours_played.run.latencies(), ours_played.run.wall_seconds),
            "stock": Summary.of(stock_played.run.latencies(), stock_played.run.wall_seconds),
        }
        cpu_ms[level] = {"ours": ours_played.cpu_ms, "stock": stock_played.cpu_ms}
        steps[level] = {kind: Summary.of(values) for kind, values in ours_played.run.latencies_by_step().items()}
        ledgers[f"ours, {level} at once ({count} conversations)"] = ours_played.ledger
        ledgers[f"stock, {level} at once ({count} conversations)"] = stock_played.ledger

    long_scripts = {
        "ours-bot": (
            ours_served,
            [book.ours_long_bot(LANGUAGES[i % 6], plan.long_turns) for i in range(plan.long_conversations)],
        ),
        "ours-human": (
            ours_served,
            [book.ours_long_human(LANGUAGES[(i + 1) % 6], plan.long_turns) for i in range(plan.long_conversations)],
        ),
        "stock": (stock_served, [book.stock_long(plan.long_turns) for _ in range(plan.long_conversations)]),
    }
    notes: list[str] = []
    for variant, (served, scripts) in long_scripts.items():
        played = play(served, scripts, 1, f"long-{variant}")
        windows[variant] = by_window(played.run)
        if variant == "ours-bot" and played.ledger.relayed:
            notes.append(
                f"ours-bot: the bot handed the conversation off ({played.ledger.relayed} of {played.ledger.sent}"
                " turns relayed), so its later windows measure human mode, not bot answers."
            )
        ledgers[f"{variant}, {plan.long_conversations}×{plan.long_turns} turns"] = played.ledger

    log("hops")
    assert ours_served.actions_url and ours_served.handoff_url and ours_served.service_key and ours_served.rasa_token
    assert ours_served.actions_token
    hops = measure_hops(
        HopTargets(
            rasa_url=ours_served.rasa_url,
            rasa_token=ours_served.rasa_token,
            actions_url=ours_served.actions_url,
            handoff_url=ours_served.handoff_url,
            service_key=ours_served.service_key,
            actions_token=ours_served.actions_token,
        ),
        load_kb_questions(KB_QUESTIONS),
        plan.hop_calls,
        plan.hop_warmup,
    )
    return Results(
        command="",
        started_at="",
        mode=plan.mode,
        machine="",
        concurrency=concurrency,
        windows=windows,
        ledgers=ledgers,
        hops=hops,
        steps=steps,
        notes=notes,
        cpu_ms=cpu_ms,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run with tiny counts")
    parser.add_argument("--out", type=Path, default=None, help="Markdown output (default bench/e2e/results.md)")
    parser.add_argument("--no-build", action="store_true", help="skip `make -s train kb` (use the built model)")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    out: Path = args.out or (ROOT / "bench" / "e2e" / ("results-quick.md" if args.quick else "results.md"))
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "PYTHONPATH=. .venv/bin/python -m bench.e2e.run " + shlex.join(argv if argv is not None else sys.argv[1:])

    if not args.no_build:
        log("make -s train kb")
        build_ours()
    run_dir = WORK_DIR / f"run-{int(time.time())}"
    run_dir.mkdir(parents=True, exist_ok=True)
    log(f"starting both systems (logs in {run_dir})")
    with stock(WORK_DIR / "stock-project", run_dir / "log") as stock_served, ours(run_dir / "ours") as ours_served:
        candidates = load_kb_questions(KB_QUESTIONS, exclude=ASKS_FOR_A_PERSON)
        bot_only = answered_from_kb(ours_served, candidates)
        book = ScriptBook(load_kb_questions(KB_QUESTIONS), seed=args.seed, bot_only_questions=bot_only)
        measured = benchmark(plan, book, ours_served, stock_served)
    kept, asked = sum(map(len, bot_only.values())), sum(map(len, candidates.values()))
    question_note = (
        f"ours-bot asks the {kept} of {asked} held-out KB questions (outside the articles that may end with a person)"
        " that the assistant, asked each in a fresh conversation, routes to the KB and answers; the load runs ask"
        " all of them (bench/e2e/answerable.py)."
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    results = Results(
        command=command.strip(),
        started_at=started_at,
        mode=plan.mode,
        machine=f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()} client,"
        f" load average at the end {load}",
        concurrency=measured.concurrency,
        windows=measured.windows,
        ledgers=measured.ledgers,
        hops=measured.hops,
        steps=measured.steps,
        notes=[*measured.notes, question_note],
        cpu_ms=measured.cpu_ms,
    )
    out.write_text(render(results), encoding="utf-8")
    log(f"wrote {out}")
    ours_clean = all(ledger.clean for label, ledger in results.ledgers.items() if label.startswith("ours"))
    return 0 if ours_clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
