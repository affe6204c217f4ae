"""The FallbackClassifier's threshold swept over recorded test predictions: what each threshold would have given.

Reads the JSONL that `bench/nlu/run.py --predictions` writes (every test message's gold intent and its top two
intents before any fallback) and replays Rasa's fallback decision at each threshold, so one training run answers
"what if the threshold were 0.3, 0.35, ...?" for every benchmark and pipeline in the file:

    PYTHONPATH=. .venv-rasa/bin/python bench/nlu/threshold_sweep.py var/nlu_runs/*.jsonl --out sweep.md

Rows per benchmark and pipeline: accuracy (out of scope counts as a label), in-scope accuracy, out-of-scope recall
(where the benchmark has out-of-scope messages), MCC and macro-F1. Thresholds read off a test set are for a study,
not for picking a number to report.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.nlu.decision import Fallback, Ranking, decide_all
from bench.nlu.examples import OUT_OF_SCOPE
from bench.nlu.metrics import accuracy, in_scope_accuracy, macro_f1, matthews, out_of_scope_recall

DEFAULT_THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


@dataclass(frozen=True)
class Recorded:
    """One benchmark's test predictions by one pipeline."""

    benchmark: str
    pipeline: str
    gold: tuple[str, ...]
    rankings: tuple[Ranking, ...]


@dataclass(frozen=True)
class SweepRow:
    threshold: float
    accuracy: float
    in_scope_accuracy: float
    out_of_scope_recall: float | None
    mcc: float
    macro_f1: float


def read_predictions(paths: Iterable[Path]) -> list[Recorded]:
    """Predictions grouped by (benchmark, pipeline), in the order first seen; a clear error on a malformed line."""
    grouped: dict[tuple[str, str], tuple[list[str], list[Ranking]]] = defaultdict(lambda: ([], []))
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key = (str(record["benchmark"]), str(record["pipeline"]))
                second = record.get("second_confidence")
                ranking = Ranking(
                    str(record["intent"]), float(record["confidence"]), None if second is None else float(second)
                )
                gold = str(record["gold"])
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}:{number}: not a prediction record ({error})") from error
            grouped[key][0].append(gold)
            grouped[key][1].append(ranking)
    return [
        Recorded(benchmark, pipeline, tuple(gold), tuple(rankings))
        for (benchmark, pipeline), (gold, rankings) in grouped.items()
    ]


def sweep(recorded: Recorded, thresholds: Sequence[float], ambiguity_threshold: float) -> list[SweepRow]:
    """The scores at each threshold."""
    has_out_of_scope = OUT_OF_SCOPE in recorded.gold
    rows = []
    for threshold in thresholds:
        predicted = decide_all(recorded.rankings, Fallback(threshold, ambiguity_threshold))
        rows.append(
            SweepRow(
                threshold=threshold,
                accuracy=accuracy(recorded.gold, predicted),
                in_scope_accuracy=in_scope_accuracy(recorded.gold, predicted),
                out_of_scope_recall=out_of_scope_recall(recorded.gold, predicted) if has_out_of_scope else None,
                mcc=matthews(recorded.gold, predicted),
                macro_f1=macro_f1(recorded.gold, predicted),
            )
        )
    return rows


def render(recorded: Sequence[Recorded], thresholds: Sequence[float], ambiguity_threshold: float) -> str:
    lines = [
        f"Ambiguity threshold {ambiguity_threshold:.2f} throughout. Percentages; MCC as a coefficient.",
        "",
        "| benchmark | pipeline | n | threshold | acc | in-scope acc | OOS recall | MCC | macro-F1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for item in recorded:
        for row in sweep(item, thresholds, ambiguity_threshold):
            recall = "–" if row.out_of_scope_recall is None else f"{100 * row.out_of_scope_recall:.1f}"
            lines.append(
                f"| {item.benchmark} | {item.pipeline} | {len(item.gold)} | {row.threshold:.2f} "
                f"| {100 * row.accuracy:.1f} | {100 * row.in_scope_accuracy:.1f} | {recall} | {row.mcc:.3f} "
                f"| {100 * row.macro_f1:.1f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("predictions", type=Path, nargs="+", help="JSONL files written by run.py --predictions")
    parser.add_argument("--thresholds", default=",".join(str(t) for t in DEFAULT_THRESHOLDS))
    parser.add_argument("--ambiguity-threshold", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=None, help="Markdown file (default: print)")
    args = parser.parse_args(argv)
    try:
        thresholds = [float(value) for value in args.thresholds.split(",") if value.strip()]
    except ValueError:
        parser.error(f"--thresholds must be comma-separated numbers, got {args.thresholds!r}")
    try:
        recorded = read_predictions(args.predictions)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    text = render(recorded, thresholds, args.ambiguity_threshold)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
