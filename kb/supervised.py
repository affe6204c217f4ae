"""Labelled questions per article as a supervised signal: nearest labelled question and a small article classifier.

The articles' titles and sample questions (all six languages), the `faq` training examples of
``nlu_data/<lang>/nlu.yml`` (labelled with their article in ``kb/calibration/faq_labels.yml``) and the content
team's chat-register questions (``kb/calibration/chat_questions/<lang>.yml``: dialects, typos, mixed languages)
are questions whose article is known, as Rasa's retrieval intents use them. Out-of-scope examples (the
calibration set, the ``out_of_scope`` training examples and the chat-register ones) form one more class. At
build time both encoders embed them as queries and a multinomial logistic regression over the two embeddings
side by side is fitted (numpy, a few hundred full-batch steps); at query time the retriever reads, per article,
the best cosine to its labelled questions under each encoder and the classifier's log-probability (kb.decide
fuses them with the rest).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from kb.calibrate import read_out_of_scope
from kb.chunks import Chunk
from kb.decide import Candidate, fuse
from kb.encoders import Encoder
from kb.errors import IndexError_
from kb.learned import FEATURE_NAMES, LearnedRanker, Signals
from kb.store import read_index, read_meta

__all__ = [
    "DEFAULT_CHAT_QUESTIONS",
    "DEFAULT_FAQ_LABELS",
    "DEFAULT_NLU_DIR",
    "SUPERVISED_VERSION",
    "LabelledQuestion",
    "SupervisedModel",
    "build_supervised",
    "chunk_questions",
    "collect_questions",
    "fit_softmax",
    "labelled_questions",
    "read_chat_questions",
    "read_faq_labels",
    "read_nlu_out_of_scope",
    "read_supervised",
]

SUPERVISED_VERSION = 2
DEFAULT_FAQ_LABELS = Path(__file__).resolve().parent / "calibration" / "faq_labels.yml"
DEFAULT_NLU_DIR = Path(__file__).resolve().parents[1] / "nlu_data"
DEFAULT_CHAT_QUESTIONS = Path(__file__).resolve().parent / "calibration" / "chat_questions"
# Inverse regularisation strength as in scikit-learn's LogisticRegression(C=...): strong enough that
# the classifier's probabilities stay soft on a thousand short questions.
_C = 10.0
# Stopped before convergence on purpose: on the first held-out set the converged model answered more out-of-scope
# questions for no more right answers (bench/kb/README.md).
_STEPS = 400
_FILES = ("supervised.npz", "supervised.json")
_RANKER_FILE = "ranker.npz"

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class LabelledQuestion:
    """A question whose article is known (``article_id`` None: out of scope)."""

    text: str
    article_id: str | None
    language: str


def read_faq_labels(path: Path) -> list[LabelledQuestion]:
    """``{language: {article_id: [text, ...]}}`` from ``path`` (nothing when the file is missing)."""
    if not path.exists():
        return []
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise IndexError_(f"{path}: expected a mapping of language to articles", index_dir=path.parent)
    return [
        LabelledQuestion(str(text), str(article_id), str(language))
        for language, articles in raw.items()
        for article_id, texts in (articles or {}).items()
        for text in texts or []
    ]


def read_chat_questions(directory: Path) -> list[LabelledQuestion]:
    """The chat-register questions of every ``<lang>.yml`` in ``directory``: per article, and out of scope.

    Shape: ``{language: xx, articles: {article_id: [text, ...]}, out_of_scope: [text, ...]}``.
    """
    found: list[LabelledQuestion] = []
    for path in sorted(directory.glob("*.yml")) if directory.is_dir() else []:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict) or not isinstance(raw.get("articles"), dict):
            raise IndexError_(f"{path}: expected 'language', 'articles' and 'out_of_scope'", index_dir=directory)
        language = str(raw.get("language") or path.stem)
        found += [
            LabelledQuestion(str(text), str(article_id), language)
            for article_id, texts in raw["articles"].items()
            for text in texts or []
        ]
        found += [LabelledQuestion(str(text), None, language) for text in raw.get("out_of_scope") or []]
    return found


def read_nlu_out_of_scope(nlu_dir: Path) -> list[LabelledQuestion]:
    """The ``out_of_scope`` intent's examples of every ``<lang>/nlu.yml`` under ``nlu_dir``."""
    found: list[LabelledQuestion] = []
    for path in sorted(nlu_dir.glob("*/nlu.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in raw.get("nlu") or []:
            if isinstance(block, dict) and block.get("intent") == "out_of_scope":
                lines = str(block.get("examples") or "").splitlines()
                found += [
                    LabelledQuestion(line.strip()[2:].strip(), None, path.parent.name)
                    for line in lines
                    if line.strip().startswith("- ")
                ]
    return found


def labelled_questions(
    chunks: Sequence[Chunk], faq_labels: Sequence[LabelledQuestion], out_of_scope: Sequence[LabelledQuestion]
) -> list[LabelledQuestion]:
    """Titles and sample questions of the articles, labelled faq examples of known articles, out-of-scope ones."""
    known = {chunk.article_id for chunk in chunks}
    own = [
        LabelledQuestion(chunk.text, chunk.article_id, chunk.language)
        for chunk in chunks
        if chunk.kind in ("title", "question")
    ]
    labelled = [item for item in faq_labels if item.article_id in known]
    seen: set[tuple[str, str | None]] = set()
    unique: list[LabelledQuestion] = []
    for item in [*own, *labelled, *out_of_scope]:
        if (item.text, item.article_id) not in seen:
            seen.add((item.text, item.article_id))
            unique.append(item)
    return unique


def fit_softmax(
    features: npt.NDArray[np.float64], labels: npt.NDArray[np.int_], classes: int, *, c: float = _C, steps: int = _STEPS
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Multinomial logistic regression (weights, bias) by full-batch gradient descent with Nesterov momentum.

    Objective: summed cross-entropy + ||weights||^2 / (2c), as scikit-learn's ``C``; deterministic.
    """
    rows, dim = features.shape
    weights = np.zeros((dim, classes))
    bias = np.zeros(classes)
    onehot = np.zeros((rows, classes))
    onehot[np.arange(rows), labels] = 1.0
    # A safe step for the smooth part: the Hessian of the summed cross-entropy is bounded by ||X||^2 / 2.
    lipschitz = 0.5 * float(np.linalg.norm(features, ord=2)) ** 2 + rows * 0.5 + 1.0 / c
    step = 1.0 / lipschitz
    velocity_w, velocity_b = np.zeros_like(weights), np.zeros_like(bias)
    for _ in range(steps):
        look_w, look_b = weights + 0.9 * velocity_w, bias + 0.9 * velocity_b
        logits = features @ look_w + look_b
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        error = probabilities - onehot
        grad_w = features.T @ error + look_w / c
        grad_b = error.sum(axis=0)
        velocity_w = 0.9 * velocity_w - step * grad_w
        velocity_b = 0.9 * velocity_b - step * grad_b
        weights, bias = weights + velocity_w, bias + velocity_b
    return weights, bias


@dataclass(frozen=True)
class SupervisedModel:
    """Labelled question vectors of both encoders and the article classifier (last class: out of scope)."""

    article_ids: tuple[str, ...]
    first: Matrix  # first encoder's vectors of the labelled in-scope questions
    second: Matrix  # second encoder's vectors of the same questions
    owner: npt.NDArray[np.int_]  # article index of each labelled question
    weights: npt.NDArray[np.float64]
    bias: npt.NDArray[np.float64]
    ranker: LearnedRanker | None = None  # kb.learned, fitted by the build on top of this model

    def measure(
        self,
        first_query: Matrix,
        second_query: Matrix,
        article_ids: Sequence[str],
        dense: Sequence[float],
        second: Sequence[float],
        lexical: Sequence[float],
    ) -> Signals:
        """Every signal of the candidates: the retriever's (dense, reranker, lexical) and this model's."""
        near_first, near_second, log_proba = self.signals(first_query, second_query, article_ids)
        return Signals(
            tuple(article_ids),
            tuple(float(value) for value in dense),
            tuple(float(value) for value in second),
            tuple(near_first),
            tuple(near_second),
            tuple(log_proba),
            tuple(float(value) for value in lexical),
            float(self.log_probabilities(first_query, second_query)[-1]),
        )

    def candidates(
        self,
        first_query: Matrix,
        second_query: Matrix,
        article_ids: Sequence[str],
        dense: Sequence[float],
        second: Sequence[float],
        lexical: Sequence[float],
    ) -> list[Candidate]:
        """kb.decide's candidates: every signal fused, plus the learned ranker's probability when there is one."""
        measured = self.measure(first_query, second_query, article_ids, dense, second, lexical)
        fused = fuse(
            [measured.dense, measured.second, measured.near_first, measured.near_second, measured.log_proba], lexical
        )
        learned: list[float | None] = [None] * len(article_ids)
        if self.ranker is not None:
            learned = [float(value) for value in self.ranker.probabilities(measured)]
        out_of_scope = float(np.exp(measured.oos_log_proba))
        return [
            Candidate(
                article_id, fused[n], measured.dense[n], float(np.exp(measured.log_proba[n])), learned[n], out_of_scope
            )
            for n, article_id in enumerate(article_ids)
        ]

    def signals(
        self, first_query: Matrix, second_query: Matrix, article_ids: Sequence[str]
    ) -> tuple[list[float], list[float], list[float]]:
        """For each of ``article_ids``: best cosine to its labelled questions (each encoder), classifier log-prob."""
        first_best = _per_article_max(self.first @ first_query, self.owner, len(self.article_ids))
        second_best = _per_article_max(self.second @ second_query, self.owner, len(self.article_ids))
        log_proba = self.log_probabilities(first_query, second_query)
        position = {article_id: number for number, article_id in enumerate(self.article_ids)}
        columns: tuple[list[float], list[float], list[float]] = ([], [], [])
        for article_id in article_ids:
            number = position.get(article_id)
            columns[0].append(float(first_best[number]) if number is not None else -1.0)
            columns[1].append(float(second_best[number]) if number is not None else -1.0)
            columns[2].append(float(log_proba[number]) if number is not None else float(log_proba.min()))
        return columns

    def log_probabilities(self, first_query: Matrix, second_query: Matrix) -> npt.NDArray[np.float64]:
        """The classifier's log-probability of every article, then of out of scope (the last class)."""
        logits = np.concatenate([first_query, second_query]).astype(np.float64) @ self.weights + self.bias
        logits -= logits.max()
        return logits - np.log(np.exp(logits).sum())


def _per_article_max(
    scores: npt.NDArray[np.float32], owner: npt.NDArray[np.int_], articles: int
) -> npt.NDArray[np.float64]:
    best = np.full(articles, -1.0)
    np.maximum.at(best, owner, scores.astype(np.float64))
    return best


def _digest(encoder: str, reranker: str, questions: Sequence[LabelledQuestion], index: str) -> str:
    # The index's content hash: the learned ranker reads the index's scores of the labelled questions.
    digest = hashlib.sha256(f"{SUPERVISED_VERSION}\x00{encoder}\x00{reranker}\x00{_C}\x00{_STEPS}\x00{index}".encode())
    for item in questions:
        digest.update(f"{item.text}\x00{item.article_id}\x00{item.language}\x00".encode())
    return digest.hexdigest()


def _embed(encoder: Encoder, texts: Sequence[str]) -> Matrix:
    parts = [encoder.encode_queries(list(texts[start : start + 32])) for start in range(0, len(texts), 32)]
    return np.vstack(parts).astype(np.float32) if parts else np.zeros((0, encoder.dim), dtype=np.float32)


def collect_questions(
    chunks: Sequence[Chunk],
    *,
    faq_labels_path: Path = DEFAULT_FAQ_LABELS,
    out_of_scope_path: Path | None = None,
    nlu_dir: Path = DEFAULT_NLU_DIR,
    chat_questions_dir: Path = DEFAULT_CHAT_QUESTIONS,
) -> list[LabelledQuestion]:
    """Every labelled question the build learns from (kb.supervised's module docstring), chunk ones first."""
    out_of_scope = [
        LabelledQuestion(text, None, language)
        for language, texts in (read_out_of_scope(out_of_scope_path) if out_of_scope_path else {}).items()
        for text in texts
    ]
    chat = read_chat_questions(chat_questions_dir)
    return labelled_questions(
        chunks,
        [*read_faq_labels(faq_labels_path), *(item for item in chat if item.article_id is not None)],
        [*out_of_scope, *read_nlu_out_of_scope(nlu_dir), *(item for item in chat if item.article_id is None)],
    )


def chunk_questions(chunks: Sequence[Chunk]) -> set[tuple[str, str]]:
    """(text, article id) of the titles and sample questions: labelled questions that are also in the index."""
    return {(chunk.text, chunk.article_id) for chunk in chunks if chunk.kind in ("title", "question")}


def build_supervised(
    index_dir: Path,
    chunks: Sequence[Chunk],
    encoders: tuple[str, str],
    load: Callable[[str], Encoder],
    *,
    faq_labels_path: Path = DEFAULT_FAQ_LABELS,
    out_of_scope_path: Path | None = None,
    nlu_dir: Path = DEFAULT_NLU_DIR,
    chat_questions_dir: Path = DEFAULT_CHAT_QUESTIONS,
    progress: Callable[[str], None] = lambda message: None,
) -> bool:
    """Embed the labelled questions, fit the classifier and write it beside the index (False: unchanged).

    ``encoders`` names the index's encoder and reranker; ``load`` is called only when something changed.
    """
    questions = collect_questions(
        chunks,
        faq_labels_path=faq_labels_path,
        out_of_scope_path=out_of_scope_path,
        nlu_dir=nlu_dir,
        chat_questions_dir=chat_questions_dir,
    )
    meta = read_meta(index_dir)
    digest = _digest(*encoders, questions, meta.content_hash if meta is not None else "")
    meta_path = index_dir / _FILES[1]
    if meta_path.exists() and json.loads(meta_path.read_text(encoding="utf-8")).get("digest") == digest:
        progress("labelled questions unchanged")
        return False
    article_ids = tuple(sorted({item.article_id for item in questions if item.article_id is not None}))
    position = {article_id: number for number, article_id in enumerate(article_ids)}
    texts = [item.text for item in questions]
    encoder, reranker = load(encoders[0]), load(encoders[1])
    progress(f"embedding {len(texts)} labelled questions with {encoder.name} and {reranker.name}")
    first, second = _embed(encoder, texts), _embed(reranker, texts)
    labels = np.asarray(
        [position.get(item.article_id, len(article_ids)) if item.article_id else len(article_ids) for item in questions]
    )
    weights, bias = fit_softmax(np.hstack([first, second]).astype(np.float64), labels, len(article_ids) + 1)
    in_scope = labels < len(article_ids)
    with (index_dir / _FILES[0]).open("wb") as handle:
        np.savez(
            handle, first=first[in_scope], second=second[in_scope], owner=labels[in_scope], weights=weights, bias=bias
        )
    own = chunk_questions(chunks)
    held_out = np.asarray([(item.text, item.article_id) not in own for item in questions])
    ranker = _fit_ranker(
        index_dir, (encoder, reranker), questions, labels, article_ids, first, second, held_out, progress
    )
    with (index_dir / _RANKER_FILE).open("wb") as handle:
        np.savez(handle, mean=ranker.mean, scale=ranker.scale, weights=ranker.weights, bias=np.asarray([ranker.bias]))
    counts = {"in_scope": int(in_scope.sum()), "out_of_scope": int((~in_scope).sum())}
    # Written last: an interrupted build leaves no digest, so the next one fits everything again.
    meta_path.write_text(
        json.dumps(
            {"digest": digest, "article_ids": list(article_ids), "encoders": [encoder.name, reranker.name], **counts},
            indent=2,
        ),
        encoding="utf-8",
    )
    progress(
        f"article classifier fitted on {counts['in_scope']} labelled, {counts['out_of_scope']} out-of-scope questions"
    )
    return True


def _fit_ranker(
    index_dir: Path,
    encoders: tuple[Encoder, Encoder],
    questions: Sequence[LabelledQuestion],
    labels: npt.NDArray[np.int_],
    article_ids: Sequence[str],
    first: Matrix,
    second: Matrix,
    held_out: npt.NDArray[np.bool_],
    progress: Callable[[str], None],
) -> LearnedRanker:
    """kb.learned's ranker, fitted by cross-fitting on the held-out-able labelled questions (kb.learned_fit)."""
    # Imported here: the retriever and the fitting module build on this module.
    from kb.learned_fit import cross_fitted_signals, fit_ranker
    from kb.retriever import Retriever

    retriever = Retriever(read_index(index_dir), encoders[0], reranker=encoders[1])
    examples = cross_fitted_signals(
        retriever,
        [item.text for item in questions],
        [item.language for item in questions],
        labels,
        article_ids,
        first,
        second,
        held_out,
        progress=progress,
    )
    ranker = fit_ranker(examples)
    progress(f"learned ranker fitted on {len(examples)} held-out labelled questions")
    return ranker


def read_supervised(index_dir: Path, encoder: str, reranker: str) -> SupervisedModel | None:
    """The stored model, or None when the index has none or it was built with other encoders."""
    meta_path, data_path = index_dir / _FILES[1], index_dir / _FILES[0]
    if not meta_path.exists() or not data_path.exists():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("encoders") != [encoder, reranker]:
        return None
    with np.load(data_path) as data:
        return SupervisedModel(
            article_ids=tuple(meta["article_ids"]),
            first=data["first"].astype(np.float32),
            second=data["second"].astype(np.float32),
            owner=data["owner"].astype(np.int_),
            weights=data["weights"].astype(np.float64),
            bias=data["bias"].astype(np.float64),
            ranker=_read_ranker(index_dir / _RANKER_FILE),
        )


def _read_ranker(path: Path) -> LearnedRanker | None:
    if not path.exists():
        return None
    with np.load(path) as data:
        if data["weights"].shape != (len(FEATURE_NAMES),):
            return None
        return LearnedRanker(
            data["mean"].astype(np.float64),
            data["scale"].astype(np.float64),
            data["weights"].astype(np.float64),
            float(data["bias"][0]),
        )
