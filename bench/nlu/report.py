"""Markdown for one benchmark run, and the replacement of that run's section in the results file."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.nlu.evaluate import LanguageScores, Latency, ScopeScores


@dataclass(frozen=True)
class PipelineResult:
    """Everything measured for one pipeline on one benchmark."""

    pipeline: str
    epochs: list[int]
    train_examples: int
    train_seconds: float
    languages: list[LanguageScores]
    latency: Latency
    scope: list[ScopeScores] = field(default_factory=list)


@dataclass(frozen=True)
class SeedRuns:
    """One pipeline trained once per seed, results in seed order."""

    pipeline: str
    seeds: list[int]
    results: list[PipelineResult]


@dataclass(frozen=True)
class BenchmarkResult:
    """One benchmark (dataset configuration) with the results of every pipeline, in order. With several seeds,
    `results` are the first seed's and `seed_runs` hold every seed's."""

    key: str
    title: str
    protocol: str
    command: str
    results: list[PipelineResult]
    published: list[str] = field(default_factory=list)
    seed_runs: list[SeedRuns] = field(default_factory=list)


def pct(value: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{100 * value:.1f}"


def language_table(result: BenchmarkResult) -> list[str]:
    """Per-language accuracy / macro-F1 / top-1 accuracy, pipelines side by side."""
    names = [r.pipeline for r in result.results]
    header = ["language", "n"]
    for metric in ("acc", "macro-F1", "top-1 acc (no fallback)"):
        header += [f"{name} {metric}" for name in names]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, first in enumerate(result.results[0].languages):
        row = [first.language, str(first.examples)]
        rows = [r.languages[index] for r in result.results]
        row += [pct(s.accuracy) for s in rows]
        row += [pct(s.macro_f1) for s in rows]
        row += [pct(s.top1_accuracy) for s in rows]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def scope_table(result: BenchmarkResult) -> list[str]:
    """Out-of-scope handling rows of every pipeline, then the published rows."""
    lines = [
        "| pipeline | threshold | how chosen | acc | in-scope acc | OOS recall | MCC | macro-F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result.results:
        for s in r.scope:
            lines.append(
                f"| {r.pipeline} | {s.threshold:.2f} | {s.how_chosen} | {pct(s.accuracy)} | "
                f"{pct(s.in_scope_accuracy)} | {pct(s.out_of_scope_recall)} | {s.mcc:.3f} | {pct(s.macro_f1)} |"
            )
    lines += [f"| {row} |" for row in result.published]
    return lines


def cost_table(result: BenchmarkResult) -> list[str]:
    """Training size, epochs, training time and parse latency per pipeline."""
    lines = [
        "| pipeline | train examples | epochs | train s | parse p50 ms | parse p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for r in result.results:
        epochs = "/".join(str(e) for e in r.epochs) or "-"
        lines.append(
            f"| {r.pipeline} | {r.train_examples} | {epochs} | {r.train_seconds:.0f} | "
            f"{r.latency.p50_ms:.1f} | {r.latency.p95_ms:.1f} |"
        )
    return lines


def spread(values: Sequence[float], scale: float = 100.0, digits: int = 1) -> str:
    """Mean and min-max of per-seed values, e.g. `85.2 (84.4-86.4)`."""
    low, high, mean = (scale * v for v in (min(values), max(values), statistics.fmean(values)))
    return f"{mean:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def configured(result: PipelineResult) -> ScopeScores:
    """The out-of-scope row at the pipeline's own threshold."""
    return next(s for s in result.scope if s.how_chosen == "configured")


def headline(result: PipelineResult, language: str) -> float:
    """The number a seed comparison is decided on: MCC at the configured threshold where the benchmark has
    out-of-scope messages, otherwise the language's accuracy."""
    if result.scope:
        return configured(result).mcc
    return next(s.accuracy for s in result.languages if s.language == language)


def seeds_have_scope(result: BenchmarkResult) -> bool:
    """Whether the seed runs carry out-of-scope rows (then the seed table shows and compares them)."""
    return any(r.scope for run in result.seed_runs for r in run.results)


