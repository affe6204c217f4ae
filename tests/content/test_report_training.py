"""The report command end to end: trains a tiny model through Rasa's Python API (slow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.nlu.threshold_sweep import read_predictions
from bot.content.__main__ import main
from bot.content.settings import ContentSettings

TINY_CONFIG = """\
recipe: default.v1
assistant_id: content-report-test
language: xx
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 3
  - name: LogisticRegressionClassifier
policies: []
"""


@pytest.mark.slow
def test_report_trains_and_writes_markdown_and_images(settings: ContentSettings, project: Path, tmp_path: Path) -> None:
    """`report --out DIR` writes report.md with six languages and one PNG per language."""
    (project / "config.yml").write_text(TINY_CONFIG, encoding="utf-8")
    out = tmp_path / "report"
    argv = ["--root", str(project), "--min-examples", "3", "--min-faq-examples", "3"]

    predictions = tmp_path / "predictions.jsonl"
    code = main([*argv, "report", "--out", str(out), "--test-fraction", "0.34", "--predictions", str(predictions)])

    report = (out / "report.md").read_text(encoding="utf-8")
    assert code == 0
    for language in settings.languages:
        assert f"| {language} | 2 |" in report  # two held-out messages per language
        assert (out / f"confusion_{language}.png").read_bytes().startswith(b"\x89PNG")
    assert "## Most confused intent pairs" in report
    assert "## Entities on the held-out split" in report  # the tiny pipeline tags none: found 0
    assert "| check_order_status | 3 | 3 | 3 | 3 | 3 | 3 |" in report
    # Every held-out message with its top two intents, readable by the threshold sweep of bench/nlu.
    recorded = read_predictions([predictions])
    languages = sorted(settings.languages)
    assert sorted(item.benchmark for item in recorded) == [f"nimbus-{language}" for language in languages]
    for item in recorded:
        assert len(item.gold) == 2
        assert all(0.0 < r.confidence <= 1.0 and r.second_confidence is not None for r in item.rankings)
        assert all(r.confidence >= (r.second_confidence or 0.0) for r in item.rankings)
