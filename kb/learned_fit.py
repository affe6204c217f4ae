"""Fit kb.learned's ranker on labelled questions by cross-fitting: each question's signals come from a classifier
and nearest-question matrix that did not see it, as a customer's question at query time.

The questions that can be held out are the ones that are not chunks of the index (the ``faq`` training examples,
the chat-register questions and the out-of-scope ones); the articles' titles and sample questions always stay in
the supervised model, as they do at query time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from kb.learned import LearnedRanker, Signals, candidate_features, fit_binary
from kb.signals import measure_signals
from kb.supervised import SupervisedModel, fit_softmax

if TYPE_CHECKING:
    from kb.retriever import Retriever

__all__ = ["FOLDS", "LabelledSignals", "cross_fitted_signals", "fit_ranker"]

FOLDS = 5
# Inverse regularisation strength of the ranker (scikit-learn's C): a few dozen weights on thousands of rows.
RANKER_C = 1.0

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class LabelledSignals:
    """One held-out labelled question's candidate signals and its article (None: out of scope)."""

    language: str
    article_id: str | None
    signals: Signals


def cross_fitted_signals(
    retriever: Retriever,
    texts: Sequence[str],
    languages: Sequence[str],
    labels: npt.NDArray[np.int_],
    article_ids: Sequence[str],
    first: Matrix,
    second: Matrix,
    held_out: npt.NDArray[np.bool_],
    *,
    folds: int = FOLDS,
    progress: Callable[[str], None] = lambda message: None,
) -> list[LabelledSignals]:
    """Signals of every ``held_out`` question, measured with a supervised model fitted without its fold.

    ``labels[n]`` is the index of question ``n``'s article in ``article_ids`` (``len(article_ids)``: out of scope).
    """
    classes = len(article_ids) + 1
    candidates = np.flatnonzero(held_out)
    fold_of = np.full(len(texts), -1)
    fold_of[candidates] = np.arange(candidates.size) % folds
    features = np.hstack([first, second]).astype(np.float64)
    found: list[LabelledSignals] = []
    for fold in range(folds):
        train = fold_of != fold
        weights, bias = fit_softmax(features[train], labels[train], classes)
        in_scope = train & (labels < len(article_ids))
        model = SupervisedModel(tuple(article_ids), first[in_scope], second[in_scope], labels[in_scope], weights, bias)
        for row in (int(value) for value in np.flatnonzero(fold_of == fold)):
            if retriever.alone(languages[row]):
                continue  # decided by the reranker alone, without candidates' signals (kb.retriever)
            measured = measure_signals(retriever, model, texts[row], languages[row], first[row], second[row])
            if measured is None:
                continue
            label = int(labels[row])
            found.append(
                LabelledSignals(languages[row], article_ids[label] if label < len(article_ids) else None, measured[0])
            )
        progress(f"ranker: fold {fold + 1} of {folds} measured")
    return found


def fit_ranker(examples: Sequence[LabelledSignals], *, c: float = RANKER_C) -> LearnedRanker:
    """The logistic regression of "this candidate is the question's article" over every candidate's features."""
    rows = [candidate_features(item.signals) for item in examples]
    targets = [
        np.asarray([article_id == item.article_id for article_id in item.signals.article_ids], dtype=np.int_)
        for item in examples
    ]
    features = np.vstack(rows)
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-9] = 1.0
    weights, bias = fit_binary((features - mean) / scale, np.concatenate(targets), c=c)
    return LearnedRanker(mean, scale, weights, bias)
