"""The learned ranker (kb.learned) against the unweighted fusion (kb.decide), on both held-out sets.

Uses the index's ranker (``ranker.npz``, fitted by the build), or with ``--refit`` fits one by cross-fitting on
the labelled questions as the build does (kb.learned_fit; ``--examples`` caches the cross-fitted signals). Measures
every held-out question's candidate signals once, then prints the top-1 share per language of both orders, a grid of
the learned decision's parameters on ONE set (the dev set) and both systems' rows on both sets (the chosen
parameters for the learned one; the dialect set is only reported):

    .venv/bin/python bench/kb/ranker_probe.py [--index-dir models/kb] [--cache-dir models/bench-cache] [--refit]
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.kb.common import embed_cached
from kb.build import DEFAULT_OUT_OF_SCOPE
from kb.decide import Candidate, DecisionKind, DecisionParams, LearnedParams, decide, decide_learned
from kb.evaluate import read_questions
from kb.learned import FEATURE_NAMES, LearnedRanker, Signals, candidate_features
from kb.learned_fit import cross_fitted_signals, fit_ranker
from kb.retriever import Retriever
from kb.signals import measure_signals
from kb.supervised import chunk_questions, collect_questions

GRID = {
    "answer_probability": (0.6, 0.7, 0.8),
    "safe_answer_probability": (0.2, 0.3, 0.4, 0.5),
    "safe_out_of_scope": (0.05, 0.1, 0.2, 0.3),
    "answer_ratio": (0.3, 0.5, 0.7, 1.0),
    "clarify_probability": (0.1, 0.2),
    "choice_probability": (0.02, 0.05),
}


@dataclass(frozen=True)
class Measured:
    """A held-out question's language, article and candidate signals."""

    language: str
    article: str | None
    signals: Signals | None


def measure_set(retriever: Retriever, directory: Path, cache_dir: Path | None) -> list[Measured]:
    """Signals of every question of a held-out set under the index's own supervised model."""
    questions = read_questions(directory)
    texts = [item.text for item in questions]
    assert retriever.reranker is not None and retriever.supervised is not None
    first = embed_cached(retriever.encoder, texts, kind="query", cache_dir=cache_dir)
    second = embed_cached(retriever.reranker, texts, kind="query", cache_dir=cache_dir)
    found = []
    for n, item in enumerate(questions):
        measured = measure_signals(retriever, retriever.supervised, item.text, item.language, first[n], second[n])
        found.append(Measured(item.language, item.article, measured[0] if measured else None))
    return found


def fused_order(signals: Signals) -> list[str]:
    """The unweighted fusion's order (kb.decide.fuse)."""
    fused = candidate_features(signals)[:, FEATURE_NAMES.index("fused")]
    return [signals.article_ids[n] for n in np.argsort(-fused, kind="stable")]


def learned_order(ranker: LearnedRanker, signals: Signals) -> tuple[list[str], list[float]]:
    """The learned order and probabilities."""
    probabilities = ranker.probabilities(signals)
    order = np.argsort(-probabilities, kind="stable")
    return [signals.article_ids[n] for n in order], [float(probabilities[n]) for n in order]


def baseline_candidates(signals: Signals) -> list[Candidate]:
    """The unweighted fusion's candidates (what Retriever.candidates gives without a learned ranker)."""
    fused = candidate_features(signals)[:, FEATURE_NAMES.index("fused")]
    return [
        Candidate(article_id, float(fused[n]), signals.dense[n], float(np.exp(signals.log_proba[n])))
        for n, article_id in enumerate(signals.article_ids)
    ]


def rows(
    ranker: LearnedRanker,
    params: LearnedParams | DecisionParams,
    questions: Sequence[Measured],
    threshold: float = 0.0,
) -> dict[str, dict[str, int]]:
    """Counts per language: in-scope, right, wrong, no answer, clarified, clarified hit, OOS, OOS answered."""
    table: dict[str, dict[str, int]] = {}
    for item in questions:
        row = table.setdefault(
            item.language,
            dict.fromkeys(("n", "right", "wrong", "none", "clar", "hit", "oos", "oos_ans", "oos_clar"), 0),
        )
        if item.signals is None:
            decision_kind, articles = DecisionKind.NONE, ()
        elif isinstance(params, DecisionParams):
            decision = decide(baseline_candidates(item.signals), threshold, params)
            decision_kind, articles = decision.kind, decision.articles
        else:
            probabilities = ranker.probabilities(item.signals)
            out_of_scope = float(np.exp(item.signals.oos_log_proba))
            decision = decide_learned(item.signals.article_ids, [float(p) for p in probabilities], params, out_of_scope)
            decision_kind, articles = decision.kind, decision.articles
        if item.article is None:
            row["oos"] += 1
            row["oos_ans"] += int(decision_kind is DecisionKind.ANSWER)
            row["oos_clar"] += int(decision_kind is DecisionKind.CLARIFY)
            continue
        row["n"] += 1
        if decision_kind is DecisionKind.ANSWER:
            row["right" if articles[0] == item.article else "wrong"] += 1
        elif decision_kind is DecisionKind.CLARIFY:
            row["clar"] += 1
            row["hit"] += int(item.article in articles)
        else:
            row["none"] += 1
    return table


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def print_rows(name: str, table: dict[str, dict[str, int]], system: str = "learned") -> None:
    """Markdown rows as bench/kb/decisions.py prints them (without timings)."""
    total = dict.fromkeys(next(iter(table.values())), 0)
    for language, row in [*sorted(table.items()), ("**all**", None)]:
        if row is None:
            row = total
        else:
            for key in total:
                total[key] += row[key]
        print(
            f"| {system} | {name} | {language} | {row['n']} | {_share(row['right'], row['n'])} "
            f"| {_share(row['wrong'], row['n'])} | {_share(row['none'], row['n'])} | {_share(row['clar'], row['n'])} "
            f"| {_share(row['hit'], row['clar'])} | {row['oos']} | {_share(row['oos_ans'], row['oos'])} "
            f"| {_share(row['oos_clar'], row['oos'])} |"
        )


