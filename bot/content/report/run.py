"""`report`: train on a stratified split with the project's config.yml and write the report."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.content.annotations import parse_example
from bot.content.corpus import load_nlu, load_responses, read_yaml, write_yaml
from bot.content.errors import ReportError
from bot.content.report.coverage import intent_coverage, response_coverage
from bot.content.report.entities import entity_mistakes, entity_scores
from bot.content.report.metrics import FALLBACK_INTENT, LanguageMetrics, language_metrics
from bot.content.report.render import confusion_png, markdown_report
from bot.content.report.split import Split, TestCase, stratified_split, training_yaml
from bot.content.settings import ContentSettings


def prepare_config(config: Path, out: Path, epochs: int | None) -> Path:
    """Copies the pipeline config, optionally overriding the epochs of every trained component."""
    data = read_yaml(config)
    if epochs is not None:
        for component in data.get("pipeline") or []:
            if "epochs" in component or component.get("name") == "DIETClassifier":
                component["epochs"] = epochs
    write_yaml(out, data)
    return out


def write_training_data(settings: ContentSettings, split: Split, folder: Path) -> Path:
    """Writes the training half plus the shared files (regexes, synonyms) of the NLU folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.yml").write_text(training_yaml(split.train), encoding="utf-8")
    nlu_dir = settings.path(settings.nlu_dir)
    for index, shared in enumerate(sorted(nlu_dir.glob("*.yml"))):
        shutil.copy(shared, folder / f"shared_{index}_{shared.name}")
    return folder


def train_model(config: Path, data: Path, out: Path) -> Path:
    """Trains an NLU-only model with Rasa's Python API and returns the model archive."""
    from rasa.model_training import train_nlu

    model = train_nlu(str(config), str(data), str(out), fixed_model_name="report")
    if not model:
        raise ReportError(f"rasa could not train a model from {data} with {config}")
    return Path(model)


@dataclass(frozen=True)
class Prediction:
    """The intent the pipeline ends with, its top two intents before the FallbackClassifier, and its entities."""

    intent: str
    top: tuple[tuple[str, float], ...]
    entities: tuple[tuple[str, str], ...] = ()


async def _parse_all(model: Path, cases: Sequence[TestCase]) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    results = []
    for case in cases:
        parsed: dict[str, Any] = await agent.parse_message(case.text)
        intent = parsed.get("intent") or {}
        ranking = [
            (str(item.get("name")), float(item.get("confidence") or 0.0))
            for item in parsed.get("intent_ranking") or []
            if item.get("name") != FALLBACK_INTENT
        ]
        entities = tuple((str(item.get("entity")), str(item.get("value"))) for item in parsed.get("entities") or [])
        results.append(Prediction(str(intent.get("name")), tuple(ranking[:2]), entities))
    return results


def predict(model: Path, cases: Sequence[TestCase]) -> list[Prediction]:
    """The prediction for every held-out message."""
    return asyncio.run(_parse_all(model, cases))


def write_predictions(path: Path, cases: Sequence[TestCase], predictions: Sequence[Prediction]) -> None:
    """One JSON line per held-out message, in bench/nlu's format (bench/nlu/threshold_sweep.py replays them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for case, prediction in zip(cases, predictions, strict=True):
            if not prediction.top:
                continue
            (intent, confidence), *rest = prediction.top
            record = {
                "benchmark": f"nimbus-{case.language}",
                "pipeline": "ours",
                "language": case.language,
                "text": case.text,
                "gold": case.intent,
                "intent": intent,
                "confidence": confidence,
                "second_confidence": rest[0][1] if rest else None,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def per_language(
    cases: Sequence[TestCase], predictions: Sequence[str], languages: Sequence[str]
) -> list[LanguageMetrics]:
    """Groups predictions by language and scores each language."""
    truth: dict[str, list[str]] = defaultdict(list)
    guess: dict[str, list[str]] = defaultdict(list)
    texts: dict[str, list[str]] = defaultdict(list)
    for case, predicted in zip(cases, predictions, strict=True):
        truth[case.language].append(case.intent)
        guess[case.language].append(predicted)
        texts[case.language].append(case.text)
    return [language_metrics(lang, truth[lang], guess[lang], texts[lang]) for lang in languages if truth[lang]]


def run_report(
    settings: ContentSettings,
    out: Path,
    test_fraction: float = 0.2,
    seed: int = 42,
    epochs: int | None = None,
    predictions_path: Path | None = None,
    history: Path | None = None,
) -> Path:
    """Trains, evaluates and writes `report.md` plus one confusion PNG per language into `out` (and every held-out
    prediction to `predictions_path`; with `history`, appends the run's per-language accuracy there and redraws the
    accuracy-over-time chart beside it)."""
    corpus, issues = load_nlu(settings.path(settings.nlu_dir), settings.languages)
    if not corpus.examples:
        raise ReportError(f"no NLU examples under {settings.path(settings.nlu_dir)}")
    responses, _ = load_responses(settings.path(settings.responses))
    split = stratified_split(corpus.examples, test_fraction, seed)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nlu-report-") as tmp:
        work = Path(tmp)
        config = prepare_config(settings.path(settings.config), work / "config.yml", epochs)
        data = write_training_data(settings, split, work / "data")
        model = train_model(config, data, work / "models")
        predictions = predict(model, split.test)
    elapsed = time.monotonic() - started
    if predictions_path is not None:
        write_predictions(predictions_path, split.test, predictions)
    metrics = per_language(split.test, [prediction.intent for prediction in predictions], settings.languages)
    images = [confusion_png(m, out / f"confusion_{m.language}.png") for m in metrics]
    languages = [case.language for case in split.test]
    gold = [case.entities for case in split.test]
    found = [prediction.entities for prediction in predictions]
    scored = {entity for case in split.test for entity, _ in case.entities} | {
        annotation.entity for example in split.train for annotation in parse_example(example.text).annotations
    }
    header = [
        f"- config: `{settings.config}`" + (f" (epochs overridden to {epochs})" if epochs else ""),
        f"- split: {len(split.train)} training / {len(split.test)} held-out examples, "
        f"{test_fraction:.0%} of each (language, intent), seed {seed}",
        f"- training + evaluation time: {elapsed:.0f} s",
        f"- data load issues: {len(issues)}",
    ]
    report = markdown_report(
        metrics,
        intent_coverage(corpus, settings.languages),
        response_coverage(responses, settings.languages, settings.language_slot),
        images,
        header,
        entities=entity_scores(languages, gold, found, scored),
        entity_errors=entity_mistakes(languages, [case.text for case in split.test], gold, found, scored),
    )
    target = out / "report.md"
    target.write_text(report, encoding="utf-8")
    if history is not None:
        from bot.content.report.history import record_and_chart

        details = {"config": str(settings.config), "seed": seed, "test_fraction": test_fraction,
                   "train_examples": len(split.train), "test_examples": len(split.test)}  # fmt: skip
        record_and_chart(history, metrics, datetime.now(timezone.utc), details)
    return target
