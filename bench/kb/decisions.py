"""What the FAQ action does with each held-out question, per language and question set: right / wrong / no answer /
clarification asked, the clarification's hit rate (the right article among the buttons) and ms per question.

``threshold`` is the decision before labelled questions and clarification (the best article if its dense score
reaches the calibrated threshold, else no answer: ``Retriever.top``); ``decide`` is ``Retriever.decide``
(kb.decide). Run from the project root on a built index (``make kb``):

    .venv/bin/python bench/kb/decisions.py [--index-dir models/kb] [--sets dev=bench/kb/questions ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kb.decide import DecisionKind
from kb.evaluate import Question, read_questions
from kb.retriever import Retriever

DEFAULT_SETS = ("dev=bench/kb/questions", "dialect=bench/kb/questions/dialect")


@dataclass
class Row:
    """Counts for one (system, set, language)."""

    in_scope: int = 0
    right: int = 0
    wrong: int = 0
    no_answer: int = 0
    clarified: int = 0
    clarified_hit: int = 0
    out_of_scope: int = 0
    oos_answered: int = 0
    oos_clarified: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, other: Row) -> None:
        """Accumulate another row (for the totals)."""
        for name in ("in_scope", "right", "wrong", "no_answer", "clarified", "clarified_hit", "out_of_scope"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.oos_answered += other.oos_answered
        self.oos_clarified += other.oos_clarified
        self.seconds += other.seconds


Decider = Callable[[str, str], tuple[DecisionKind, tuple[str, ...]]]


def threshold_decider(retriever: Retriever) -> Decider:
    """The decision before this change: the best article at or above the threshold, else none."""

    def run(text: str, language: str) -> tuple[DecisionKind, tuple[str, ...]]:
        hit = retriever.top(text, language)
        if hit is not None and hit.score >= retriever.threshold_for(language):
            return DecisionKind.ANSWER, (hit.article_id,)
        return DecisionKind.NONE, ()

    return run


def decide_decider(retriever: Retriever) -> Decider:
    """``Retriever.decide``: answer, clarify or none."""

    def run(text: str, language: str) -> tuple[DecisionKind, tuple[str, ...]]:
        result = retriever.decide(text, language)
        return result.kind, result.decision.articles

    return run


def score(decider: Decider, questions: Sequence[Question]) -> dict[str, Row]:
    """One row per language, in the order languages first appear."""
    rows: dict[str, Row] = {}
    for question in questions:
        row = rows.setdefault(question.language, Row())
        started = time.perf_counter()
        kind, articles = decider(question.text, question.language)
        row.seconds.append(time.perf_counter() - started)
        if question.article is None:
            row.out_of_scope += 1
            row.oos_answered += int(kind is DecisionKind.ANSWER)
            row.oos_clarified += int(kind is DecisionKind.CLARIFY)
            continue
        row.in_scope += 1
        if kind is DecisionKind.ANSWER:
            row.right += int(articles[0] == question.article)
            row.wrong += int(articles[0] != question.article)
        elif kind is DecisionKind.CLARIFY:
            row.clarified += 1
            row.clarified_hit += int(question.article in articles)
        else:
            row.no_answer += 1
    return rows


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def table(results: dict[tuple[str, str], dict[str, Row]]) -> str:
    """Markdown: one line per system, set and language, plus a total per system and set."""
    lines = [
        "| system | set | lang | in-scope | right | wrong | no answer | clarified | clar. hit rate | OOS "
        "| OOS answered | OOS clarified | ms/q p50 | ms/q mean |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (system, set_name), rows in results.items():
        total = Row()
        for language, row in [*sorted(rows.items()), ("**all**", None)]:
            if row is None:
                row = total
            else:
                total.add(row)
            lines.append(
                f"| {system} | {set_name} | {language} | {row.in_scope} | {_share(row.right, row.in_scope)} "
                f"| {_share(row.wrong, row.in_scope)} | {_share(row.no_answer, row.in_scope)} "
                f"| {_share(row.clarified, row.in_scope)} | {_share(row.clarified_hit, row.clarified)} "
                f"| {row.out_of_scope} | {_share(row.oos_answered, row.out_of_scope)} "
                f"| {_share(row.oos_clarified, row.out_of_scope)} | {np.percentile(row.seconds, 50) * 1000:.1f} "
                f"| {np.mean(row.seconds) * 1000:.1f} |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table for every system and question set."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=Path("models/kb"))
    parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS), help="name=directory of <lang>.yml files")
    parser.add_argument("--systems", nargs="+", default=["threshold", "decide"], choices=["threshold", "decide"])
    args = parser.parse_args(argv)
    retriever = Retriever.load(args.index_dir)
    retriever.search("warm up", "en")  # load lazily built state before timing
    deciders = {"threshold": threshold_decider(retriever), "decide": decide_decider(retriever)}
    results: dict[tuple[str, str], dict[str, Row]] = {}
    for system in args.systems:
        for spec in args.sets:
            name, _, directory = spec.partition("=")
            results[(system, name)] = score(deciders[system], read_questions(Path(directory)))
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
