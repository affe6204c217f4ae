"""Per-message latency of the Rasa components (LanguageDetector, MultilingualTokenizer) on benchmark texts.

Run from the project root, in the Rasa environment:
    .venv-rasa/bin/python bench/langid/component_latency.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from langid_data import read_all
from rasa.shared.nlu.training_data.message import Message

from bot.components.language_detector import LanguageDetector
from bot.components.multilingual_tokenizer import MultilingualTokenizer


def timings_ms(process: Callable[[str], object], texts: Sequence[str]) -> list[float]:
    """Sorted wall-clock milliseconds of one call per text."""
    values = []
    for text in texts:
        start = time.perf_counter()
        process(text)
        values.append((time.perf_counter() - start) * 1000.0)
    return sorted(values)


def main(argv: Sequence[str] | None = None) -> int:
    """Time both components on every `--every`-th benchmark text and print p50/p95 as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--every", type=int, default=10, help="take every n-th sample of each dataset")
    args = parser.parse_args(argv)

    languages = ["en", "es", "pt", "fr", "ar", "zh"]
    texts = [s.text for dataset in read_all(args.data, languages) for s in dataset.samples[:: args.every]]
    detector = LanguageDetector({})
    tokenizer = MultilingualTokenizer(MultilingualTokenizer.get_default_config())
    components: dict[str, Callable[[str], object]] = {
        "LanguageDetector.process": lambda text: detector.process(
            [Message(data={"text": text, "metadata": {"locale": "es-MX"}})]
        ),
        "MultilingualTokenizer.process": lambda text: tokenizer.process([Message(data={"text": text})]),
    }
    print(f"| component ({len(texts)} messages) | p50 ms | p95 ms |\n|---|---|---|")
    for name, process in components.items():
        values = timings_ms(process, texts)
        print(f"| {name} | {values[len(values) // 2]:.3f} | {values[int(len(values) * 0.95)]:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
