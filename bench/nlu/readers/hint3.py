"""HINT3 reader: `dataset/<version>/{train,test}/<bot>_{train,test}.csv` (sentence,label); NO_NODES_DETECTED = OOS.

The training sets have no out-of-scope examples; the test sets do.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bench.nlu.examples import OUT_OF_SCOPE, Benchmark, Example, rasa_intent_name

HINT3_OOS = "NO_NODES_DETECTED"
BOTS = ("sofmattress", "curekart", "powerplay11")


def parse_csv(content: str) -> list[Example]:
    """Examples of one HINT3 CSV (header `sentence,label`, sometimes with a trailing empty column)."""
    examples: list[Example] = []
    for row in csv.DictReader(io.StringIO(content)):
        text = (row.get("sentence") or "").strip()
        label = (row.get("label") or "").strip()
        if not text or not label:
            continue
        intent = OUT_OF_SCOPE if label == HINT3_OOS else rasa_intent_name(label)
        examples.append(Example(text=text, intent=intent, language="en"))
    return examples


def read_hint3(folder: Path, bot: str, version: str = "v2") -> Benchmark:
    """One HINT3 bot (`sofmattress`, `curekart` or `powerplay11`) of dataset `version`."""
    base = folder / "dataset" / version
    train = parse_csv((base / "train" / f"{bot}_train.csv").read_text(encoding="utf-8"))
    test = parse_csv((base / "test" / f"{bot}_test.csv").read_text(encoding="utf-8"))
    return Benchmark(
        name=f"hint3-{bot}",
        train=train,
        test=test,
        has_out_of_scope=True,
        protocol=f"HINT3 {version} `{bot}` full train / test, {HINT3_OOS} = out of scope",
    )
