"""Build the index: embed what changed, keep what did not, calibrate the threshold, write ``models/kb/``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kb.articles import Article, validate_articles
from kb.calibrate import CALIBRATOR_VERSION, DEFAULT_OUT_OF_SCOPE, calibrate, read_out_of_scope
from kb.cascade import CascadeCalibration, calibrate_cascade
from kb.centring import CENTRED, COSINE, SCORINGS, centre, language_means
from kb.chunks import CHUNKER_VERSION, Chunk, chunk_articles
from kb.encoders import Encoder, load_encoder
from kb.errors import ArticleError, IndexError_
from kb.languages import kb_encoder
from kb.store import (
    ANN_MIN_VECTORS,
    FORMAT_VERSION,
    ArticleEntry,
    IndexMeta,
    StoredIndex,
    index_type_name,
    make_faiss_index,
    read_index,
    read_meta,
    write_index,
)
from kb.supervised import DEFAULT_CHAT_QUESTIONS, DEFAULT_FAQ_LABELS, DEFAULT_NLU_DIR, build_supervised

__all__ = ["DEFAULT_SCORING", "BuildResult", "build_index", "content_hash"]

DEFAULT_SCORING = COSINE

Progress = Callable[[str], None]
_URL_RE = re.compile(r"https?://[^\s)>\]]+")
_BATCH = 32


@dataclass(frozen=True)
class BuildResult:
    """What a build did: ``unchanged`` (nothing to do) or ``built``, and how many chunks it embedded
    (``rerank_embedded``: how many the reranker embedded)."""

    status: str
    embedded: int
    reused: int
    meta: IndexMeta
    warnings: tuple[str, ...]
    rerank_embedded: int = 0


def content_hash(
    encoder_name: str,
    articles: Sequence[Article],
    out_of_scope_text: str,
    scoring: str = COSINE,
    reranker: str = "",
    alone: Sequence[str] = (),
) -> str:
    """Hash of everything the index depends on: encoders, scoring, versions, articles, calibration set, and the
    languages searched with the reranker alone."""
    versions = f"{CHUNKER_VERSION}.{CALIBRATOR_VERSION}.{FORMAT_VERSION}"
    prefix = encoder_name if scoring == COSINE else f"{encoder_name}\x00{scoring}"
    if reranker:
        prefix += f"\x00reranker={reranker}"
    if alone:
        prefix += f"\x00alone={','.join(sorted(alone))}"
    digest = hashlib.sha256(f"{prefix}\x00{versions}\x00".encode())
    for article in sorted(articles, key=lambda item: item.id):
        digest.update(f"{article.id}\x00{article.source}\x00".encode())
    digest.update(out_of_scope_text.encode())
    return digest.hexdigest()


def _entries(articles: Sequence[Article]) -> dict[str, ArticleEntry]:
    entries: dict[str, ArticleEntry] = {}
    for article in articles:
        urls = {}
        for language in article.languages:
            found = _URL_RE.search(article.sections[language].body)
            if found:
                urls[language] = found.group(0).rstrip(".,;")
        entries[article.id] = ArticleEntry(
            topic=article.topic,
            titles={language: article.titles[language] for language in article.languages},
            answers={language: article.sections[language].short_answer for language in article.languages},
            urls=urls,
        )
    return entries


def _previous_vectors(
    index_dir: Path, encoder: Encoder, *, reranker: bool = False
) -> dict[str, npt.NDArray[np.float32]]:
    """Embeddings of the previous build keyed by chunk content, when it used the same encoder (as the
    index's encoder, or as its reranker when ``reranker``)."""
    meta = read_meta(index_dir)
    if meta is None or meta.format != FORMAT_VERSION:
        return {}
    name, dim = (meta.reranker, meta.reranker_dim) if reranker else (meta.encoder, meta.dim)
    if name != encoder.name or dim != encoder.dim:
        return {}
    try:
        previous = read_index(index_dir)
    except Exception:
        return {}
    vectors = previous.rerank_embeddings if reranker else previous.embeddings
    if vectors is None:
        return {}
    return {chunk.key: vectors[row] for row, chunk in enumerate(previous.chunks)}


def _embed(
    encoder: Encoder, chunks: Sequence[Chunk], reuse: dict[str, npt.NDArray[np.float32]], progress: Progress
) -> tuple[npt.NDArray[np.float32], int]:
    todo = sorted({chunk.key: chunk.text for chunk in chunks if chunk.key not in reuse}.items())
    fresh: dict[str, npt.NDArray[np.float32]] = {}
    for start in range(0, len(todo), _BATCH):
        batch = todo[start : start + _BATCH]
        vectors = encoder.encode_passages([text for _, text in batch])
        fresh.update({key: vectors[row] for row, (key, _) in enumerate(batch)})
        progress(f"embedded {min(start + _BATCH, len(todo))}/{len(todo)} new chunks")
    rows = [fresh[chunk.key] if chunk.key in fresh else reuse[chunk.key] for chunk in chunks]
    matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, encoder.dim), dtype=np.float32)
    return matrix, len(todo)


