"""fb_mtod reader: PyText TSV (intent, slots, utterance, language, tokens) in `<lang>/<split>-<lang>.tsv`."""

from __future__ import annotations

from pathlib import Path

from bench.nlu.examples import Benchmark, Example, rasa_intent_name


def parse_tsv(content: str, language: str) -> list[Example]:
    """Examples of one PyText TSV file; blank lines are skipped."""
    examples: list[Example] = []
    for line in content.splitlines():
        if not line.strip():
            continue
        columns = line.split("\t")
        if len(columns) < 3:
            raise ValueError(f"{language}: expected at least 3 tab-separated columns: {line[:80]!r}")
        examples.append(Example(text=columns[2].strip(), intent=rasa_intent_name(columns[0]), language=language))
    return examples


def read_fb_mtod(folder: Path, languages: list[str], train_split: str, test_split: str) -> Benchmark:
    """fb_mtod for `languages` (es, th here), training on `train_split` and testing on `test_split`."""
    train: list[Example] = []
    test: list[Example] = []
    for language in languages:
        train += parse_tsv((folder / language / f"{train_split}-{language}.tsv").read_text("utf-8"), language)
        test += parse_tsv((folder / language / f"{test_split}-{language}.tsv").read_text("utf-8"), language)
    return Benchmark(
        name="fb_mtod", train=train, test=test, protocol=f"fb_mtod train on `{train_split}`, test on `{test_split}`"
    )
