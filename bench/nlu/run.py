"""NLU benchmark: trains our pipeline (the NLU part of config.yml) and Rasa 3.6's default pipeline on a public
dataset in one run and writes accuracy / macro-F1 per language, out-of-scope handling and parse latency.

Run from the project root in the Rasa environment (heavy: use nice on shared machines):
    PYTHONPATH=. nice -n 19 .venv-rasa/bin/python bench/nlu/run.py --data ../shared/data --dataset hint3 \
        --out bench/nlu/results.md
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog

from bench.nlu import rasa_runner
from bench.nlu.decision import Ranking
from bench.nlu.evaluate import latency, per_language, scope_rows
from bench.nlu.examples import Benchmark, Example
from bench.nlu.pipelines import Pipeline, load_pipelines
from bench.nlu.readers.clinc150 import read_clinc150
from bench.nlu.readers.fb_mtod import read_fb_mtod
from bench.nlu.readers.hint3 import BOTS, read_hint3
from bench.nlu.readers.xsid import read_xsid
from bench.nlu.report import BenchmarkResult, PipelineResult, SeedRuns, replace_section, section

DATASETS = ("xsid", "fb_mtod", "clinc150", "hint3")
DEFAULT_LANGUAGES = {"xsid": ["en", "ar", "zh", "ja"], "fb_mtod": ["es", "th"]}
DEFAULT_SPLITS = {"xsid": ("valid", "valid"), "fb_mtod": ("train", "eval")}
COLUMNS = "pipeline | threshold | how chosen | acc | in-scope acc | OOS recall | MCC | macro-F1"
PUBLISHED = {
    "clinc150": ["published: Rasa (Larson et al. 2019, Table 2) | - | - | - | 91.5 | 45.3 | - | -"],
    "hint3-sofmattress": [
        "published v1: Rasa best-MCC row | - | test | 63.7 | 48.1 | 85.5 | 0.526 | -",
        "published v1: Dialogflow best-MCC row | - | test | 68.8 | 71.9 | 64.5 | 0.638 | -",
    ],
    "hint3-curekart": [
        "published v1: Rasa best-MCC row | - | test | 64.1 | 73.9 | 55.8 | 0.511 | -",
        "published v1: Haptik best-MCC row | - | test | 74.8 | 60.4 | 86.8 | 0.603 | -",
    ],
    "hint3-powerplay11": [
        "published v1: Rasa best-MCC row | - | test | 71.7 | 31.6 | 87.3 | 0.340 | -",
        "published v1: Haptik best-MCC row | - | test | 61.6 | 61.5 | 61.7 | 0.425 | -",
    ],
}


@dataclass(frozen=True)
class Options:
    """Parsed command line."""

    data: Path
    dataset: str
    languages: list[str]
    train_split: str
    test_split: str
    epochs: int | None
    max_per_intent: int | None
    config: Path
    candidates: list[tuple[str, Path]]
    out: Path
    predictions: Path | None
    jobs: int
    seeds: list[int]
    command: str
    with_stock: bool = True


def parse_args(argv: Sequence[str]) -> Options:
    """Command-line options, with per-dataset defaults for languages and splits."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="folder holding <dataset>/")
    parser.add_argument("--dataset", choices=DATASETS, required=True)
    parser.add_argument("--languages", default=None, help="comma-separated (xsid, fb_mtod); default per dataset")
    parser.add_argument("--train-split", default=None, help="xsid: valid; fb_mtod: train")
    parser.add_argument("--test-split", default=None, help="xsid: valid (then halved 50/50); fb_mtod: eval")
    parser.add_argument("--epochs", type=int, default=None, help="epochs of DIET/ResponseSelector in BOTH pipelines")
    parser.add_argument("--max-per-intent", type=int, default=None, help="development subset of train/test/val")
    parser.add_argument("--config", type=Path, default=Path("config.yml"), help="our Rasa config")
    parser.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar="NAME=CONFIG",
        help="also train this variant of our config under NAME (repeatable), between ours and stock",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/nlu/results.md"))
    parser.add_argument("--predictions", type=Path, default=None, help="write every test prediction here (JSONL)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="train and parse this many pipelines at once, each in its own process (timings then share the CPU)",
    )
    parser.add_argument(
        "--seeds",
        default=None,
        help="comma-separated: train every pipeline once per seed (stock too) and report mean and range over them",
    )
    parser.add_argument(
        "--skip-stock",
        action="store_true",
        help="do not train stock Rasa (only to add pipelines to a dataset whose stock row an earlier run measured;"
        " the report says so)",
    )
    args = parser.parse_args(argv)
    try:
        seeds = [int(seed) for seed in args.seeds.split(",")] if args.seeds else []
    except ValueError:
        parser.error(f"--seeds expects comma-separated integers, not {args.seeds!r}")
    if len(set(seeds)) != len(seeds):
        parser.error(f"--seeds lists a seed twice: {args.seeds!r}")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, not {args.jobs}")
    candidates = []
    for spec in args.candidate:
        name, separator, path = spec.partition("=")
        if not separator or not name or not path or name in ("ours", "stock"):
            parser.error(f"--candidate expects NAME=CONFIG with a NAME other than ours/stock, not {spec!r}")
        candidates.append((name, Path(path)))
    train_split, test_split = DEFAULT_SPLITS.get(args.dataset, ("train", "test"))
    return Options(
        data=args.data,
        dataset=args.dataset,
        languages=args.languages.split(",") if args.languages else DEFAULT_LANGUAGES.get(args.dataset, ["en"]),
        train_split=args.train_split or train_split,
        test_split=args.test_split or test_split,
        epochs=args.epochs,
        max_per_intent=args.max_per_intent,
        config=args.config,
        candidates=candidates,
        out=args.out,
        predictions=args.predictions,
        jobs=args.jobs,
        seeds=seeds,
        command="PYTHONPATH=. .venv-rasa/bin/python bench/nlu/run.py " + shlex.join(argv),
        with_stock=not args.skip_stock,
    )


