"""Markdown sections of the results file: a rerun replaces its own section and keeps the others."""

from __future__ import annotations

from dataclasses import replace

from bench.nlu.evaluate import LanguageScores, Latency, ScopeScores
from bench.nlu.report import BenchmarkResult, PipelineResult, SeedRuns, replace_section, section


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


def scored(name: str, accuracy: float, mcc: float) -> PipelineResult:
    """One seed's result of a pipeline on one English benchmark with out-of-scope messages."""
    scores = LanguageScores("en", 10, accuracy, accuracy / 2, accuracy)
    scope = [
        ScopeScores(0.5, "configured", accuracy, accuracy, 0.5, mcc, accuracy),
        ScopeScores(0.3, "best MCC on test (oracle)", 1.0, 1.0, 1.0, 0.99, 1.0),
    ]
    return PipelineResult(name, [10], 20, 3.0, [scores], Latency(5.0, 9.0), scope)


def test_seed_table_gives_mean_and_range_and_pairs_seeds_against_stock() -> None:
    """Mean (min-max) per pipeline at the configured threshold; the oracle rows never enter the seed table; wins
    are counted seed by seed on MCC."""
    ours = SeedRuns("ours", [1, 2, 3], [scored("ours", a, m) for a, m in ((0.8, 0.50), (0.9, 0.40), (0.7, 0.60))])
    stock = SeedRuns("stock", [1, 2, 3], [scored("stock", 0.6, m) for m in (0.45, 0.45, 0.60)])
    base = result("hint3-powerplay11", 0.75)
    text = section(replace(base, results=[ours.results[0], stock.results[0]], seed_runs=[ours, stock]))
    assert "once per seed (1, 2, 3" in text
    assert "| en | ours | 3 | 80.0 (70.0-90.0) | 40.0 (35.0-45.0) | 80.0 (70.0-90.0) | 80.0 (70.0-90.0) | " in text
    assert "| 50.0 (50.0-50.0) | 0.500 (0.400-0.600) |" in text
    assert "| en | stock | 3 | 60.0 (60.0-60.0) |" in text
    assert "higher in 1 of 3 seeds (1 tied), mean difference +0.000." in text
    assert text.index("once per seed") < text.index("The tables below are the first seed's (1)")


def test_seed_table_compares_accuracy_without_out_of_scope() -> None:
    """Without out-of-scope messages the paired comparison is on accuracy, in points."""
    runs = [
        SeedRuns(name, [5, 6], [replace(scored(name, a, 0.0), scope=[]) for a in accuracies])
        for name, accuracies in (("ours", (0.9, 0.8)), ("stock", (0.85, 0.85)))
    ]
    text = section(replace(result("xsid", 0.5), seed_runs=runs))
    assert "higher in 1 of 2 seeds (0 tied), mean difference +0.0 points." in text
    assert "MCC" not in text.split("The tables below")[0]
    assert "out-of-scope columns" not in text
