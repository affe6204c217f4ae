"""Which tokenizer for unspaced scripts? Intent accuracy of a small DIET model per tokenizer variant.

Trains one multilingual NLU model per variant (Rasa's WhitespaceTokenizer, our MultilingualTokenizer,
ours with jieba words for Chinese, and ours with Thai cut into grapheme clusters) on xSID zh + ja (first
two thirds of the validation split, the only split shipped; ja has 150 utterances, zh 300) and fb_mtod th
(train split), then measures intent accuracy on the held-out xSID zh/ja utterances and on fb_mtod th
eval. Same featurizers and DIET settings for every variant.

Run from the project root, in the Rasa environment (a few minutes; keep --epochs small on shared CPUs):
    .venv-rasa/bin/python bench/langid/tokenizer_intents.py --data ../shared/data --out bench/langid/tokenizers.md
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path

import regex

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.model_training import train_nlu
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

Example = tuple[str, str, str]  # (language, text, intent)
_CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}ー、。？！]"
_UNSPACE = regex.compile(rf"(?<={_CJK})\s+(?={_CJK})")

TOKENIZERS = {
    "WhitespaceTokenizer": "  - name: WhitespaceTokenizer",
    "MultilingualTokenizer": "  - name: bot.components.multilingual_tokenizer.MultilingualTokenizer",
    "MultilingualTokenizer jieba": (
        "  - name: bot.components.multilingual_tokenizer.MultilingualTokenizer\n    han_segmentation: jieba"
    ),
    "MultilingualTokenizer split_thai": (
        "  - name: bot.components.multilingual_tokenizer.MultilingualTokenizer\n    split_thai: true"
    ),
}

CONFIG = """
recipe: default.v1
language: en
assistant_id: tokenizer-bench
pipeline:
{tokenizer}
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: {epochs}
    entity_recognition: false
    constrain_similarities: true
    random_seed: 1
"""


def read_xsid(data: Path, language: str, train_fraction: float) -> tuple[list[Example], list[Example]]:
    """xSID utterances with intents, split in order: the first `train_fraction` to train, the rest to test.

    xSID's Japanese text is pre-tokenised with spaces ("今日 は 雨"); real chat has none, so spaces between
    two non-Latin characters are removed to measure tokenizers on text as customers write it.
    """
    examples: list[Example] = []
    text = ""
    for line in (data / "xsid" / f"{language}.valid.conll").read_text(encoding="utf-8").splitlines():
        if line.startswith("# text ="):
            text = _UNSPACE.sub("", line.split("=", 1)[1].strip())
        elif line.startswith("# intent =") and text:
            examples.append((language, text, "xsid_" + line.split("=", 1)[1].strip().replace("/", "_")))
    n_train = round(len(examples) * train_fraction)
    return examples[:n_train], examples[n_train:]


def read_fb_mtod(path: Path, language: str, limit: int) -> list[Example]:
    """fb_mtod utterances with intents (every k-th row, to keep `limit` rows spread over the file)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE) if len(row) >= 3]
    step = max(1, len(rows) // limit)
    return [(language, row[2].strip(), "mtod_" + row[0].replace("/", "_")) for row in rows[::step][:limit]]


def train_and_score(
    name: str, tokenizer: str, train: Sequence[Example], test: Sequence[Example], epochs: int, work: Path
) -> dict[str, float]:
    """Train one model with `tokenizer` and return intent accuracy (%) per language on `test`."""
    folder = work / name.replace(" ", "_")
    folder.mkdir()
    (folder / "config.yml").write_text(
        textwrap.dedent(CONFIG).format(tokenizer=tokenizer, epochs=epochs), encoding="utf-8"
    )
    data = TrainingData([Message.build(text=text, intent=intent) for _, text, intent in train])
    RasaYAMLWriter().dump(folder / "nlu.yml", data)
    model = train_nlu(str(folder / "config.yml"), str(folder / "nlu.yml"), str(folder / "models"))
    if model is None:
        raise RuntimeError(f"training failed for {name}")
    agent = Agent.load(model)
    processor = agent.processor
    assert processor is not None
    hits: dict[str, list[int]] = {}

    async def run() -> None:
        for language, text, intent in test:
            parsed = await processor.parse_message(UserMessage(text))
            counts = hits.setdefault(language, [0, 0])
            counts[0] += parsed["intent"]["name"] == intent
            counts[1] += 1

    asyncio.run(run())
    return {language: 100.0 * hit / total for language, (hit, total) in hits.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Train every variant and print a Markdown table of intent accuracy per language."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--xsid-train", type=float, default=0.67, help="share of xSID utterances to train on")
    parser.add_argument("--th-train", type=int, default=600)
    parser.add_argument("--th-test", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--variants", default=",".join(TOKENIZERS), help="comma-separated variant names")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    train: list[Example] = []
    test: list[Example] = []
    for language in ("zh", "ja"):
        part_train, part_test = read_xsid(args.data, language, args.xsid_train)
        train += part_train
        test += part_test
    train += read_fb_mtod(args.data / "fb_mtod" / "th" / "train-th.tsv", "th", args.th_train)
    test += read_fb_mtod(args.data / "fb_mtod" / "th" / "eval-th.tsv", "th", args.th_test)

    languages = ("zh", "ja", "th")
    lines = [
        f"Intent accuracy (%), DIET {args.epochs} epochs; train {len(train)} / test {len(test)} utterances",
        "",
        "| tokenizer | " + " | ".join(languages) + " | mean |",
        "|" + "---|" * (len(languages) + 2),
    ]
    with tempfile.TemporaryDirectory() as work:
        for name in args.variants.split(","):
            tokenizer = TOKENIZERS[name]
            scores = train_and_score(name, tokenizer, train, test, args.epochs, Path(work))
            cells = [f"{scores.get(language, 0.0):.1f}" for language in languages]
            mean = sum(scores.get(language, 0.0) for language in languages) / len(languages)
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {mean:.1f} |")
            print(lines[-1], file=sys.stderr)
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