def seed_row(run: SeedRuns, language: str, with_scope: bool) -> str:
    """One table row: a pipeline's mean (min-max) over its seeds on one language."""
    scores = [next(s for s in r.languages if s.language == language) for r in run.results]
    cells = [language, run.pipeline, str(len(run.seeds))]
    cells += [spread([s.accuracy for s in scores]), spread([s.macro_f1 for s in scores])]
    cells.append(spread([s.top1_accuracy for s in scores]))
    if with_scope:
        rows = [configured(r) for r in run.results]
        cells += [spread([s.in_scope_accuracy for s in rows]), spread([s.out_of_scope_recall for s in rows])]
        cells.append(spread([s.mcc for s in rows], scale=1.0, digits=3))
    return "| " + " | ".join(cells) + " |"


def paired_line(run: SeedRuns, stock: SeedRuns, language: str, with_scope: bool) -> str:
    """How often a pipeline beats stock when both trained with the same seed, and by how much on average."""
    pairs = [(headline(a, language), headline(b, language)) for a, b in zip(run.results, stock.results, strict=True)]
    wins = sum(a > b for a, b in pairs)
    ties = sum(a == b for a, b in pairs)
    difference = statistics.fmean(a - b for a, b in pairs)
    measure = "MCC at the configured threshold" if with_scope else "accuracy"
    shown = f"{difference:+.3f}" if with_scope else f"{100 * difference:+.1f} points"
    return (
        f"- {language}, {run.pipeline} against stock on {measure}, paired by seed: higher in {wins} of "
        f"{len(pairs)} seeds ({ties} tied), mean difference {shown}."
    )


def seed_table(result: BenchmarkResult) -> list[str]:
    """Per language and pipeline: mean (min-max) over seeds; then each pipeline against stock, paired by seed."""
    runs = result.seed_runs
    with_scope = seeds_have_scope(result)
    header = ["language", "pipeline", "seeds", "acc", "macro-F1", "top-1 acc (no fallback)"]
    if with_scope:
        header += ["in-scope acc", "OOS recall", "MCC"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    languages = [s.language for s in runs[0].results[0].languages]
    lines += [seed_row(run, language, with_scope) for language in languages for run in runs]
    stock = next((run for run in runs if run.pipeline == "stock"), None)
    if stock is not None:
        others = [run for run in runs if run is not stock]
        lines += ["", *(paired_line(run, stock, language, with_scope) for run in others for language in languages)]
    return lines


def section(result: BenchmarkResult) -> str:
    """The Markdown section of one benchmark run, between markers so a rerun replaces it."""
    lines = [
        f"<!-- bench:nlu:{result.key} -->",
        f"## {result.title}",
        "",
        f"Protocol: {result.protocol}.",
        "",
        f"Command: `{result.command}`",
        "",
    ]
    if result.seed_runs:
        seeds = ", ".join(str(seed) for seed in result.seed_runs[0].seeds)
        scope_note = ""
        if seeds_have_scope(result):
            scope_note = ", out-of-scope columns at each pipeline's configured threshold"
        lines += [
            f"Every pipeline trained once per seed ({seeds}; DIET's `random_seed`, stock's too). Mean (min-max) over "
            f"the seeds{scope_note}:",
            "",
            *seed_table(result),
            "",
            f"The tables below are the first seed's ({result.seed_runs[0].seeds[0]}).",
            "",
        ]
    lines += [*language_table(result), ""]
    if any(r.scope for r in result.results):
        lines += [*scope_table(result), ""]
    lines += [*cost_table(result), f"<!-- /bench:nlu:{result.key} -->", ""]
    return "\n".join(lines)


def replace_section(document: str, key: str, new_section: str) -> str:
    """`document` with the section marked `key` replaced by `new_section` (appended when absent)."""
    start_marker = f"<!-- bench:nlu:{key} -->"
    end_marker = f"<!-- /bench:nlu:{key} -->"
    start = document.find(start_marker)
    end = document.find(end_marker)
    if start == -1 or end == -1 or end < start:
        separator = "" if not document or document.endswith("\n\n") else ("\n" if document.endswith("\n") else "\n\n")
        return document + separator + new_section
    tail = document[end + len(end_marker) :].lstrip("\n")
    return document[:start] + new_section + ("\n" + tail if tail else "")
