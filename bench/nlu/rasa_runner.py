"""Trains one pipeline with rasa's Python training API and parses test messages with the loaded model,
recording each message's intent ranking (before fallback) and its parse latency."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.engine.caching import CACHE_LOCATION_ENV
from rasa.model_training import train_nlu
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.utils.io import dump_obj_as_yaml_to_string

from bench.nlu.decision import Ranking
from bench.nlu.examples import Example
from bench.nlu.pipelines import Pipeline
from bench.nlu.training_data import nlu_yaml


class TrainingFailed(RuntimeError):
    """Rasa returned no model for a pipeline."""


@dataclass(frozen=True)
class Parsed:
    """Rankings and per-message latencies (seconds) of one parse run."""

    rankings: list[Ranking]
    latencies: list[float]


@dataclass(frozen=True)
class Trained:
    """A trained model archive and how long training took (seconds)."""

    model_path: Path
    train_seconds: float


def ranking_of(parse_data: dict[str, Any]) -> Ranking:
    """The top two intents of a parse result, ignoring the FallbackClassifier's `nlu_fallback` entry."""
    ranked = [
        entry
        for entry in parse_data.get("intent_ranking") or []
        if entry.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME
    ]
    if not ranked:
        intent = parse_data.get("intent") or {}
        return Ranking(intent=str(intent.get("name")), confidence=float(intent.get("confidence") or 0.0))
    second = float(ranked[1]["confidence"]) if len(ranked) > 1 else None
    return Ranking(intent=str(ranked[0]["name"]), confidence=float(ranked[0]["confidence"]), second_confidence=second)


@contextmanager
def private_training_cache(folder: Path) -> Iterator[Path]:
    """Point Rasa's training cache at `folder` while the block runs, then restore the previous setting.

    Rasa keeps one cache of trained components (`.rasa/cache` in the working directory, an SQLite file) for every
    training started there. Two processes training the same component on the same data at once (stock Rasa with two
    seeds: its featurizers do not depend on the seed) both insert the same cache key, and one of them fails with
    "UNIQUE constraint failed". A private cache also keeps one pipeline's training time from depending on what an
    earlier run left in the shared one.
    """
    previous = os.environ.get(CACHE_LOCATION_ENV)
    os.environ[CACHE_LOCATION_ENV] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop(CACHE_LOCATION_ENV, None)
        else:
            os.environ[CACHE_LOCATION_ENV] = previous


def train(pipeline: Pipeline, examples: Sequence[Example], folder: Path) -> Trained:
    """Write config and data into `folder` and train an NLU-only model there, with a training cache of its own
    (`folder/rasa-cache`, see `private_training_cache`)."""
    folder.mkdir(parents=True, exist_ok=True)
    config_file = folder / "config.yml"
    data_file = folder / "nlu.yml"
    config_file.write_text(dump_obj_as_yaml_to_string(pipeline.config), encoding="utf-8")
    data_file.write_text(nlu_yaml(examples), encoding="utf-8")
    started = time.perf_counter()
    with private_training_cache(folder / "rasa-cache"):
        model = train_nlu(str(config_file), str(data_file), str(folder / "models"), fixed_model_name=pipeline.name)
    seconds = time.perf_counter() - started
    if model is None:
        raise TrainingFailed(f"rasa produced no model for pipeline {pipeline.name!r} in {folder}")
    return Trained(model_path=Path(model), train_seconds=seconds)


async def _parse_all(agent: Agent, texts: Sequence[str]) -> Parsed:
    rankings: list[Ranking] = []
    latencies: list[float] = []
    for text in texts:
        started = time.perf_counter()
        parse_data = await agent.parse_message(text)
        latencies.append(time.perf_counter() - started)
        rankings.append(ranking_of(parse_data))
    return Parsed(rankings=rankings, latencies=latencies)


def load(model_path: Path) -> Agent:
    """The trained model, loaded the way the Rasa server loads it."""
    return Agent.load(str(model_path))


def parse(agent: Agent, texts: Sequence[str]) -> Parsed:
    """Parse every text one message at a time (as a server would), timing each parse."""
    return asyncio.run(_parse_all(agent, texts))
