"""`run.py --jobs 2 --seeds ...` trains every pipeline once per seed in worker processes and reports the same
predictions, in the same order, as training one after the other (real Rasa training on a tiny xSID-format file)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.nlu.decision import Ranking
from bench.nlu.pipelines import load_pipelines
from bench.nlu.readers.xsid import read_xsid
from bench.nlu.run import main, run_pipelines

PROJECT_CONFIG = Path(__file__).resolve().parents[2] / "config.yml"

PHRASES = {
    "greet": ["hello", "hi there", "good morning", "hey", "hello friend", "hi", "hey there", "morning"],
    "order_status": ["where is my order", "order status", "track my parcel", "has my order shipped", "my package"],
    "goodbye": ["bye", "see you", "goodbye", "bye bye", "see you later", "later", "farewell", "cya"],
}


def write_xsid(folder: Path) -> Path:
    """An `en.valid.conll` in xSID's format (text and intent headers, one token line) with the phrases above."""
    blocks = [
        f"# text = {text}\n# intent = {intent}\n1\t{text}\tO" for intent, texts in PHRASES.items() for text in texts
    ]
    (folder / "xsid").mkdir(parents=True)
    (folder / "xsid" / "en.valid.conll").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return folder


def test_parallel_seeded_runs_report_every_seed_and_equal_a_serial_run(tmp_path: Path) -> None:
    """Two seeds x (ours, stock) on two workers: the section has the seed table, the predictions file one block per
    pipeline and seed in order, and ours with seed 3 predicts exactly what a serial training with seed 3 does."""
    data = write_xsid(tmp_path / "data")
    out = tmp_path / "results.md"
    predictions = tmp_path / "predictions.jsonl"
    argv = ["--data", str(data), "--dataset", "xsid", "--languages", "en", "--epochs", "2", "--jobs", "2"]
    assert main([*argv, "--seeds", "3,4", "--out", str(out), "--predictions", str(predictions)]) == 0

    text = out.read_text(encoding="utf-8")
    assert "once per seed (3, 4;" in text
    assert "| en | ours | 2 |" in text and "| en | stock | 2 |" in text
    assert "ours against stock on accuracy, paired by seed: higher in" in text
    assert "pipelines run 2 at a time" in text

    records = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    benchmark = read_xsid(data / "xsid", ["en"], "valid", "valid")
    labels = [record["pipeline"] for record in records]
    expected = ["ours seed 3", "stock seed 3", "ours seed 4", "stock seed 4"]
    assert labels == [label for label in expected for _ in benchmark.test]

    ours = load_pipelines(PROJECT_CONFIG, 2, seed=3)[0]
    (_, serial), *_ = run_pipelines([ours], benchmark, tmp_path / "serial", jobs=1)
    parallel = [
        Ranking(r["intent"], r["confidence"], r["second_confidence"]) for r in records if r["pipeline"] == "ours seed 3"
    ]
    assert parallel == serial
