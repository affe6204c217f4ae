"""LanguageDetector and MultilingualTokenizer through Rasa's graph component API on real Messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.chinese_words import HAN_SEGMENTERS
from bot.components.language_detector import DETECTION_PROPERTY, LanguageDetector
from bot.components.multilingual_tokenizer import MultilingualTokenizer
from language_registry import SEGMENTERS


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> LanguageDetector:
    """A LanguageDetector created the way Rasa's graph creates it, with the default config."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(GraphSchema({}), "test-model")
    return LanguageDetector.create(
        LanguageDetector.get_default_config(), storage, Resource("language_detector"), context
    )


@pytest.fixture
def tokenizer(tmp_path: Path) -> MultilingualTokenizer:
    """A MultilingualTokenizer created the way Rasa's graph creates it."""
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test-model")
    return MultilingualTokenizer.create(
        MultilingualTokenizer.get_default_config(), storage, Resource("tokenizer"), context
    )


def parse(detector: LanguageDetector, text: str, metadata: dict[str, Any] | None = None) -> Message:
    """Run one message (with channel metadata, as Rasa passes it) through the detector."""
    message = Message(data={TEXT: text, "metadata": metadata})
    return detector.process([message])[0]


def detected(message: Message) -> list[dict[str, Any]]:
    """The detected_language entities on a message."""
    return [entity for entity in message.get(ENTITIES, []) if entity["entity"] == "detected_language"]


def test_components_are_registered_with_the_default_recipe() -> None:
    """config.yml can name both classes: they are registered in the default.v1 recipe."""
    registered = DefaultV1Recipe._registered_components
    assert registered["LanguageDetector"].is_trainable is False
    assert registered["MultilingualTokenizer"].is_trainable is False


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("where is my order, it's been two weeks", "en"),  # English
        ("necesito cancelar mi pedido por favor", "es"),  # Spanish
        ("quero o reembolso do meu pedido", "pt"),  # Portuguese
        ("je voudrais parler à un conseiller", "fr"),  # French
        ("أريد استرداد أموالي", "ar"),  # Arabic
        ("我想取消订单", "zh"),  # Chinese
    ],
)
def test_confident_message_gets_the_entity(detector: LanguageDetector, text: str, language: str) -> None:
    """A confident detection adds exactly one detected_language entity spanning the text."""
    message = parse(detector, text)
    [entity] = detected(message)
    assert {"value": language, "extractor": "LanguageDetector", "start": 0, "end": len(text)} == {
        key: entity[key] for key in ("value", "extractor", "start", "end")
    }
    assert 0.6 <= entity["confidence_entity"] <= 1.0
    assert language == message.get(DETECTION_PROPERTY)["language"]


@pytest.mark.parametrize("text", ["ok", "sim", "👍", "NB-123456"])
def test_unsure_message_without_hint_keeps_the_language(detector: LanguageDetector, text: str) -> None:
    """Without metadata, short or non-linguistic text emits no entity (the slot stays as it was)."""
    message = parse(detector, text)
    assert detected(message) == []
    assert message.get(DETECTION_PROPERTY)["language"] is None


@pytest.mark.parametrize(
    ("text", "metadata", "expected"),
    [
        ("ok", {"locale": "es-MX"}, "es"),  # WhatsApp-style locale
        ("👍", {"language": "pt"}, "pt"),  # bare language key
        ("NB-123456", {"locale": "ar-EG"}, "ar"),  # id only
        ("ok", {"locale": "zh-CN"}, None),  # incompatible with Latin text
        ("ok", {"locale": "ja-JP"}, None),  # unsupported locale
    ],
)
def test_locale_hint_from_message_metadata(
    detector: LanguageDetector, text: str, metadata: dict[str, str], expected: str | None
) -> None:
    """The channel's locale hint in message metadata decides unsure text when it fits."""
    values = [entity["value"] for entity in detected(parse(detector, text, metadata))]
    assert ([expected] if expected else []) == values


def test_existing_entities_are_kept(detector: LanguageDetector) -> None:
    """Entities found earlier in the pipeline (e.g. order_id by DIET) stay on the message."""
    order = {"entity": "order_id", "value": "NB-204519", "start": 18, "end": 27, "extractor": "DIETClassifier"}
    message = Message(data={TEXT: "where is my order NB-204519 please", ENTITIES: [order]})
    detector.process([message])
    assert [order, *detected(message)] == message.get(ENTITIES)
    assert [entity["value"] for entity in detected(message)] == ["en"]


