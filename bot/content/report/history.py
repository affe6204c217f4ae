"""Per-language accuracy over time: one JSON line per `report` run, and a chart of every run kept.

The history file (``reports/history.jsonl`` with `make report`) is a local artefact: each line holds when the run
finished, its split and, per language, the held-out messages, accuracy and macro-F1. The chart is an SVG with one
line per language, one point per run, in run order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.content.errors import ReportError
from bot.content.report.metrics import LanguageMetrics

# Six languages stay tellable apart in these colours (and in grey print, by their markers).
_COLOURS = ("#2456d6", "#f5a524", "#17733a", "#b42318", "#7a3fd1", "#0f8a9d", "#8a5a00", "#5b6475")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


@dataclass(frozen=True)
class Run:
    """One recorded report run."""

    at: str
    accuracy: dict[str, float]
    details: dict[str, Any]


def run_record(metrics: Sequence[LanguageMetrics], at: datetime, details: dict[str, Any]) -> dict[str, Any]:
    """The JSON object of one run."""
    return {
        "at": at.isoformat(timespec="seconds"),
        **details,
        "languages": {
            m.language: {"test_messages": m.total, "accuracy": round(m.accuracy, 4), "macro_f1": round(m.macro_f1, 4)}
            for m in metrics
        },
    }


def append_run(history: Path, record: dict[str, Any]) -> None:
    """Adds one line to the history file (created with its folder on the first run)."""
    history.parent.mkdir(parents=True, exist_ok=True)
    with history.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


def read_runs(history: Path) -> list[Run]:
    """Every run of the history file, in order; a line that is not a run is an error naming the line."""
    runs = []
    for number, line in enumerate(history.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            accuracy = {str(lang): float(v["accuracy"]) for lang, v in record["languages"].items()}
            details = {k: v for k, v in record.items() if k not in ("at", "languages")}
            runs.append(Run(str(record["at"]), accuracy, details))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ReportError(f"{history}:{number}: not a report run ({type(error).__name__}: {error})") from error
    return runs


def render_chart(runs: Sequence[Run], out: Path) -> Path:
    """An SVG of accuracy per language (y, 0-1) per run (x, labelled with the run's date)."""
    if not runs:
        raise ReportError("no report runs to chart")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    languages = sorted({language for run in runs for language in run.accuracy})
    figure, axes = plt.subplots(figsize=(max(6.0, 0.5 * len(runs) + 3), 4.0))
    positions = list(range(1, len(runs) + 1))
    for index, language in enumerate(languages):
        values = [run.accuracy.get(language, float("nan")) for run in runs]
        axes.plot(
            positions,
            values,
            label=language,
            color=_COLOURS[index % len(_COLOURS)],
            marker=_MARKERS[index % len(_MARKERS)],
            linewidth=1.5,
        )
    axes.set_xticks(positions, labels=[run.at[:16].replace("T", "\n") for run in runs], fontsize=7)
    axes.set_xlim(0.5, len(runs) + 0.5)
    axes.set_ylim(0.0, 1.0)
    axes.set_ylabel("intent accuracy (held-out)")
    axes.set_title("NLU accuracy per language, one point per `make report` run")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left", ncol=len(languages), fontsize=8)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format="svg", metadata={"Date": None})
    plt.close(figure)
    return out


def record_and_chart(history: Path, metrics: Sequence[LanguageMetrics], at: datetime, details: dict[str, Any]) -> Path:
    """Appends this run to ``history`` and redraws the chart beside it (``<history stem>.svg``); returns the chart."""
    append_run(history, run_record(metrics, at, details))
    return render_chart(read_runs(history), history.with_suffix(".svg"))
