"""Per-language accuracy over time: each `report --history FILE` run appends one line, and the chart beside the file
shows every run kept, one line per language."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.content.__main__ import main
from bot.content.errors import ReportError
from bot.content.report.history import append_run, read_runs, record_and_chart, render_chart, run_record
from bot.content.report.metrics import LanguageMetrics
from bot.content.settings import ContentSettings

from .test_report_training import TINY_CONFIG


def metrics(language: str, accuracy: float, total: int = 10) -> LanguageMetrics:
    """Scores of one language (the confusion matrix does not matter here)."""
    return LanguageMetrics(language, total, accuracy, accuracy - 0.05, {}, ())


def at(day: int) -> datetime:
    """Noon UTC on a December day."""
    return datetime(2026, 12, day, 12, 0, tzinfo=timezone.utc)


def test_each_run_appends_one_line_and_the_chart_has_a_line_per_language(tmp_path: Path) -> None:
    """Three runs, the third without Arabic: three lines in order, an SVG whose legend names each language once and
    whose lines have one point per run (a missing language is a gap, not a zero)."""
    history = tmp_path / "reports" / "history.jsonl"
    runs = [
        [metrics("en", 0.9), metrics("es", 0.8), metrics("ar", 0.7)],
        [metrics("en", 0.92), metrics("es", 0.85), metrics("ar", 0.75)],
        [metrics("en", 0.95), metrics("es", 0.83)],
    ]
    for day, scores in enumerate(runs, start=1):
        chart = record_and_chart(history, scores, at(day), {"seed": 42})
    lines = history.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0]) == {
        "at": "2026-12-01T12:00:00+00:00",
        "seed": 42,
        "languages": {
            "en": {"test_messages": 10, "accuracy": 0.9, "macro_f1": 0.85},
            "es": {"test_messages": 10, "accuracy": 0.8, "macro_f1": 0.75},
            "ar": {"test_messages": 10, "accuracy": 0.7, "macro_f1": 0.65},
        },
    }
    recorded = read_runs(history)
    assert [(r.at, r.accuracy) for r in recorded] == [
        ("2026-12-01T12:00:00+00:00", {"en": 0.9, "es": 0.8, "ar": 0.7}),
        ("2026-12-02T12:00:00+00:00", {"en": 0.92, "es": 0.85, "ar": 0.75}),
        ("2026-12-03T12:00:00+00:00", {"en": 0.95, "es": 0.83}),
    ]
    assert chart == tmp_path / "reports" / "history.svg"
    svg = chart.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    # matplotlib writes each text as an id'd group; the legend holds one entry per language.
    for language in ("ar", "en", "es"):
        assert len(re.findall(rf"<!-- {language} -->", svg)) == 1, language
    assert "<!-- 2026-12-03" in svg


def test_a_broken_history_line_is_named(tmp_path: Path) -> None:
    """A line that is not a run is an error with the file and line number; an empty history has no chart."""
    history = tmp_path / "history.jsonl"
    append_run(history, run_record([metrics("en", 0.9)], at(1), {}))
    with history.open("a", encoding="utf-8") as handle:
        handle.write('{"at": "x"}\n')
    with pytest.raises(ReportError, match=r"history.jsonl:2: not a report run"):
        read_runs(history)
    with pytest.raises(ReportError, match="no report runs"):
        render_chart([], tmp_path / "chart.svg")


@pytest.mark.slow
def test_report_command_keeps_the_history(settings: ContentSettings, project: Path, tmp_path: Path) -> None:
    """`report --history FILE` twice (what `make report` runs): two lines with the six languages, and the chart."""
    (project / "config.yml").write_text(TINY_CONFIG, encoding="utf-8")
    history = tmp_path / "reports" / "history.jsonl"
    argv = ["--root", str(project), "--min-examples", "3", "--min-faq-examples", "3"]
    for run in ("first", "second"):
        out = tmp_path / run
        assert main([*argv, "report", "--out", str(out), "--test-fraction", "0.34", "--history", str(history)]) == 0
    runs = read_runs(history)
    assert len(runs) == 2
    assert all(sorted(run.accuracy) == sorted(settings.languages) for run in runs)
    assert all(run.details["test_examples"] == 12 for run in runs)
    assert history.with_suffix(".svg").read_text(encoding="utf-8").count("<svg") == 1
