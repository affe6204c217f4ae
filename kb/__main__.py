"""Command line for content teams: ``python -m kb build | query | evaluate | validate``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from kb.articles import validate_articles
from kb.build import DEFAULT_SCORING, build_index
from kb.centring import SCORINGS
from kb.errors import KbError
from kb.evaluate import evaluate, read_questions
from kb.retriever import Retriever
from kb.settings import KbSettings, reranker_name


def _parser(settings: KbSettings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kb", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index-dir", type=Path, default=settings.index_dir, help="default: %(default)s")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser(
        "build", parents=[common], help="embed the articles and write the index (only what changed)"
    )
    build.add_argument("--articles-dir", type=Path, default=settings.articles_dir, help="default: %(default)s")
    build.add_argument("--encoder", default=settings.encoder, help="default: %(default)s")
    build.add_argument(
        "--reranker",
        default=settings.reranker_name or "none",
        help="second encoder that re-ranks the candidates, or none (default: %(default)s)",
    )
    build.add_argument("--force", action="store_true", help="re-embed everything")
    build.add_argument("--strict", action="store_true", help="a missing translation is an error")
    build.add_argument(
        "--scoring",
        choices=SCORINGS,
        default=DEFAULT_SCORING,
        help="default: %(default)s",
    )

    query = commands.add_parser("query", parents=[common], help="show the top articles for a question")
    query.add_argument("text")
    query.add_argument("--language", "-l", default="en")
    query.add_argument("-k", type=int, default=5)

    evaluate_cmd = commands.add_parser(
        "evaluate", parents=[common], help="top-1 accuracy and out-of-scope answers on held-out questions"
    )
    evaluate_cmd.add_argument(
        "--questions-dir", type=Path, required=True, help="labelled questions, one <language>.yml each"
    )

    validate = commands.add_parser("validate", parents=[common], help="check the articles without building")
    validate.add_argument("--articles-dir", type=Path, default=settings.articles_dir, help="default: %(default)s")
    validate.add_argument("--strict", action="store_true", help="a missing translation is an error")
    return parser


def _build(args: argparse.Namespace) -> int:
    result = build_index(
        args.articles_dir,
        args.index_dir,
        args.encoder,
        force=args.force,
        strict=args.strict,
        scoring=args.scoring,
        reranker_name=reranker_name(args.reranker),
        # A build has the machine to itself, unlike the serving processes that embed one question per thread.
        threads=os.cpu_count() or 1,
        progress=lambda message: print(message, flush=True),
    )
    print(f"{result.status}: {result.meta.article_count} articles, threshold {result.meta.threshold:.4f}")
    return 0


def _query(args: argparse.Namespace) -> int:
    retriever = Retriever.load(args.index_dir)
    started = time.perf_counter()
    hits = retriever.search(args.text, args.language, k=args.k)
    elapsed = (time.perf_counter() - started) * 1000
    threshold = retriever.threshold_for(args.language)
    verdict = "answer" if hits and hits[0].score >= threshold else "no answer"
    print(f"{verdict} (threshold for {args.language} {threshold:.4f}, {elapsed:.1f} ms)")
    for rank, hit in enumerate(hits, start=1):
        note = f" [article not in {hit.requested_language}]" if hit.translated else ""
        rerank = f" (reranker {hit.rerank_score:.4f})" if hit.rerank_score is not None else ""
        print(f"{rank}. {hit.score:.4f}{rerank}  {hit.article_id} ({hit.language}){note}: {hit.title}")
        print(f"   matched {hit.chunk_kind}/{hit.chunk_language}: {hit.chunk.splitlines()[0][:100]}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    retriever = Retriever.load(args.index_dir)
    questions = read_questions(args.questions_dir)
    if not questions:
        print(f"no questions in {args.questions_dir}", file=sys.stderr)
        return 1
    per_language = ", ".join(f"{code} {value:.4f}" for code, value in retriever.stored.meta.thresholds.items())
    reranker = f", reranker {retriever.reranker.name}" if retriever.reranker is not None else ""
    print(
        f"encoder {retriever.encoder.name}{reranker}, threshold {retriever.threshold:.4f}"
        f" (per language: {per_language or '-'})"
    )
    print("| lang | in-scope | top-1 | answered right | answered wrong | out-of-scope | OOS answered |")
    print("|---|---|---|---|---|---|---|")
    for row in evaluate(retriever, questions):
        top1 = row.top1 / row.in_scope if row.in_scope else 0.0
        right = row.answered_right / row.in_scope if row.in_scope else 0.0
        wrong = row.answered_wrong / row.in_scope if row.in_scope else 0.0
        oos = row.oos_answered / row.out_of_scope if row.out_of_scope else 0.0
        print(
            f"| {row.language} | {row.in_scope} | {top1:.3f} | {right:.3f} | {wrong:.3f} "
            f"| {row.out_of_scope} | {oos:.3f} |"
        )
    return 0


def _validate(args: argparse.Namespace) -> int:
    report = validate_articles(args.articles_dir)
    for problem in report.errors:
        print(f"error: {problem}")
    for problem in report.missing_translations:
        print(f"{'error' if args.strict else 'warning'}: {problem}")
    print(f"{len(report.articles)} valid articles")
    return 1 if report.problems(strict=args.strict) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors are printed as one line, never as a traceback."""
    settings = KbSettings()
    args = _parser(settings).parse_args(argv)
    handlers = {"build": _build, "query": _query, "evaluate": _evaluate, "validate": _validate}
    try:
        return handlers[args.command](args)
    except KbError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
