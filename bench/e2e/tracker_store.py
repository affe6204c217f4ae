"""Tracker-store cost per turn as a conversation grows: Rasa's SQL store vs ours (bot/stores/windowed_sql.py).

    PYTHONPATH=. .venv-rasa/bin/python bench/e2e/tracker_store.py [--turns 300]

Each turn does what Rasa's processor does with the store: get the tracker, append one turn's events (user message,
slot, bot utterance, actions), save. Both stores write SQLite files in a temporary directory, in the same process,
alternating turn by turn so that machine noise hits both alike. Prints a Markdown table of the median cost per turn
in turn windows and the growth from the first window to the last.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.stores.windowed_sql import WindowedSQLTrackerStore

DOMAIN = Domain.from_dict({"intents": ["faq"], "slots": {"turns": {"type": "float", "mappings": [{"type": "custom"}]}}})


async def one_turn(store: Any, sender: str, number: int) -> float:
    started = time.perf_counter()
    tracker = await store.get_or_create_tracker(sender)
    parse = {"name": "faq", "confidence": 0.9}
    for event in (
        UserUttered(f"message {number}", parse, parse_data={"intent": parse, "entities": [], "text": "x"}),
        SlotSet("turns", float(number)),
        ActionExecuted("action_answer_faq"),
        BotUttered(f"answer {number} " + "lorem ipsum " * 20),
        ActionExecuted("action_listen"),
    ):
        tracker.update(event)
    await store.save(tracker)
    return time.perf_counter() - started


async def run(turns: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as directory:
        stores = {
            "Rasa SQLTrackerStore": SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(Path(directory) / "a.db")),
            "ours (windowed, cached)": WindowedSQLTrackerStore(
                domain=DOMAIN, dialect="sqlite", db=str(Path(directory) / "b.db")
            ),
        }
        costs: dict[str, list[float]] = {name: [] for name in stores}
        for number in range(1, turns + 1):
            for name, store in stores.items():
                costs[name].append(await one_turn(store, "bench", number))
        return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=300)
    args = parser.parse_args()
    costs = asyncio.run(run(args.turns))
    windows = [(1, 20), (100, 120), (args.turns - 20, args.turns)]
    print("| store | " + " | ".join(f"turns {a}–{b} ms" for a, b in windows) + " | growth |")
    print("|---|" + "---|" * (len(windows) + 1))
    for name, values in costs.items():
        medians = [statistics.median(values[a - 1 : b]) * 1000 for a, b in windows]
        cells = " | ".join(f"{m:.2f}" for m in medians)
        print(f"| {name} | {cells} | {medians[-1] / medians[0]:.2f}× |")


if __name__ == "__main__":
    main()
