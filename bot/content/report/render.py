"""Markdown and confusion-matrix images of the quality report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.content.report.coverage import Coverage
from bot.content.report.entities import EntityScore, entities_table
from bot.content.report.metrics import LanguageMetrics


def coverage_table(coverage: Coverage, title: str) -> list[str]:
    """A Markdown table of counts, with a warning sign where a cell is empty."""
    lines = [f"| {title} | " + " | ".join(coverage.languages) + " |"]
    lines.append("|---|" + "---:|" * len(coverage.languages))
    for row in coverage.rows:
        cells = [coverage.counts.get((row, language), 0) for language in coverage.languages]
        lines.append(f"| {row} | " + " | ".join(str(c) if c else "⚠ 0" for c in cells) + " |")
    return lines


def metrics_table(metrics: Sequence[LanguageMetrics]) -> list[str]:
    """Accuracy and macro-F1 per language."""
    lines = ["| language | test messages | accuracy | macro-F1 | nlu_fallback |", "|---|---:|---:|---:|---:|"]
    for m in metrics:
        row = f"| {m.language} | {m.total} | {m.accuracy:.3f} | {m.macro_f1:.3f} | {m.fallback_rate:.1%} |"
        lines.append(row)
    return lines


def mistakes_table(metrics: Sequence[LanguageMetrics]) -> list[str]:
    """Every misclassified held-out message, for the content team to fix or add examples."""
    lines = ["| language | message | true intent | predicted |", "|---|---|---|---|"]
    for m in metrics:
        for text, truth, predicted in m.mistakes:
            cell = text.replace("|", "\\|")
            lines.append(f"| {m.language} | {cell} | {truth} | {predicted} |")
    return lines


def confused_table(metrics: Sequence[LanguageMetrics], limit: int) -> list[str]:
    """The most confused (true, predicted) intent pairs per language."""
    lines = ["| language | true intent | predicted | count |", "|---|---|---|---:|"]
    for m in metrics:
        pairs = m.confused_pairs(limit)
        if not pairs:
            lines.append(f"| {m.language} | (no mistakes) | | 0 |")
        for truth, predicted, count in pairs:
            lines.append(f"| {m.language} | {truth} | {predicted} | {count} |")
    return lines


def markdown_report(
    metrics: Sequence[LanguageMetrics],
    intents: Coverage,
    responses: Coverage,
    images: Sequence[Path],
    header: Sequence[str],
    confused_limit: int = 5,
    entities: Sequence[EntityScore] = (),
    entity_errors: Sequence[str] = (),
) -> str:
    """The whole report as Markdown; `entity_errors` are the rows of entities.entity_mistakes."""
    lines = ["# Per-language NLU quality report", "", *header, ""]
    lines += ["## Intent classification on the held-out split", "", *metrics_table(metrics), ""]
    lines += ["## Entities on the held-out split", "", *entities_table(entities), ""]
    lines += ["## Most confused intent pairs", "", *confused_table(metrics, confused_limit), ""]
    lines += ["## Examples per intent per language", "", *coverage_table(intents, "intent"), ""]
    lines += ["## Responses per language (variations)", ""]
    lines += [*coverage_table(responses, "response"), ""]
    missing = intents.missing() + responses.missing()
    lines += [f"Missing cells: {len(missing)}", ""]
    lines += ["## Misclassified held-out messages", "", *mistakes_table(metrics), ""]
    if entity_errors:
        lines += ["## Held-out messages with wrong or missing entities", "", *entity_errors, ""]
    lines += ["## Confusion matrices", ""]
    lines += [f"![{image.stem}]({image.name})" for image in images]
    return "\n".join(lines) + "\n"


def confusion_png(metrics: LanguageMetrics, out: Path) -> Path:
    """Draws one language's confusion matrix (rows: true intents, columns: predictions)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(metrics.labels)
    grid = [[metrics.confusion.get((t, p), 0) for p in labels] for t in labels]
    size = max(4.0, 0.45 * len(labels) + 2)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(grid, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels=labels, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(range(len(labels)), labels=labels, fontsize=8)
    axes.set_xlabel("predicted intent")
    axes.set_ylabel("true intent")
    axes.set_title(f"{metrics.language}: accuracy {metrics.accuracy:.2f}, macro-F1 {metrics.macro_f1:.2f}")
    peak = max((max(row) for row in grid), default=0)
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if value:
                colour = "white" if value > peak / 2 else "black"
                axes.text(j, i, str(value), ha="center", va="center", fontsize=7, color=colour)
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out