def top1(questions: Sequence[Measured], order: str, ranker: LearnedRanker) -> dict[str, float]:
    """Share of in-scope questions whose first candidate is right, per language."""
    hits: dict[str, list[int]] = {}
    for item in questions:
        if item.article is None:
            continue
        if item.signals is None:
            hits.setdefault(item.language, []).append(0)
            continue
        ranked = fused_order(item.signals) if order == "fused" else learned_order(ranker, item.signals)[0]
        hits.setdefault(item.language, []).append(int(ranked[0] == item.article))
    return {language: float(np.mean(values)) for language, values in sorted(hits.items())}


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=Path("models/kb"))
    parser.add_argument("--cache-dir", type=Path, default=Path("models/bench-cache"))
    parser.add_argument("--dev", type=Path, default=Path("bench/kb/questions"))
    parser.add_argument("--report", type=Path, default=Path("bench/kb/questions/dialect"))
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--refit", action="store_true", help="fit the ranker again even if the index has one")
    parser.add_argument("--languages", nargs="+", default=["ar", "en", "es", "fr", "pt", "zh"])
    parser.add_argument("--examples", type=Path, help="pickle of the cross-fitted signals: reused when it exists")
    args = parser.parse_args(argv)
    retriever = Retriever.load(args.index_dir)
    assert retriever.reranker is not None and retriever.supervised is not None
    if retriever.supervised.ranker is not None and not args.refit:
        ranker = retriever.supervised.ranker
    elif args.examples is not None and args.examples.exists():
        examples = pickle.loads(args.examples.read_bytes())
    else:
        questions = collect_questions(retriever.stored.chunks, out_of_scope_path=DEFAULT_OUT_OF_SCOPE)
        texts = [item.text for item in questions]
        first = embed_cached(retriever.encoder, texts, kind="query", cache_dir=args.cache_dir)
        second = embed_cached(retriever.reranker, texts, kind="query", cache_dir=args.cache_dir)
        article_ids = retriever.supervised.article_ids
        position = {article_id: n for n, article_id in enumerate(article_ids)}
        labels = np.asarray([position.get(item.article_id or "", len(article_ids)) for item in questions])
        own = chunk_questions(retriever.stored.chunks)
        held_out = np.asarray([(item.text, item.article_id) not in own for item in questions])
        examples = cross_fitted_signals(
            retriever,
            texts,
            [item.language for item in questions],
            labels,
            article_ids,
            first,
            second,
            held_out,
            progress=print,
        )
        if args.examples is not None:
            args.examples.write_bytes(pickle.dumps(examples))
    if retriever.supervised.ranker is None or args.refit:
        ranker = fit_ranker(examples, c=args.c)
    print("ranker weights:")
    for name, weight in zip(FEATURE_NAMES, ranker.weights, strict=True):
        print(f"  {name:16s} {weight:+.3f}")
    keep = set(args.languages)
    dev = [item for item in measure_set(retriever, args.dev, args.cache_dir) if item.language in keep]
    report = [item for item in measure_set(retriever, args.report, args.cache_dir) if item.language in keep]
    for name, items in (("dev", dev), ("dialect", report)):
        for order in ("fused", "learned"):
            shares = top1(items, order, ranker)
            print(
                name,
                order,
                "top-1",
                " ".join(f"{k} {v:.3f}" for k, v in shares.items()),
                f"mean {np.mean(list(shares.values())):.3f}",
            )
    scored = []
    for values in itertools.product(*GRID.values()):
        params = LearnedParams(**dict(zip(GRID, values, strict=True)))
        table = rows(ranker, params, dev)
        n = sum(row["n"] for row in table.values())
        wrong = sum(row["wrong"] for row in table.values()) / n
        oos = sum(row["oos_ans"] for row in table.values()) / sum(row["oos"] for row in table.values())
        right = [row["right"] / row["n"] for row in table.values()]
        worst = max(row["wrong"] / row["n"] for row in table.values())
        feasible = worst <= 0.05 and oos <= 0.05
        scored.append(
            ((not feasible, -min(right), -float(np.mean(right))), params, wrong, oos, min(right), float(np.mean(right)))
        )
    scored.sort(key=lambda item: item[0])
    for _, params, wrong, oos, low, mean in scored[:10]:
        print(params, f"wrong {wrong:.3f} oos {oos:.3f} min {low:.3f} mean {mean:.3f}")
    chosen = scored[0][1]
    print("chosen on dev:", chosen)
    for name, items in (("dev", dev), ("dialect", report)):
        print_rows(name, rows(ranker, DecisionParams(), items, retriever.threshold), "decide")
    for name, items in (("dev", dev), ("dialect", report)):
        print_rows(name, rows(ranker, chosen, items))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
