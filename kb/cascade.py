"""When the reranker is worth its cost: skip it when the first encoder's order is already clear.

The reranker (kb.rerank) embeds the question a second time, with an encoder several times slower than the first.
When the first encoder's best article (dense score plus the lexical signal, the order without a reranker)
leads the second by a wide margin, the reranker seldom changes the winner. The margin from which it is
skipped is chosen at build time, on the same in-scope questions as the threshold (kb.calibrate): the
articles' sample questions, each asked with its own chunk and its translations masked. Only questions whose
best dense score reaches the threshold count, since the others are never re-ranked. The chosen margin is
the smallest from which skipping loses no right top article on them, net of the ones it wins back
(where the reranker had made the order worse).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kb.calibrate import encode_in_batches, question_rows
from kb.centring import centre
from kb.chunks import Chunk
from kb.encoders import Encoder
from kb.lexical import LEXICAL_WEIGHT, Bm25, article_lexical, tokens
from kb.ranking import ChunkRef, rank_articles
from kb.rerank import article_rows, fused_scores, lead, single_scores

__all__ = ["CascadeCalibration", "CascadeExample", "calibrate_cascade", "cascade_examples", "choose_margin"]


@dataclass(frozen=True)
class CascadeExample:
    """One calibration question: the first encoder's lead, and whether each order puts the right article first."""

    margin: float
    first_right: bool
    full_right: bool


@dataclass(frozen=True)
class CascadeCalibration:
    """The chosen margin (None: always re-rank) and what it does on the calibration questions.

    ``skipped`` questions would not be re-ranked; among them, ``lost`` have the right article first only
    with the reranker and ``won`` only without it.
    """

    margin: float | None
    examples: int
    skipped: int
    lost: int
    won: int


def choose_margin(examples: Sequence[CascadeExample]) -> CascadeCalibration:
    """The smallest margin from which skipping the reranker loses no right answer on ``examples`` (net).

    Candidates are midpoints between consecutive distinct margins; the skipped questions are those at or
    above the margin. When even the widest lead loses more than it wins, the reranker is never skipped.
    """
    ordered = sorted(examples, key=lambda example: -example.margin)
    best = CascadeCalibration(None, len(ordered), 0, 0, 0)
    lost = won = 0
    for position, example in enumerate(ordered):
        lost += int(example.full_right and not example.first_right)
        won += int(example.first_right and not example.full_right)
        following = ordered[position + 1].margin if position + 1 < len(ordered) else None
        if following == example.margin or lost > won:
            continue  # a margin cannot split equal leads; net losses are not acceptable
        margin = example.margin if following is None else (example.margin + following) / 2
        best = CascadeCalibration(float(margin), len(ordered), position + 1, lost, won)
    return best


def cascade_examples(
    chunks: Sequence[Chunk],
    first_scores: npt.NDArray[np.float32],
    second_scores: npt.NDArray[np.float32],
    questions: Sequence[int],
    *,
    threshold: float,
    lexical_weight: float = LEXICAL_WEIGHT,
) -> list[CascadeExample]:
    """Score each sample question ``chunks[questions[row]]`` with its own chunk and translations masked.

    ``first_scores`` and ``second_scores`` hold one row per question and one column per chunk: the
    searched encoder's and the reranker's scores. Questions whose best dense score is below ``threshold``
    are left out.
    """
    refs = [ChunkRef(chunk.article_id, chunk.language) for chunk in chunks]
    article_of = [chunk.article_id for chunk in chunks]
    bm25 = Bm25([tokens(chunk.text) for chunk in chunks])
    rows = article_rows(article_of)
    same_question = question_rows(chunks)
    examples: list[CascadeExample] = []
    for row, index in enumerate(questions):
        asked = chunks[index]
        masked = set(same_question[(asked.article_id, asked.position)])
        ranked = rank_articles(
            ((number, float(score)) for number, score in enumerate(first_scores[row]) if number not in masked), refs
        )
        if not ranked or ranked[0].score < threshold:
            continue
        article_ids = [item.article_id for item in ranked]
        dense = [item.score for item in ranked]
        lexical_hits = {
            number: value for number, value in bm25.scores(tokens(asked.text)).items() if number not in masked
        }
        lexical = article_lexical(lexical_hits, article_of, article_ids)
        second_row = second_scores[row].copy()
        second_row[sorted(masked)] = -np.inf
        second = [float(second_row[rows[article_id]].max()) for article_id in article_ids]
        single = single_scores(dense, lexical, lexical_weight)
        full = fused_scores(dense, second, lexical)
        examples.append(
            CascadeExample(
                margin=lead(single),
                first_right=_winner(article_ids, single) == asked.article_id,
                full_right=_winner(article_ids, full) == asked.article_id,
            )
        )
    return examples


def _winner(article_ids: Sequence[str], scores: Sequence[float]) -> str:
    """The first article of the order the retriever uses: best score, ties by article id."""
    return min(zip(article_ids, scores, strict=True), key=lambda pair: (-pair[1], pair[0]))[0]


def calibrate_cascade(
    encoder: Encoder,
    reranker: Encoder,
    chunks: Sequence[Chunk],
    searched: npt.NDArray[np.float32],
    rerank_embeddings: npt.NDArray[np.float32],
    *,
    threshold: float,
    language_means: Mapping[str, npt.NDArray[np.float32]] | None = None,
) -> CascadeCalibration:
    """Embed the sample questions with both encoders and choose the margin (kb.build calls this)."""
    questions = [index for index, chunk in enumerate(chunks) if chunk.kind == "question"]
    if not questions:
        return choose_margin([])
    texts = [chunks[index].text for index in questions]
    first = encode_in_batches(encoder, texts)
    if language_means:
        first = centre(first, [chunks[index].language for index in questions], language_means)
    second = encode_in_batches(reranker, texts)
    examples = cascade_examples(
        chunks, first @ searched.T, second @ rerank_embeddings.T, questions, threshold=threshold
    )
    return choose_margin(examples)
