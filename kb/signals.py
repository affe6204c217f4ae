"""Measure every signal of a question's candidate articles, from its two query vectors (kb.learned's input).

One function for the retriever at query time and for fitting the learned ranker at build time, so the model is
fitted on exactly the signals it will read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from kb.centring import centre
from kb.learned import Signals
from kb.ranking import ArticleScore, rank_articles
from kb.rerank import article_maxima
from kb.supervised import SupervisedModel

if TYPE_CHECKING:
    from kb.retriever import Retriever

__all__ = ["FETCH", "measure_signals"]

# Chunks fetched from FAISS before grouping by article (as kb.retriever): enough to see the top articles.
FETCH = 200


def measure_signals(
    retriever: Retriever,
    supervised: SupervisedModel,
    text: str,
    language: str,
    first: npt.NDArray[np.float32],
    second: npt.NDArray[np.float32],
    *,
    exclude: Iterable[str] = (),
) -> tuple[Signals, list[ArticleScore]] | None:
    """The signals of the candidates FAISS finds for ``first`` (raw first-encoder vector), and their dense ranking.

    ``second`` is the reranker's vector of the same question. None when no candidate is found.
    """
    stored = retriever.stored
    query = first.reshape(1, -1)
    searched = centre(query, [language], stored.language_means) if stored.language_means else query
    scores, ids = stored.index.search(searched, min(FETCH, len(stored.chunks)))
    ranked = rank_articles(
        zip(ids[0].tolist(), scores[0].tolist(), strict=True),
        retriever._refs,
        language=language,
        language_bonus=retriever.language_bonus,
        exclude=exclude,
    )
    if not ranked or stored.rerank_embeddings is None:
        return None
    article_ids = [item.article_id for item in ranked]
    lexical = retriever._lexical(text, article_ids) if retriever.lexical_weight else [0.0] * len(article_ids)
    rerank = article_maxima(second, stored.rerank_embeddings, retriever._article_rows, article_ids)
    dense = [item.score for item in ranked]
    signals = supervised.measure(query[0], second, article_ids, dense, rerank, lexical)
    return signals, ranked
