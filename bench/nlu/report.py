"""Markdown for one benchmark run, and the replacement of that run's section in the results file."""

from __future__ import annotations

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
class BenchmarkResult:
    """One benchmark (dataset configuration) with the results of every pipeline, in order."""

    key: str
    title: str
    protocol: str
    command: str
    results: list[PipelineResult]
    published: list[str] = field(default_factory=list)


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
        *language_table(result),
        "",
    ]
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
