"""`run.py --jobs 2` trains pipelines in worker processes and gives back the same results, in the same order, as
one after the other (real Rasa training on a tiny dataset)."""

from __future__ import annotations

from pathlib import Path

from bench.nlu.examples import Benchmark, Example
from bench.nlu.pipelines import load_pipelines
from bench.nlu.run import run_pipelines

PROJECT_CONFIG = Path(__file__).resolve().parents[2] / "config.yml"

PHRASES = {
    "greet": ["hello", "hi there", "good morning", "hey", "hello friend", "hi"],
    "order_status": ["where is my order", "order status", "track my parcel", "has my order shipped", "my package"],
    "goodbye": ["bye", "see you", "goodbye", "bye bye", "see you later", "later"],
}


def tiny_benchmark() -> Benchmark:
    examples = [Example(text, intent, "en") for intent, texts in PHRASES.items() for text in texts]
    return Benchmark(name="tiny", train=examples, test=[Example("hello there", "greet", "en"), *examples[:4]])


def test_parallel_results_come_back_in_pipeline_order_and_equal_the_serial_ones(tmp_path: Path) -> None:
    """Ours is seeded, so its rankings in a worker process equal those of a serial run; stock runs beside it and
    its result still comes second, as listed."""
    ours, stock = load_pipelines(PROJECT_CONFIG, 2)
    benchmark = tiny_benchmark()
    parallel = run_pipelines([ours, stock], benchmark, tmp_path / "parallel", jobs=2)
    serial = run_pipelines([ours], benchmark, tmp_path / "serial", jobs=1)
    assert [result.pipeline for result, _ in parallel] == ["ours", "stock"]
    assert len(benchmark.test) == len(parallel[1][1])
    assert serial[0][1] == parallel[0][1]
    assert serial[0][0].languages == parallel[0][0].languages
