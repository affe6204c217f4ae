"""CLINC150 reader, the paper's protocol on `data_full.json`: train on train + oos_train, test on test + oos_test.

val + oos_val are returned as the validation split (used only to choose the fallback threshold).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.nlu.examples import OUT_OF_SCOPE, Benchmark, Example, rasa_intent_name

CLINC_OOS = "oos"


def examples_of(pairs: list[list[Any]]) -> list[Example]:
    """CLINC150 [text, label] pairs as English examples, `oos` mapped to OUT_OF_SCOPE."""
    return [
        Example(
            text=str(text), intent=OUT_OF_SCOPE if label == CLINC_OOS else rasa_intent_name(str(label)), language="en"
        )
        for text, label in pairs
    ]


def read_clinc150(folder: Path, variant: str = "data_full.json") -> Benchmark:
    """CLINC150 `variant` (data_full.json by default) with out-of-scope examples in every split."""
    data: dict[str, list[list[Any]]] = json.loads((folder / variant).read_text(encoding="utf-8"))
    return Benchmark(
        name="clinc150",
        train=examples_of(data["train"] + data["oos_train"]),
        test=examples_of(data["test"] + data["oos_test"]),
        validation=examples_of(data["val"] + data["oos_val"]),
        has_out_of_scope=True,
        protocol=f"CLINC150 `{variant}`: train = train + oos_train, test = test + oos_test, threshold chosen on val",
    )
