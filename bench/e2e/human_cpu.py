"""CPU per turn of each process over a long human-mode conversation: is human mode as flat as the bot?

Wall-clock latency on a shared machine mostly measures the neighbours; the CPU time each process (with its worker
children) spends per turn does not. One conversation hands off at turn 2 and relays every later message; the CPU of
turns 3–22, 100–119 and 281–300 is compared (turns 1–2 greet and create the handoff, another kind of work).

    PYTHONPATH=. .venv/bin/python -m bench.e2e.human_cpu [--turns 300] [--conversations 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.e2e.cpu import process_tree_seconds
from bench.e2e.systems import ours

PHRASES = ("are you still there?", "the order is NB-123456", "it arrived broken", "ok, thanks")
WINDOWS = ((3, 22), (100, 119), (281, 300))
WARM_UP = ("hello", "how long does shipping take?", "I want to talk to a real person", "it arrived broken")


def cpu_ms(pids: dict[str, int]) -> dict[str, float]:
    return {name: process_tree_seconds(pid) * 1000 for name, pid in pids.items()}


def play(http: httpx.Client, pids: dict[str, int], turns: int) -> dict[tuple[int, int], tuple[dict[str, float], float]]:
    """CPU ms per turn of each process, and wall ms per turn, in each window."""
    sender = f"human-cpu-{uuid.uuid4().hex[:10]}"
    messages = ["hello", "I want to talk to a real person", *(PHRASES[i % len(PHRASES)] for i in range(turns - 2))]
    started: dict[tuple[int, int], tuple[dict[str, float], float]] = {}
    measured: dict[tuple[int, int], tuple[dict[str, float], float]] = {}
    for turn, text in enumerate(messages, 1):
        for window in WINDOWS:
            if turn == window[0]:
                started[window] = (cpu_ms(pids), time.perf_counter())
        http.post("/webhooks/rest/webhook", json={"sender": sender, "message": text}).raise_for_status()
        for window in WINDOWS:
            if turn == window[1] and window in started:
                before, at = started[window]
                count = window[1] - window[0] + 1
                after = cpu_ms(pids)
                per_turn = {name: (after[name] - before[name]) / count for name in pids}
                measured[window] = (per_turn, (time.perf_counter() - at) * 1000 / count)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--conversations", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="human-cpu-") as work, ours(Path(work)) as served:
        pids = dict(served.pids)
        http = httpx.Client(base_url=served.rasa_url, timeout=60)
        for _ in range(3):
            sender = f"warm-{uuid.uuid4().hex[:10]}"
            for text in WARM_UP:
                http.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
        print(
            "| conversation | turns | "
            + " | ".join(f"{name} CPU ms/turn" for name in pids)
            + " | total | wall ms/turn |"
        )
        print("|---" * (len(pids) + 4) + "|")
        for index in range(args.conversations):
            measured = play(http, pids, args.turns)
            for (first, last), (per_turn, wall) in measured.items():
                cells = " | ".join(f"{per_turn[name]:.1f}" for name in pids)
                print(f"| {index + 1} | {first}–{last} | {cells} | {sum(per_turn.values()):.1f} | {wall:.0f} |")
            if WINDOWS[0] in measured and WINDOWS[-1] in measured:
                ratio = sum(measured[WINDOWS[-1]][0].values()) / max(sum(measured[WINDOWS[0]][0].values()), 0.01)
                print(f"| {index + 1} | growth | | | | {ratio:.2f}× | |")


if __name__ == "__main__":
    main()