def build_index(
    articles_dir: Path,
    index_dir: Path,
    encoder_name: str,
    *,
    encoder: Encoder | None = None,
    force: bool = False,
    strict: bool = False,
    out_of_scope_path: Path = DEFAULT_OUT_OF_SCOPE,
    ann_min_vectors: int = ANN_MIN_VECTORS,
    scoring: str = DEFAULT_SCORING,
    reranker_name: str = "",
    reranker: Encoder | None = None,
    faq_labels_path: Path = DEFAULT_FAQ_LABELS,
    nlu_dir: Path = DEFAULT_NLU_DIR,
    chat_questions_dir: Path = DEFAULT_CHAT_QUESTIONS,
    threads: int = 1,
    progress: Progress = lambda message: None,
) -> BuildResult:
    """Build or refresh the index of ``articles_dir`` in ``index_dir``.

    Nothing is re-embedded when the content hash is unchanged (unless ``force``); otherwise only
    chunks whose text changed are embedded again. Missing translations are warnings unless ``strict``.
    ``scoring`` is ``cosine`` or ``centred`` (language-mean centring, kb.centring); the threshold is
    calibrated for it and it is recorded in the metadata. ``reranker_name`` (empty: none) names a second
    encoder whose chunk vectors are stored too and re-rank the candidates at query time (kb.rerank);
    the threshold stays calibrated on the first encoder's scores. With a reranker, the labelled questions
    (kb.supervised: sample questions, ``faq_labels_path`` over ``nlu_dir``, ``chat_questions_dir``, out-of-scope
    examples) are embedded
    and the article classifier fitted, also when the index itself is unchanged. ``threads``: the encoders' threads
    (kb.encoders.load_encoder) when the build loads them itself.
    """
    if scoring not in SCORINGS:
        raise IndexError_(f"unknown scoring {scoring!r} (known: {', '.join(SCORINGS)})", index_dir=index_dir)
    if not articles_dir.is_dir():
        raise ArticleError("articles directory does not exist", path=articles_dir)
    report = validate_articles(articles_dir)
    problems = report.problems(strict=strict)
    if problems:
        raise problems[0]
    if not report.articles:
        raise ArticleError("no articles found (expected kb/articles/<id>.md files)", path=articles_dir)
    warnings = tuple(str(problem) for problem in report.missing_translations)
    for warning in warnings:
        progress(f"warning: {warning}")
    out_of_scope_text = out_of_scope_path.read_text(encoding="utf-8") if out_of_scope_path.exists() else ""
    languages = sorted({code for article in report.articles for code in article.languages})
    language_encoders = {code: kb_encoder(code) for code in languages}
    alone = [code for code, choice in language_encoders.items() if reranker_name and choice == reranker_name]
    digest = content_hash(encoder_name, report.articles, out_of_scope_text, scoring, reranker_name, alone)
    previous = read_meta(index_dir)
    loaded = {name: value for name, value in ((encoder_name, encoder), (reranker_name, reranker)) if value is not None}

    def load(name: str) -> Encoder:
        if name not in loaded:
            loaded[name] = load_encoder(name, threads=threads)
        return loaded[name]

    def supervised() -> None:
        if reranker_name:
            build_supervised(
                index_dir,
                chunk_articles(report.articles),
                (encoder_name, reranker_name),
                load,
                faq_labels_path=faq_labels_path,
                out_of_scope_path=out_of_scope_path,
                nlu_dir=nlu_dir,
                chat_questions_dir=chat_questions_dir,
                progress=progress,
            )

    if not force and previous is not None and previous.content_hash == digest:
        progress(f"index in {index_dir} is up to date ({previous.chunk_count} chunks)")
        supervised()
        return BuildResult("unchanged", 0, previous.chunk_count, previous, warnings)

    encoder = load(encoder_name)
    chunks = chunk_articles(report.articles)
    progress(f"{len(report.articles)} articles, {len(chunks)} chunks, encoder {encoder.name}")
    reuse = {} if force else _previous_vectors(index_dir, encoder)
    embeddings, embedded = _embed(encoder, chunks, reuse, progress)
    reused = sum(1 for chunk in chunks if chunk.key in reuse)
    rerank_embeddings = None
    rerank_embedded = 0
    if reranker_name:
        reranker = load(reranker_name)
        progress(f"reranker {reranker.name}")
        rerank_reuse = {} if force else _previous_vectors(index_dir, reranker, reranker=True)
        rerank_embeddings, rerank_embedded = _embed(reranker, chunks, rerank_reuse, progress)
    chunk_languages = [chunk.language for chunk in chunks]
    means = language_means(embeddings, chunk_languages) if scoring == CENTRED else {}
    searched = centre(embeddings, chunk_languages, means) if means else embeddings
    index = make_faiss_index(searched, ann_min_vectors=ann_min_vectors)
    calibration = calibrate(
        encoder, chunks, searched, read_out_of_scope(out_of_scope_path), language_means=means or None
    )
    for label, item in [("all", calibration.overall), *calibration.per_language.items()]:
        progress(
            f"threshold {label}: {item.threshold:.4f} ({item.answered_correct} in-scope answered, "
            f"{item.answered_wrong} out-of-scope answered, {item.withheld} withheld of {item.examples})"
        )
    cascade: CascadeCalibration | None = None
    if reranker_name and reranker is not None and rerank_embeddings is not None:
        cascade = calibrate_cascade(
            encoder,
            reranker,
            chunks,
            searched,
            rerank_embeddings,
            threshold=calibration.overall.threshold,
            language_means=means or None,
        )
        progress(
            f"reranker skipped from a lead of {cascade.margin}: {cascade.skipped} of {cascade.examples} "
            f"calibration questions ({cascade.lost} right answers lost, {cascade.won} won back)"
        )
    alone_calibration = None
    if alone and reranker is not None and rerank_embeddings is not None:
        # The reranker's scores have their own scale: the languages it serves alone need a threshold of their own.
        alone_calibration = calibrate(reranker, chunks, rerank_embeddings, read_out_of_scope(out_of_scope_path))
        progress(f"threshold for {', '.join(alone)} ({reranker.name} alone): {alone_calibration.overall.threshold:.4f}")
    meta = IndexMeta(
        encoder=encoder.name,
        dim=encoder.dim,
        content_hash=digest,
        index_type=index_type_name(index),
        chunk_count=len(chunks),
        article_count=len(report.articles),
        threshold=round(calibration.overall.threshold, 6),
        thresholds={language: round(item.threshold, 6) for language, item in calibration.per_language.items()},
        calibration=asdict(calibration),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        scoring=scoring,
        reranker=reranker.name if reranker_name and reranker is not None else "",
        reranker_dim=reranker.dim if reranker_name and reranker is not None else 0,
        rerank_margin=None if cascade is None or cascade.margin is None else round(cascade.margin, 6),
        cascade=asdict(cascade) if cascade is not None else {},
        language_encoders=language_encoders,
        alone_threshold=None if alone_calibration is None else round(alone_calibration.overall.threshold, 6),
        alone_thresholds={}
        if alone_calibration is None
        else {code: round(item.threshold, 6) for code, item in alone_calibration.per_language.items()},
    )
    stored = StoredIndex(meta, chunks, _entries(report.articles), embeddings, index, means, rerank_embeddings)
    write_index(index_dir, stored)
    if force:
        for name in ("supervised.json",):
            (index_dir / name).unlink(missing_ok=True)
    supervised()
    also = f", {rerank_embedded} by the reranker" if reranker_name else ""
    progress(f"wrote {index_dir} ({embedded} texts embedded{also}, {reused} chunks reused)")
    return BuildResult("built", embedded, reused, meta, warnings, rerank_embedded)
