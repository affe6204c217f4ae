"""Rasa YAML NLU training data from benchmark examples: one intent block per (intent, language), with the
language in intent-level metadata as the project's nlu_data/<lang>/ files declare it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rasa.shared.utils.io import dump_obj_as_yaml_to_string

from bench.nlu.examples import Example


def escape_example(text: str) -> str:
    """One example on one line, with characters Rasa's entity markup would read ([, ], (, ), {, }) escaped away."""
    flat = " ".join(text.split())
    for char, replacement in (("[", "("), ("]", ")"), ("{", "("), ("}", ")")):
        flat = flat.replace(char, replacement)
    return flat


def nlu_yaml(examples: Sequence[Example]) -> str:
    """The `nlu:` YAML document for `examples` (duplicates within an intent dropped, order kept)."""
    blocks: dict[tuple[str, str], list[str]] = {}
    for example in examples:
        texts = blocks.setdefault((example.intent, example.language), [])
        text = escape_example(example.text)
        if text and text not in texts:
            texts.append(text)
    nlu: list[dict[str, Any]] = [
        {
            "intent": intent,
            "metadata": {"language": language},
            "examples": "".join(f"- {text}\n" for text in texts),
        }
        for (intent, language), texts in blocks.items()
    ]
    return dump_obj_as_yaml_to_string({"version": "3.1", "nlu": nlu})
