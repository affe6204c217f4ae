"""Markdown sections of the results file: a rerun replaces its own section and keeps the others."""

from __future__ import annotations

from bench.nlu.evaluate import LanguageScores, Latency, ScopeScores
from bench.nlu.report import BenchmarkResult, PipelineResult, replace_section, section


def result(key: str, accuracy: float) -> BenchmarkResult:
    """A benchmark result with two pipelines on one language."""
    scores = LanguageScores("en", 10, accuracy, accuracy, accuracy)
    scope = [ScopeScores(0.5, "configured", accuracy, accuracy, 0.5, 0.3, accuracy)]
    pipelines = [PipelineResult(name, [10], 20, 3.0, [scores], Latency(5.0, 9.0), scope) for name in ("ours", "stock")]
    return BenchmarkResult(key, f"{key} title", "protocol", "cmd", pipelines, ["published | - | - | 1 | 2 | 3 | - | -"])


def test_section_has_side_by_side_columns_and_published_rows() -> None:
    """Both pipelines in one row per language; scope rows then published rows."""
    text = section(result("hint3-sofmattress", 0.75))
    assert "| en | 10 | 75.0 | 75.0 | 75.0 | 75.0 | 75.0 | 75.0 |" in text
    assert "| ours | 0.50 | configured | 75.0 | 75.0 | 50.0 | 0.300 | 75.0 |" in text
    assert "| published | - | - | 1 | 2 | 3 | - | - |" in text


def test_replace_section_appends_then_replaces_in_place() -> None:
    """A new key is appended; the same key replaces its old section and leaves the other one alone."""
    document = "# results\n"
    document = replace_section(document, "a", section(result("a", 0.1)))
    document = replace_section(document, "b", section(result("b", 0.2)))
    document = replace_section(document, "a", section(result("a", 0.9)))
    assert "90.0" in document and "10.0" not in document
    assert document.index("## a title") < document.index("## b title")
    assert document.count("<!-- bench:nlu:a -->") == 1