def test_stickiness_over_a_conversation(detector: LanguageDetector) -> None:
    """Only confident turns emit a language; the slot (last emitted value) never flips on ok/👍/ids."""
    turns = ["hola, quiero saber dónde está mi pedido", "ok", "NB-123456", "👍", "sim", "gracias por la ayuda"]
    slot = "en"
    history = []
    for text in turns:
        for entity in detected(parse(detector, text)):
            slot = entity["value"]
        history.append(slot)
    assert history == ["es", "es", "es", "es", "es", "es"]


def test_restricted_language_list_from_config(tmp_path: Path) -> None:
    """supported_languages in config.yml restricts what can ever be emitted."""
    config = {**LanguageDetector.get_default_config(), "supported_languages": ["en", "fr"]}
    component = LanguageDetector.create(
        config, LocalModelStorage(tmp_path), Resource("ld"), ExecutionContext(GraphSchema({}), "m")
    )
    for text in ["necesito cancelar mi pedido por favor", "我想取消订单", "je voudrais annuler ma commande"]:
        assert {entity["value"] for entity in detected(parse(component, text))} <= {"en", "fr"}
    assert detected(parse(component, "我想取消订单")) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("where is NB-204519? 👍", [("where", 0, 5), ("is", 6, 8), ("NB-204519", 9, 18), ("👍", 20, 21)]),
        ("أين طلبي؟", [("أين", 0, 3), ("طلبي", 4, 8)]),
        ("订单NB-123456", [("订", 0, 1), ("单", 1, 2), ("NB-123456", 2, 11)]),
        ("ça va", [("ça", 0, 2), ("va", 3, 5)]),
        ("?!", [("?!", 0, 2)]),  # no word: the whole text is one token, as in Rasa
    ],
)
def test_tokenizer_process_sets_tokens_with_exact_offsets(
    tokenizer: MultilingualTokenizer, text: str, expected: list[tuple[str, int, int]]
) -> None:
    """Tokens reach the message under Rasa's token key with exact start/end offsets."""
    message = tokenizer.process([Message(data={TEXT: text})])[0]
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert expected == [(token.text, token.start, token.end) for token in tokens]


def test_tokenizer_with_jieba_cuts_chinese_words_with_exact_offsets(tmp_path: Path) -> None:
    """han_segmentation: jieba yields dictionary words whose offsets point into the original text."""
    config = {**MultilingualTokenizer.get_default_config(), "han_segmentation": "jieba"}
    component = MultilingualTokenizer.create(
        config, LocalModelStorage(tmp_path), Resource("tok"), ExecutionContext(GraphSchema({}), "m")
    )
    text = "我想取消订单NB-123456"
    tokens = component.process([Message(data={TEXT: text})])[0].get(TOKENS_NAMES[TEXT])
    assert [(t.text, t.start, t.end) for t in tokens] == [
        ("我", 0, 1),
        ("想", 1, 2),
        ("取消", 2, 4),
        ("订单", 4, 6),
        ("NB-123456", 6, 15),
    ]
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_tokenizer_rejects_an_unknown_han_segmentation() -> None:
    """A typo in config.yml fails when the model loads, naming the valid values."""
    config = {**MultilingualTokenizer.get_default_config(), "han_segmentation": "pkuseg"}
    with pytest.raises(ValueError, match=r"\('char', 'whole', 'jieba'\), not 'pkuseg'"):
        MultilingualTokenizer(config)


def test_the_shipped_registry_gives_the_tokenizer_the_config_it_always_had() -> None:
    """Chinese and Japanese say characters and no language writes Thai: the same config, so the same trained model."""
    expected = {
        "intent_tokenization_flag": False,
        "intent_split_symbol": "_",
        "token_pattern": None,
        "prefix_separator_symbol": None,
        "split_thai": False,
        "han_segmentation": "char",
    }
    assert MultilingualTokenizer.get_default_config() == expected


def test_every_segmenter_the_registry_accepts_exists_in_the_bot() -> None:
    """The registry's loader knows segmenter names without importing the bot: the two lists name the same ones."""
    assert sorted(HAN_SEGMENTERS) == sorted(SEGMENTERS)


@pytest.mark.parametrize("text", ["/affirm", "/nlu_fallback", '/check_order_status{"order_id": "NB-123456"}'])
def test_button_payloads_and_intent_triggers_never_change_the_language(detector: LanguageDetector, text: str) -> None:
    """A Spanish customer pressing a button sends '/affirm': that is not English, and not the customer's words."""
    assert detected(parse(detector, text, {"locale": "es-MX"})) == []
