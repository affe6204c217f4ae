"""xSID reader: CoNLL files `<lang>.<split>.conll` with `# text =` and `# intent =` headers.

Only validation splits are published in ../shared/data/xsid, so with the same split name for train and test each
language's file is split deterministically 50/50 (alternating examples after a stable hash order) per language.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bench.nlu.examples import Benchmark, Example, rasa_intent_name


class XsidFormatError(ValueError):
    """A CoNLL block without a text or intent header."""


def parse_conll(content: str, language: str) -> list[Example]:
    """Examples of one xSID CoNLL file (blocks separated by blank lines)."""
    examples: list[Example] = []
    for block in content.split("\n\n"):
        text: str | None = None
        intent: str | None = None
        for line in block.splitlines():
            if line.startswith("# text ="):
                text = line.split("=", 1)[1].strip()
            elif line.startswith("# intent ="):
                intent = line.split("=", 1)[1].strip()
        if text is None and intent is None:
            continue
        if not text or not intent:
            raise XsidFormatError(f"{language}: block without text or intent: {block[:80]!r}")
        examples.append(Example(text=text, intent=rasa_intent_name(intent), language=language))
    return examples


def split_half(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """Deterministic 50/50 split stratified by intent: sort each intent's examples by a hash, alternate."""
    train: list[Example] = []
    test: list[Example] = []
    by_intent: dict[str, list[Example]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(example)
    for intent in sorted(by_intent):
        ordered = sorted(by_intent[intent], key=lambda e: hashlib.sha1(e.text.encode("utf-8")).hexdigest())
        for index, example in enumerate(ordered):
            (train if index % 2 == 0 else test).append(example)
    return train, test


def read_xsid(folder: Path, languages: list[str], train_split: str, test_split: str) -> Benchmark:
    """xSID for `languages`; the same split for train and test means a 50/50 split of that file per language."""
    train: list[Example] = []
    test: list[Example] = []
    for language in languages:
        train_file = folder / f"{language}.{train_split}.conll"
        train_examples = parse_conll(train_file.read_text(encoding="utf-8"), language)
        if train_split == test_split:
            half_train, half_test = split_half(train_examples)
            train += half_train
            test += half_test
        else:
            train += train_examples
            test += parse_conll((folder / f"{language}.{test_split}.conll").read_text(encoding="utf-8"), language)
    if train_split == test_split:
        protocol = f"xSID `{train_split}` split per language, halved 50/50 per intent (hash order) into train/test"
    else:
        protocol = f"xSID train on `{train_split}`, test on `{test_split}`"
    return Benchmark(name="xsid", train=train, test=test, protocol=protocol)
