"""Choose kb.decide's parameters on ONE held-out set: every combination of a small grid, scored per language.

The candidates' signals are measured once per question (``Retriever.candidates``), then every parameter set is
applied to them, so the grid costs one pass of embeddings. Rows are ordered by: wrong answers (in every language)
and out-of-scope answers within the limits first, then the lowest language's right-answer share, then the overall
one. Run it on the first set only; report the chosen parameters on the second with bench/kb/decisions.py:

    .venv/bin/python bench/kb/decision_grid.py [--index-dir models/kb] [--set bench/kb/questions] [--top 15]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kb.decide import Candidate, DecisionKind, DecisionParams, LearnedParams, decide
from kb.evaluate import read_questions
from kb.retriever import Retriever

GRID = {
    "answer_gap": (0.5, 0.75, 1.0, 1.25, 1.5),
    "clarify_gap": (1.0, 1.5, 2.0),
    "rescue_probability": (0.25, 0.35, 0.45, 0.55),
    "clarify_probability": (0.1, 0.15, 0.2, 0.3),
}
# With a learned ranker (kb.learned) in the index, its decision's parameters (kb.decide.LearnedParams).
LEARNED_GRID = {
    "answer_probability": (0.6, 0.7, 0.8),
    "safe_answer_probability": (0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    "safe_out_of_scope": (0.05, 0.1, 0.15, 0.2, 0.25, 0.3),
    "answer_ratio": (0.3, 0.5, 0.7, 1.0),
    "clarify_probability": (0.1, 0.2),
    "choice_probability": (0.02, 0.05),
}
WRONG_LIMIT = 0.05
OOS_LIMIT = 0.05


@dataclass(frozen=True)
class Measured:
    """One question's language, label, candidates and threshold."""

    language: str
    article: str | None
    candidates: tuple[Candidate, ...]
    threshold: float


@dataclass(frozen=True)
class Outcome:
    """Shares for one parameter set."""

    params: DecisionParams
    right: dict[str, float]
    wrong: float
    wrong_by_language: dict[str, float]
    oos_answered: float
    clarified: float

    @property
    def feasible(self) -> bool:
        """Within the wrong-answer limit in every language and the out-of-scope limit overall."""
        return max(self.wrong_by_language.values(), default=0.0) <= WRONG_LIMIT and self.oos_answered <= OOS_LIMIT

    @property
    def overall(self) -> float:
        """Mean right share over the languages."""
        return sum(self.right.values()) / len(self.right)


def measure(retriever: Retriever, directory: Path) -> list[Measured]:
    """Every question's candidates, once."""
    found: list[Measured] = []
    for question in read_questions(directory):
        measured = retriever.candidates(question.text, question.language)
        candidates = tuple(measured[0]) if measured else ()
        found.append(
            Measured(question.language, question.article, candidates, retriever.threshold_for(question.language))
        )
    return found


def evaluate(params: DecisionParams, questions: Sequence[Measured]) -> Outcome:
    """Right share per language, wrong and clarified shares overall, out-of-scope answered share."""
    right: dict[str, list[int]] = {}
    wrong_by_language: dict[str, list[int]] = {}
    wrong = clarified = in_scope = oos = oos_answered = 0
    for item in questions:
        decision = decide(list(item.candidates), item.threshold, params) if item.candidates else None
        answered = decision is not None and decision.kind is DecisionKind.ANSWER
        if item.article is None:
            oos += 1
            oos_answered += int(answered)
            continue
        in_scope += 1
        hit = answered and decision is not None and decision.articles[0] == item.article
        right.setdefault(item.language, []).append(int(hit))
        wrong += int(answered and not hit)
        wrong_by_language.setdefault(item.language, []).append(int(answered and not hit))
        clarified += int(decision is not None and decision.kind is DecisionKind.CLARIFY)
    return Outcome(
        params,
        {language: sum(values) / len(values) for language, values in sorted(right.items())},
        wrong / max(in_scope, 1),
        {language: sum(values) / len(values) for language, values in sorted(wrong_by_language.items())},
        oos_answered / max(oos, 1),
        clarified / max(in_scope, 1),
    )


def params_of(values: dict[str, float], *, learned: bool) -> DecisionParams:
    """Decision parameters with ``values`` set (in the learned decision's parameters when ``learned``)."""
    return DecisionParams(learned=LearnedParams(**values)) if learned else DecisionParams(**values)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the best parameter sets on the chosen set."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=Path("models/kb"))
    parser.add_argument("--set", type=Path, default=Path("bench/kb/questions"))
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--languages", nargs="+", help="only these languages (default: every file of the set)")
    args = parser.parse_args(argv)
    questions = measure(Retriever.load(args.index_dir), args.set)
    if args.languages:
        questions = [item for item in questions if item.language in args.languages]
    learned = any(candidate.learned is not None for item in questions for candidate in item.candidates)
    grid = LEARNED_GRID if learned else GRID
    outcomes = [
        evaluate(params_of(dict(zip(grid, values, strict=True)), learned=learned), questions)
        for values in itertools.product(*grid.values())
    ]
    outcomes.sort(key=lambda item: (not item.feasible, -min(item.right.values()), -item.overall))
    languages = list(outcomes[0].right)
    names = " | ".join(name.replace("_", " ") for name in grid)
    print(f"| {names} | " + " | ".join(languages) + " | mean | wrong | OOS ans. | clarified |")
    print("|---" * (8 + len(languages)) + "|")
    for item in [DecisionParams(), *(outcome.params for outcome in outcomes[: args.top])]:
        outcome = evaluate(item, questions)
        shares = " | ".join(f"{outcome.right[language]:.3f}" for language in languages)
        chosen = item.learned if learned and item.learned is not None else item
        values = " | ".join(str(getattr(chosen, name)) for name in grid)
        print(
            f"| {values} "
            f"| {shares} | {outcome.overall:.3f} | {outcome.wrong:.3f} | {outcome.oos_answered:.3f} "
            f"| {outcome.clarified:.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
