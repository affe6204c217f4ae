"""A held-out split stratified by (language, intent), and the training file it needs."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.content.annotations import parse_example
from bot.content.corpus import Example


@dataclass(frozen=True)
class TestCase:
    """One held-out message with its language, true intent and annotated (entity, value) pairs."""

    language: str
    intent: str
    text: str
    entities: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Split:
    """Training examples (raw, with annotations) and held-out test cases."""

    train: tuple[Example, ...]
    test: tuple[TestCase, ...]


def stratified_split(examples: Sequence[Example], test_fraction: float, seed: int) -> Split:
    """Holds out `test_fraction` of every (language, intent) group, at least one when it has two."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    shared: list[Example] = []
    for example in examples:
        if example.language is None:
            shared.append(example)
        else:
            groups[(example.language, example.intent)].append(example)
    rng = random.Random(seed)
    train: list[Example] = list(shared)
    test: list[TestCase] = []
    for key in sorted(groups):
        members = list(groups[key])
        rng.shuffle(members)
        held = min(len(members) - 1, max(1, math.floor(len(members) * test_fraction)))
        for example in members[:held]:
            parsed = parse_example(example.text)
            entities = tuple((item.entity, item.value or item.text) for item in parsed.annotations)
            test.append(TestCase(key[0], key[1], parsed.plain, entities))
        train.extend(members[held:])
    return Split(tuple(train), tuple(test))


def training_yaml(examples: Sequence[Example]) -> str:
    """Rasa 3.1 NLU YAML with the given examples, grouped by intent in first-seen order."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example.text)
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    return "\n".join(lines) + "\n"
