"""Scores of one pipeline on one benchmark from its recorded rankings: per-language intent quality and, where the
dataset has out-of-scope examples, out-of-scope handling at the configured and at a validation-chosen threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.nlu.decision import Fallback, Ranking, choose_threshold, decide_all
from bench.nlu.examples import Example
from bench.nlu.metrics import (
    accuracy,
    in_scope_accuracy,
    macro_f1,
    matthews,
    out_of_scope_recall,
    percentile,
)

THRESHOLD_GRID = tuple(round(0.05 * step, 2) for step in range(1, 20))


@dataclass(frozen=True)
class LanguageScores:
    """Intent quality on one language's test examples."""

    language: str
    examples: int
    accuracy: float
    macro_f1: float
    top1_accuracy: float


@dataclass(frozen=True)
class ScopeScores:
    """Out-of-scope handling at one fallback threshold."""

    threshold: float
    how_chosen: str
    accuracy: float
    in_scope_accuracy: float
    out_of_scope_recall: float
    mcc: float
    macro_f1: float


@dataclass(frozen=True)
class Latency:
    """Per-message parse latency in milliseconds."""

    p50_ms: float
    p95_ms: float


def balanced_scope_score(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean of in-scope accuracy and out-of-scope recall: the validation criterion for the threshold."""
    return (in_scope_accuracy(gold, predicted) + out_of_scope_recall(gold, predicted)) / 2


def per_language(
    test: Sequence[Example], rankings: Sequence[Ranking], fallback: Fallback | None
) -> list[LanguageScores]:
    """Accuracy and macro-F1 per language with the pipeline's own fallback, plus top-1 accuracy without it."""
    predicted = decide_all(rankings, fallback)
    top1 = decide_all(rankings, None)
    scores: list[LanguageScores] = []
    for language in sorted({example.language for example in test}):
        indexes = [i for i, example in enumerate(test) if example.language == language]
        gold = [test[i].intent for i in indexes]
        chosen = [predicted[i] for i in indexes]
        scores.append(
            LanguageScores(
                language=language,
                examples=len(indexes),
                accuracy=accuracy(gold, chosen),
                macro_f1=macro_f1(gold, chosen),
                top1_accuracy=accuracy(gold, [top1[i] for i in indexes]),
            )
        )
    return scores


def scope_scores(gold: Sequence[str], rankings: Sequence[Ranking], fallback: Fallback, how_chosen: str) -> ScopeScores:
    """Out-of-scope metrics of the rankings under `fallback`."""
    predicted = decide_all(rankings, fallback)
    return ScopeScores(
        threshold=fallback.threshold,
        how_chosen=how_chosen,
        accuracy=accuracy(gold, predicted),
        in_scope_accuracy=in_scope_accuracy(gold, predicted),
        out_of_scope_recall=out_of_scope_recall(gold, predicted),
        mcc=matthews(gold, predicted),
        macro_f1=macro_f1(gold, predicted),
    )


def scope_rows(
    test: Sequence[Example],
    rankings: Sequence[Ranking],
    fallback: Fallback,
    validation: Sequence[Example] = (),
    validation_rankings: Sequence[Ranking] = (),
) -> list[ScopeScores]:
    """Rows at the configured threshold, at the validation-chosen one (if validation data), and the test-oracle
    best-MCC threshold (what the HINT3 paper's best rows report; not a fair number, labelled as such)."""
    gold = [example.intent for example in test]
    rows = [scope_scores(gold, rankings, fallback, "configured")]
    if validation and validation_rankings:
        chosen = choose_threshold(
            [example.intent for example in validation],
            validation_rankings,
            fallback.ambiguity_threshold,
            balanced_scope_score,
            THRESHOLD_GRID,
        )
        rows.append(scope_scores(gold, rankings, Fallback(chosen, fallback.ambiguity_threshold), "chosen on val"))
    oracle = choose_threshold(gold, rankings, fallback.ambiguity_threshold, matthews, THRESHOLD_GRID)
    rows.append(
        scope_scores(gold, rankings, Fallback(oracle, fallback.ambiguity_threshold), "best MCC on test (oracle)")
    )
    return rows


def latency(latencies_seconds: Sequence[float]) -> Latency:
    """p50 and p95 of per-message latencies, in milliseconds."""
    return Latency(p50_ms=percentile(latencies_seconds, 0.5) * 1000, p95_ms=percentile(latencies_seconds, 0.95) * 1000)
