"""The threshold sweep over recorded predictions: grouping, the replayed decision, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.nlu import threshold_sweep
from bench.nlu.examples import OUT_OF_SCOPE as OOS


def write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(record) for record in records) + "\n", encoding="utf-8")
    return path


def record(pipeline: str, gold: str, intent: str, confidence: float, second: float | None = None) -> dict[str, object]:
    return {
        "benchmark": "bot",
        "pipeline": pipeline,
        "language": "en",
        "text": "x",
        "gold": gold,
        "intent": intent,
        "confidence": confidence,
        "second_confidence": second,
    }


def test_each_threshold_replays_the_fallback(tmp_path: Path) -> None:
    """A right answer at 0.42 survives 0.4 but not 0.45; an out-of-scope message guessed at 0.38 is caught at 0.4."""
    path = write(
        tmp_path / "p.jsonl",
        [
            record("ours", "greet", "greet", 0.9, 0.05),
            record("ours", "bye", "bye", 0.42, 0.1),
            record("ours", OOS, "greet", 0.38, 0.2),
            record("ours", OOS, OOS, 0.7, 0.1),
            record("stock", "greet", "greet", 0.5),
        ],
    )
    ours, stock = threshold_sweep.read_predictions([path])
    assert (ours.pipeline, len(ours.gold), stock.pipeline, len(stock.gold)) == ("ours", 4, "stock", 1)
    rows = {row.threshold: row for row in threshold_sweep.sweep(ours, [0.35, 0.4, 0.45], 0.1)}
    assert (rows[0.35].in_scope_accuracy, rows[0.35].out_of_scope_recall) == (1.0, 0.5)
    assert (rows[0.4].in_scope_accuracy, rows[0.4].out_of_scope_recall, rows[0.4].accuracy) == (1.0, 1.0, 1.0)
    assert (rows[0.45].in_scope_accuracy, rows[0.45].out_of_scope_recall) == (0.5, 1.0)
    assert threshold_sweep.sweep(stock, [0.4], 0.1)[0].out_of_scope_recall is None  # no out-of-scope messages


def test_the_command_writes_a_table_and_names_a_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path / "good.jsonl", [record("ours", "greet", "greet", 0.9)])
    out = tmp_path / "sweep.md"
    assert threshold_sweep.main([str(good), "--thresholds", "0.3,0.5", "--out", str(out)]) == 0
    table = out.read_text(encoding="utf-8")
    assert "| bot | ours | 1 | 0.30 | 100.0 | 100.0 | – |" in table and "| 0.50 |" in table
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(record("ours", "greet", "greet", 0.9)) + '\n{"benchmark": "bot"}\n', encoding="utf-8")
    with pytest.raises(SystemExit):
        threshold_sweep.main([str(bad)])
    assert f"{bad}:2: not a prediction record" in capsys.readouterr().err
