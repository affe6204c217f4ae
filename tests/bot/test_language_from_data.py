"""A language added by data alone is detected by the real LanguageDetector and expected by content validation, and
the registry's `tokenizer` field decides how the tokenizer cuts the scripts written without spaces."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.language_detector import LanguageDetector
from bot.components.multilingual_tokenizer import MultilingualTokenizer
from bot.content.settings import ContentSettings
from tests.language_kit import THAI_ENTRY, registry_cutting, throwaway_registry


@pytest.fixture
def italian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the process at a registry that adds Italian."""
    monkeypatch.setenv("NIMBUS_LANGUAGES_FILE", str(throwaway_registry(tmp_path / "registry")))


def language_of(detector: LanguageDetector, text: str, locale: str | None = None) -> str | None:
    """The detected_language entity the detector puts on one message, None when it commits to nothing."""
    message = Message(data={TEXT: text, "metadata": {"locale": locale} if locale else None})
    found = [entity["value"] for entity in detector.process([message])[0].get(ENTITIES, [])]
    return found[0] if found else None


def test_the_detector_speaks_a_language_added_by_data(italian: None, tmp_path: Path) -> None:
    """Built the way Rasa builds it, with its default config, the detector tells Italian from its Latin neighbours."""
    context = ExecutionContext(GraphSchema({}), "test-model")
    detector = LanguageDetector.create(
        LanguageDetector.get_default_config(), LocalModelStorage(tmp_path), Resource("language_detector"), context
    )
    assert "it" in LanguageDetector.get_default_config()["supported_languages"]
    assert language_of(detector, "Buongiorno, vorrei sapere quando arriva il mio ordine, grazie mille") == "it"
    assert language_of(detector, "ciao", locale="it-IT") == "it"
    assert language_of(detector, "hola, dónde está mi pedido? ya pasó una semana") == "es"
    assert language_of(detector, "Xin chào, đơn hàng của tôi đang ở đâu vậy?") == "vi"


def test_content_validation_expects_the_language(italian: None) -> None:
    """Content tooling checks every registry language, so Italian's training data is now required."""
    assert ContentSettings().languages[-1] == "it"


def tokens_of(text: str, tmp_path: Path, **config: object) -> list[str]:
    """The token texts of a MultilingualTokenizer built the way Rasa builds it: its defaults, then ``config``."""
    component = MultilingualTokenizer.create(
        {**MultilingualTokenizer.get_default_config(), **config},
        LocalModelStorage(tmp_path),
        Resource("tokenizer"),
        ExecutionContext(GraphSchema({}), "test-model"),
    )
    message = component.process([Message(data={TEXT: text})])[0]
    return [token.text for token in message.get(TOKENS_NAMES[TEXT])]


@pytest.mark.parametrize(
    ("tokenizers", "extra", "text", "expected"),
    [
        # the shipped words: Chinese per character
        ({"zh": "characters"}, (), "我想取消订单", ["我", "想", "取", "消", "订", "单"]),
        # Chinese naming jieba: dictionary words
        ({"zh": "segmenter:jieba"}, (), "我想取消订单", ["我", "想", "取消", "订单"]),
        # Chinese and Japanese keeping runs whole: Han and hiragana runs are one token each
        ({"zh": "words", "ja": "words"}, (), "注文をキャンセルしたい", ["注文", "を", "キャンセル", "したい"]),
        # the shipped Japanese: kanji and hiragana per character, the katakana loanword whole
        ({"ja": "characters"}, (), "注文をキャンセルしたい", ["注", "文", "を", "キャンセル", "し", "た", "い"]),
        # a Thai-script language saying characters: grapheme clusters, each mark with its consonant
        ({}, (THAI_ENTRY,), "ฉันต้อง", ["ฉั", "น", "ต้", "อ", "ง"]),
        # the same language saying words: the run stays whole
        ({}, ({**THAI_ENTRY, "tokenizer": "words"},), "ฉันต้อง", ["ฉันต้อง"]),
    ],
)
def test_the_registry_decides_how_unspaced_scripts_are_cut(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tokenizers: dict[str, str],
    extra: tuple[dict[str, object], ...],
    text: str,
    expected: list[str],
) -> None:
    """With no han_segmentation or split_thai in config.yml, the languages writing a script choose its cut."""
    monkeypatch.setenv("NIMBUS_LANGUAGES_FILE", str(registry_cutting(tmp_path / "registry", tokenizers, extra)))
    assert tokens_of(text, tmp_path) == expected


@pytest.mark.parametrize(
    ("tokenizers", "extra", "config", "text", "expected"),
    [
        # Chinese names jieba, config.yml asks for characters
        ({"zh": "segmenter:jieba"}, (), {"han_segmentation": "char"}, "取消订单", ["取", "消", "订", "单"]),
        # Chinese says characters, config.yml asks for jieba
        ({"zh": "characters"}, (), {"han_segmentation": "jieba"}, "取消订单", ["取消", "订单"]),
        # Thai says characters, config.yml keeps runs whole
        ({}, (THAI_ENTRY,), {"split_thai": False}, "ฉันต้อง", ["ฉันต้อง"]),
    ],
)
def test_an_explicit_config_option_wins_over_the_registry(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tokenizers: dict[str, str],
    extra: tuple[dict[str, object], ...],
    config: dict[str, object],
    text: str,
    expected: list[str],
) -> None:
    """han_segmentation and split_thai in config.yml are taken as written, whatever the registry says."""
    monkeypatch.setenv("NIMBUS_LANGUAGES_FILE", str(registry_cutting(tmp_path / "registry", tokenizers, extra)))
    assert tokens_of(text, tmp_path, **config) == expected


def test_languages_that_cut_a_shared_script_differently_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chinese on jieba while Japanese keeps characters: Japanese kanji would be cut two ways, so nothing starts."""
    path = registry_cutting(tmp_path / "registry", {"zh": "segmenter:jieba", "ja": "characters"})
    monkeypatch.setenv("NIMBUS_LANGUAGES_FILE", str(path))
    with pytest.raises(ValueError, match="language 'ja' says tokenizer 'characters' but 'zh' says 'segmenter:jieba'"):
        MultilingualTokenizer.get_default_config()