def first_per_intent(examples: Sequence[Example], limit: int | None) -> list[Example]:
    """At most `limit` examples per (language, intent), in file order (None: all)."""
    if limit is None:
        return list(examples)
    counts: dict[tuple[str, str], int] = {}
    kept: list[Example] = []
    for example in examples:
        key = (example.language, example.intent)
        if counts.get(key, 0) < limit:
            counts[key] = counts.get(key, 0) + 1
            kept.append(example)
    return kept


def benchmarks(options: Options) -> list[Benchmark]:
    """The dataset configurations the options name (HINT3: its three bots)."""
    folder = options.data / options.dataset
    if options.dataset == "xsid":
        found = [read_xsid(folder, options.languages, options.train_split, options.test_split)]
    elif options.dataset == "fb_mtod":
        found = [read_fb_mtod(folder, options.languages, options.train_split, options.test_split)]
    elif options.dataset == "clinc150":
        found = [read_clinc150(folder)]
    else:
        found = [read_hint3(folder, bot) for bot in BOTS]
    if options.max_per_intent is None:
        return found
    limit = options.max_per_intent
    return [
        replace(
            b,
            train=first_per_intent(b.train, limit),
            test=first_per_intent(b.test, limit),
            validation=first_per_intent(b.validation, limit),
            protocol=b.protocol + f" (DEVELOPMENT SUBSET: first {limit} examples per intent and language)",
        )
        for b in found
    ]


