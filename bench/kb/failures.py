"""Every held-out question ``Retriever.decide`` does not answer right, with the signals of its best candidates.

For failure analysis on the dev set (the set parameters are chosen on): the question, its article, the decision,
then per candidate (best learned probability first) the dense score, the reranker's, the nearest labelled question
under each encoder, the classifier's probability, the lexical score and the learned probability. Run from the
project root on a built index:

    .venv/bin/python bench/kb/failures.py --language ar [--questions-dir bench/kb/questions] [--top 4]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kb.decide import DecisionKind
from kb.evaluate import read_questions
from kb.retriever import Retriever
from kb.signals import measure_signals


def main(argv: Sequence[str] | None = None) -> int:
    """Print the failures of one language."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=Path("models/kb"))
    parser.add_argument("--questions-dir", type=Path, default=Path("bench/kb/questions"))
    parser.add_argument("--language", required=True)
    parser.add_argument("--top", type=int, default=4)
    args = parser.parse_args(argv)
    retriever = Retriever.load(args.index_dir)
    questions = [item for item in read_questions(args.questions_dir) if item.language == args.language]
    failures = 0
    for question in questions:
        result = retriever.decide(question.text, question.language)
        right = result.kind is DecisionKind.ANSWER and result.decision.articles[0] == question.article
        if right or (question.article is None and result.kind is DecisionKind.NONE):
            continue
        failures += 1
        print(f"\n{question.text!r}  expected={question.article}  {result.kind.value}={list(result.decision.articles)}")
        if retriever.supervised is None or retriever.reranker is None or retriever.alone(question.language):
            hits = retriever.search(question.text, question.language, k=args.top)
            for hit in hits:
                print(f"    {hit.article_id:32} dense={hit.score:.3f} chunk={hit.chunk[:60]!r}")
            continue
        first = retriever.encoder.encode_queries([question.text])[0]
        second = retriever.reranker.encode_queries([question.text])[0]
        measured = measure_signals(retriever, retriever.supervised, question.text, question.language, first, second)
        if measured is None:
            continue
        signals = measured[0]
        learned = (
            retriever.supervised.ranker.probabilities(signals)
            if retriever.supervised.ranker is not None
            else np.zeros(len(signals.article_ids))
        )
        print(f"    oos={np.exp(signals.oos_log_proba):.3f}")
        for n in np.argsort(-learned, kind="stable")[: args.top]:
            print(
                f"    {signals.article_ids[n]:32} learned={learned[n]:.3f} dense={signals.dense[n]:.3f} "
                f"second={signals.second[n]:.3f} near1={signals.near_first[n]:.3f} near2={signals.near_second[n]:.3f} "
                f"proba={np.exp(signals.log_proba[n]):.3f} lexical={signals.lexical[n]:.2f}"
                + ("  <- expected" if signals.article_ids[n] == question.article else "")
            )
    print(f"\n{failures} of {len(questions)} not decided right")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
