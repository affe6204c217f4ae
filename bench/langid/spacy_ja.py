"""Does spaCy's Japanese language class (Sudachi word segmentation) tokenize Japanese better for intents?

Compares our MultilingualTokenizer (script runs, no dictionary) with a bench-only tokenizer that hands Japanese text
to `spacy.blank("ja")` and everything else to ours, on xSID ja (150 chat-style utterances without spaces, the
same text preparation as tokenizer_intents.py) by k-fold cross-validation, so every utterance is tested once.
Also times each tokenizer per message. Same featurizers and DIET settings as tokenizer_intents.py.

spaCy is not a dependency of the project: install it beside the Rasa environment for the run only, e.g.
    .venv-rasa/bin/pip install --target /tmp/spacy "spacy==3.4.4" sudachipy sudachidict-core
    (then delete from /tmp/spacy what .venv-rasa already has: numpy, pydantic, packaging, setuptools, requests, ...)
    PYTHONPATH=.:/tmp/spacy .venv-rasa/bin/python bench/langid/spacy_ja.py --data ../shared/data \
        --out bench/langid/spacy_ja.md
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import regex

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.model_training import train_nlu
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bench.langid.tokenizer_intents import CONFIG, Example, read_xsid
from bot.components.multilingual_tokenizer import MultilingualTokenizer

_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class SpacyJapaneseTokenizer(MultilingualTokenizer):
    """Japanese text (any kana) through spaCy's Japanese class; every other text through MultilingualTokenizer."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        import spacy

        self._nlp = spacy.blank("ja")

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        if not text or not _KANA.search(text):
            return super().tokenize(message, attribute)
        tokens = [Token(t.text, t.idx, end=t.idx + len(t.text)) for t in self._nlp(text) if not t.is_space]
        return self._apply_token_pattern(tokens or [Token(text, 0, end=len(text))])


TOKENIZERS = {
    "MultilingualTokenizer": "  - name: bot.components.multilingual_tokenizer.MultilingualTokenizer",
    "spaCy ja (Sudachi) + MultilingualTokenizer": "  - name: bench.langid.spacy_ja.SpacyJapaneseTokenizer",
}


def accuracy(tokenizer: str, train: Sequence[Example], test: Sequence[Example], epochs: int, work: Path) -> int:
    """Train one model on `train` and count the intents it gets right on `test`."""
    work.mkdir()
    (work / "config.yml").write_text(textwrap.dedent(CONFIG).format(tokenizer=tokenizer, epochs=epochs), "utf-8")
    RasaYAMLWriter().dump(work / "nlu.yml", TrainingData([Message.build(text=t, intent=i) for _, t, i in train]))
    model = train_nlu(str(work / "config.yml"), str(work / "nlu.yml"), str(work / "models"))
    if model is None:
        raise RuntimeError("training failed")
    processor = Agent.load(model).processor
    assert processor is not None

    async def run() -> int:
        hits = 0
        for _, text, intent in test:
            hits += (await processor.parse_message(UserMessage(text)))["intent"]["name"] == intent
        return hits

    return asyncio.run(run())


def microseconds_per_message(tokenizer: MultilingualTokenizer, texts: Sequence[str], repeat: int = 5) -> float:
    """Mean time to tokenize one message (after one warm-up pass)."""
    messages = [Message.build(text=text) for text in texts]
    for message in messages:
        tokenizer.tokenize(message, "text")
    start = time.perf_counter()
    for _ in range(repeat):
        for message in messages:
            tokenizer.tokenize(message, "text")
    return 1e6 * (time.perf_counter() - start) / (repeat * len(messages))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    examples, rest = read_xsid(args.data, "ja", 1.0)
    examples += rest
    folds = [examples[k :: args.folds] for k in range(args.folds)]
    config = {**MultilingualTokenizer.get_default_config()}
    timing = {
        "MultilingualTokenizer": MultilingualTokenizer(config),
        "spaCy ja (Sudachi) + MultilingualTokenizer": SpacyJapaneseTokenizer(config),
    }
    lines = [
        f"xSID ja, {len(examples)} utterances, {args.folds}-fold cross-validation, DIET {args.epochs} epochs "
        "(tokenizer_intents.py's pipeline)",
        "",
        "| tokenizer | intent accuracy (%) | correct | µs per message |",
        "|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as work:
        for number, (name, tokenizer) in enumerate(TOKENIZERS.items()):
            correct = 0
            for k, test in enumerate(folds):
                train = [example for j, fold in enumerate(folds) if j != k for example in fold]
                correct += accuracy(tokenizer, train, test, args.epochs, Path(work) / f"{number}-{k}")
            speed = microseconds_per_message(timing[name], [text for _, text, _ in examples])
            lines.append(f"| {name} | {100 * correct / len(examples):.1f} | {correct}/{len(examples)} | {speed:.0f} |")
            print(lines[-1], file=sys.stderr)
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
