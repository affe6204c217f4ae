"""Every benchmark training has a Rasa training cache of its own: two processes training stock Rasa with two seeds
at once used to share `.rasa/cache` and one of them failed on a duplicate cache key (HINT3, `--jobs 2 --seeds`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rasa.engine.caching import CACHE_LOCATION_ENV

from bench.nlu import rasa_runner
from bench.nlu.examples import Example
from bench.nlu.pipelines import load_pipelines

PROJECT_CONFIG = Path(__file__).resolve().parents[2] / "config.yml"

EXAMPLES = [
    Example(text, intent, "en")
    for intent, texts in {
        "greet": ["hello", "hi there", "good morning", "hey", "hello friend", "hi", "hey there"],
        "goodbye": ["bye", "see you", "goodbye", "bye bye", "see you later", "later", "farewell"],
    }.items()
    for text in texts
]


def test_the_cache_location_is_set_inside_the_block_and_restored_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_LOCATION_ENV, "/somewhere/else")
    with rasa_runner.private_training_cache(tmp_path / "cache") as folder:
        assert os.environ[CACHE_LOCATION_ENV] == str(folder) == str(tmp_path / "cache")
    assert os.environ[CACHE_LOCATION_ENV] == "/somewhere/else"

    monkeypatch.delenv(CACHE_LOCATION_ENV)
    with pytest.raises(RuntimeError), rasa_runner.private_training_cache(tmp_path / "cache"):
        raise RuntimeError("training failed")
    assert CACHE_LOCATION_ENV not in os.environ


def test_a_real_training_writes_its_cache_into_its_own_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # where Rasa's shared default, .rasa/cache, would be
    monkeypatch.delenv(CACHE_LOCATION_ENV, raising=False)
    ours = load_pipelines(PROJECT_CONFIG, None)[0]

    trained = rasa_runner.train(ours, EXAMPLES, tmp_path / "ours")

    assert trained.model_path.exists()
    assert (tmp_path / "ours" / "rasa-cache" / "cache.db").exists()
    assert not (tmp_path / ".rasa").exists()
    assert CACHE_LOCATION_ENV not in os.environ
