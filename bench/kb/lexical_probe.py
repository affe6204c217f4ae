"""Does a lexical signal (BM25 over the chunks) improve the dense ranking? Top-1 on the held-out questions.

Fused article score = dense + weight x BM25 (each article's best chunk, BM25 divided by the best
article's BM25 for that question). Words are lower-cased ``\\w+`` tokens; Chinese characters
become single characters and bigrams. Run after ``python -m kb build``:

    .venv/bin/python bench/kb/lexical_probe.py --index-dir models/kb --weights 0 0.05 0.1 0.2
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import markdown_table

from kb.evaluate import read_questions
from kb.lexical import Bm25, tokens
from kb.retriever import Retriever


def main() -> int:
    """Top-1 per language for each lexical weight."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=Path("models/kb"))
    parser.add_argument("--questions-dir", type=Path, default=Path("bench/kb/questions"))
    parser.add_argument("--weights", nargs="+", type=float, default=[0.0, 0.05, 0.1, 0.2])
    args = parser.parse_args()
    retriever = Retriever.load(args.index_dir)
    retriever.lexical_weight = 0.0  # dense ranking; the weights below are applied here
    chunks = retriever.stored.chunks
    bm25 = Bm25([tokens(chunk.text) for chunk in chunks])
    questions = [q for q in read_questions(args.questions_dir) if q.article]
    languages = sorted({q.language for q in questions})
    right = {weight: Counter[str]() for weight in args.weights}
    for question in questions:
        dense: dict[str, float] = {}
        for hit in retriever.search(question.text, question.language, k=len(retriever.stored.articles)):
            dense[hit.article_id] = hit.score
        lexical: dict[str, float] = {}
        for number, score in bm25.scores(tokens(question.text)).items():
            lexical[chunks[number].article_id] = max(lexical.get(chunks[number].article_id, 0.0), score)
        top = max(lexical.values(), default=0.0) or 1.0
        for weight in args.weights:
            fused = {article: dense.get(article, -1.0) + weight * lexical.get(article, 0.0) / top for article in dense}
            best = max(fused, key=lambda article: fused[article])
            right[weight][question.language] += int(best == question.article)
    totals = Counter(q.language for q in questions)
    rows = [
        [weight, *(right[weight][language] / totals[language] for language in languages),
         sum(right[weight].values()) / len(questions)]
        for weight in args.weights
    ]  # fmt: skip
    print(f"encoder {retriever.encoder.name}, {len(questions)} in-scope questions, top-1 accuracy")
    print(markdown_table(["BM25 weight", *languages, "all"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