def write_predictions(out: Path, pipeline: str, benchmark: Benchmark, rankings: Sequence[Ranking]) -> None:
    """Append one JSON line per test message: gold intent and the ranking before fallback."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as handle:
        for example, ranking in zip(benchmark.test, rankings, strict=True):
            record = {
                "benchmark": benchmark.name,
                "pipeline": pipeline,
                "language": example.language,
                "text": example.text,
                "gold": example.intent,
                "intent": ranking.intent,
                "confidence": ranking.confidence,
                "second_confidence": ranking.second_confidence,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def run_pipeline(pipeline: Pipeline, benchmark: Benchmark, workdir: Path) -> tuple[PipelineResult, list[Ranking]]:
    """Train, parse test (and validation) messages, score; also the test rankings, for the predictions file."""
    print(f"[{benchmark.name}] training {pipeline.name} on {len(benchmark.train)} examples", flush=True)
    trained = rasa_runner.train(pipeline, benchmark.train, workdir / pipeline.name)
    agent = rasa_runner.load(trained.model_path)
    print(f"[{benchmark.name}] {pipeline.name}: trained in {trained.train_seconds:.0f}s, parsing", flush=True)
    parsed = rasa_runner.parse(agent, [example.text for example in benchmark.test])
    scope = []
    fallback = pipeline.fallback
    if benchmark.has_out_of_scope and fallback is not None:
        validation_rankings = []
        if benchmark.validation:
            validation_rankings = rasa_runner.parse(agent, [e.text for e in benchmark.validation]).rankings
        scope = scope_rows(benchmark.test, parsed.rankings, fallback, benchmark.validation, validation_rankings)
    result = PipelineResult(
        pipeline=pipeline.name,
        epochs=pipeline.epochs,
        train_examples=len(benchmark.train),
        train_seconds=trained.train_seconds,
        languages=per_language(benchmark.test, parsed.rankings, fallback),
        latency=latency(parsed.latencies),
        scope=scope,
    )
    return result, parsed.rankings


def quiet_rasa_logs() -> None:
    """Warnings and errors only, in this process (also the initializer of each worker process)."""
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def run_pipelines(
    pipelines: Sequence[Pipeline], benchmark: Benchmark, workdir: Path, jobs: int
) -> list[tuple[PipelineResult, list[Ranking]]]:
    """Every pipeline's result in the given order: one after the other in this process, or `jobs` at a time in
    fresh worker processes (spawned: TensorFlow does not survive a fork). In parallel, stock starts first: with
    Rasa's two transformer layers it trains longest, and the other pipelines share the remaining workers."""
    folders = [workdir / str(index) for index in range(len(pipelines))]
    if jobs == 1:
        return [run_pipeline(pipeline, benchmark, folder) for pipeline, folder in zip(pipelines, folders, strict=True)]
    start_order = sorted(range(len(pipelines)), key=lambda index: pipelines[index].name != "stock")
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(pipelines)), mp_context=get_context("spawn"), initializer=quiet_rasa_logs
    ) as pool:
        futures = {i: pool.submit(run_pipeline, pipelines[i], benchmark, folders[i]) for i in start_order}
        return [futures[index].result() for index in range(len(pipelines))]


def write_section(out: Path, key: str, text: str) -> None:
    """Replace (or append) the benchmark's section in the results file, re-read just before writing so that runs
    of other datasets finishing meanwhile keep theirs."""
    document = out.read_text(encoding="utf-8") if out.exists() else "# NLU benchmark results\n\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(replace_section(document, key, text), encoding="utf-8")


def main(argv: Sequence[str]) -> int:
    """Run every benchmark of the chosen dataset for all pipelines (once per seed) and update the results file."""
    options = parse_args(argv)
    quiet_rasa_logs()
    seeds: list[int | None] = list(options.seeds) or [None]
    per_seed = [
        load_pipelines(options.config, options.epochs, options.candidates, seed, with_stock=options.with_stock)
        for seed in seeds
    ]
    names = [pipeline.name for pipeline in per_seed[0]]
    flat = [pipeline for pipelines in per_seed for pipeline in pipelines]
    for benchmark in benchmarks(options):
        with tempfile.TemporaryDirectory(prefix=f"bench-nlu-{benchmark.name}-") as tmp:
            outcomes = run_pipelines(flat, benchmark, Path(tmp), options.jobs)
        by_seed = [outcomes[i * len(names) : (i + 1) * len(names)] for i in range(len(seeds))]
        if options.predictions is not None:
            for seed, seed_outcomes in zip(seeds, by_seed, strict=True):
                for name, (_, rankings) in zip(names, seed_outcomes, strict=True):
                    label = name if seed is None else f"{name} seed {seed}"
                    write_predictions(options.predictions, label, benchmark, rankings)
        protocol = benchmark.protocol
        if options.jobs > 1:
            protocol += f"; pipelines run {options.jobs} at a time, so training times and latencies share the CPU"
        if not options.with_stock:
            protocol += (
                "; stock Rasa was not trained in this run (--skip-stock): compare with an earlier run's stock row"
            )
        seed_runs = []
        if options.seeds:
            seed_runs = [
                SeedRuns(name, options.seeds, [seed_outcomes[i][0] for seed_outcomes in by_seed])
                for i, name in enumerate(names)
            ]
        result = BenchmarkResult(
            key=benchmark.name,
            title=f"{benchmark.name}: ours vs stock Rasa 3.6",
            protocol=protocol,
            command=options.command,
            results=[result for result, _ in by_seed[0]],
            published=PUBLISHED.get(benchmark.name, []),
            seed_runs=seed_runs,
        )
        text = section(result)
        print(text, flush=True)
        write_section(options.out, benchmark.name, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
