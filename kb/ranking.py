"""Pure ranking helpers: from chunk scores to one score per article."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["ArticleScore", "ChunkRef", "rank_articles"]


@dataclass(frozen=True)
class ChunkRef:
    """What ranking needs to know about a chunk."""

    article_id: str
    language: str


@dataclass(frozen=True)
class ArticleScore:
    """An article's score: its best chunk's score (plus the language bonus if that chunk is in the asked language)."""

    article_id: str
    score: float
    chunk_index: int


def rank_articles(
    candidates: Iterable[tuple[int, float]],
    chunks: Sequence[ChunkRef],
    *,
    language: str | None = None,
    language_bonus: float = 0.0,
    exclude: Iterable[str] = (),
) -> list[ArticleScore]:
    """Keep each article's best chunk and sort by score, best first (ties by article id, for stable output).

    ``candidates`` are (chunk index, cosine score) pairs; negative indices (FAISS padding) are skipped.
    """
    excluded = set(exclude)
    best: dict[str, ArticleScore] = {}
    for index, raw in candidates:
        if index < 0:
            continue
        chunk = chunks[index]
        if chunk.article_id in excluded:
            continue
        score = float(raw) + (language_bonus if language is not None and chunk.language == language else 0.0)
        current = best.get(chunk.article_id)
        if current is None or score > current.score:
            best[chunk.article_id] = ArticleScore(chunk.article_id, score, index)
    return sorted(best.values(), key=lambda item: (-item.score, item.article_id))
