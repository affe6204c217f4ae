"""When the linear intent classifier may answer from the word and character counts alone, without the embedding.

The sentence embedding makes intents better (bench/nlu/results.md) but costs the Rasa process most of its CPU per
message: one encoder call is several times the rest of the NLU pipeline. Most messages do not need it: when the model
over the counts alone is confident enough, the model with the embedding rarely ranks another intent first. So the
classifier asks the counts model first and embeds only the messages it is less sure of.

How sure is enough is chosen on the training data, from each example's confidences by the two models trained without
its fold: the lowest confidence of the counts model from which answering from the counts loses no right intent, net
of those it wins back (a message the counts model gets right and the embedding model wrong is a win). This is the same
rule that lets the knowledge base skip its re-ranker (kb/rerank.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["NEVER_SKIP", "SkipChoice", "choose_skip_confidence"]

Matrix = npt.NDArray[np.float64]

# A confidence no calibrated model reaches: the embedding is always computed.
NEVER_SKIP = 2.0


@dataclass(frozen=True)
class SkipChoice:
    """The chosen confidence and what it did on the training examples' held-out predictions."""

    confidence: float
    skipped: int  # examples the counts model would have answered alone
    examples: int
    lost: int  # of the skipped: right with the embedding, wrong without
    won: int  # of the skipped: wrong with the embedding, right without


def choose_skip_confidence(counts: Matrix, embedded: Matrix, labels: npt.NDArray[np.int_]) -> SkipChoice:
    """The lowest top confidence of the counts model (``counts``, examples x intents) at and above which its intent
    is right at least as often as the embedding model's (``embedded``) on the same examples.

    Both matrices hold held-out (cross-validated) confidences. Candidates are the counts model's own top confidences;
    when even its most confident example is a net loss, nothing is skipped (``NEVER_SKIP``).
    """
    if counts.shape != embedded.shape or counts.shape[0] != len(labels):
        raise ValueError(f"confidences {counts.shape} and {embedded.shape} do not match {len(labels)} labels")
    top = counts.max(axis=1)
    counts_right = counts.argmax(axis=1) == labels
    embedded_right = embedded.argmax(axis=1) == labels
    order = np.argsort(-top, kind="stable")
    # Walking down from the most confident example: the running net of skipping everything seen so far.
    net = np.cumsum(counts_right[order].astype(int) - embedded_right[order].astype(int))
    # A confidence shared by several examples is a single candidate: judge it after its last example.
    last_of_value = np.append(top[order][1:] != top[order][:-1], True)
    acceptable = np.flatnonzero((net >= 0) & last_of_value)
    if len(acceptable) == 0:
        return SkipChoice(NEVER_SKIP, 0, len(labels), 0, 0)
    cut = int(acceptable[-1])
    skipped = order[: cut + 1]
    return SkipChoice(
        confidence=float(top[order][cut]),
        skipped=len(skipped),
        examples=len(labels),
        lost=int(np.sum(embedded_right[skipped] & ~counts_right[skipped])),
        won=int(np.sum(counts_right[skipped] & ~embedded_right[skipped])),
    )
