"""Closed-list entities from the phrases the training data names: matching on token boundaries in every script,
without regard to case or accents, and the Rasa component inside a tiny model without DIET."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException

from bot.components.phrase_entity_extractor import PhraseEntityExtractor
from bot.components.phrases import PhraseTable, fold
from tests.bot.tiny_model import parse, train_tiny

TABLE = PhraseTable.learn(
    [
        ("español", "language", "es"),
        ("inglés", "language", "en"),
        ("english", "language", "en"),
        ("葡萄牙语", "language", "pt"),
        ("巴西葡萄牙语", "language", "pt"),
        ("العربية", "language", "ar"),
        ("brazilian portuguese", "language", "pt"),
        ("portuguese", "language", "pt"),
    ]
)


def _spans(text: str, tokens: list[str]) -> list[tuple[int, int]]:
    spans, at = [], 0
    for token in tokens:
        at = text.index(token, at)
        spans.append((at, at + len(token)))
        at += len(token)
    return spans


def test_fold_keeps_one_character_per_character() -> None:
    for text in ["Español", "PORTUGUÊS do Brasil", "العربية", "葡萄牙语", "İstanbul", "straße"]:
        assert len(fold(text)) == len(text)
    assert fold("Español INGLÉS") == "espanol ingles"


def test_latin_phrases_match_whole_tokens_without_case_or_accents() -> None:
    text = "Hablas ESPANOL o ingles?"
    matches = TABLE.find(text, _spans(text, ["Hablas", "ESPANOL", "o", "ingles", "?"]))
    assert [(match.value, text[match.start : match.end]) for match in matches] == [("es", "ESPANOL"), ("en", "ingles")]
    text = "an englishman"
    assert TABLE.find(text, _spans(text, ["an", "englishman"])) == []


def test_phrases_inside_unspaced_chinese_and_arabic() -> None:
    text = "请说巴西葡萄牙语"
    [match] = TABLE.find(text, _spans(text, list(text)))
    assert (match.value, text[match.start : match.end]) == ("pt", "巴西葡萄牙语")  # the longest phrase wins
    text = "ممكن بالعربية"  # the phrase glued to a prefix is a different token
    assert TABLE.find(text, _spans(text, ["ممكن", "بالعربية"])) == []
    text = "ممكن العربية"
    assert [match.value for match in TABLE.find(text, _spans(text, ["ممكن", "العربية"]))] == ["ar"]


def test_overlapping_phrases_keep_the_longest() -> None:
    text = "brazilian portuguese please"
    matches = TABLE.find(text, _spans(text, ["brazilian", "portuguese", "please"]))
    assert [(match.start, match.end) for match in matches] == [(0, 20)]


def test_a_bad_configuration_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfigException, match="entities"):
        PhraseEntityExtractor({"entities": "language"}, LocalModelStorage(tmp_path), Resource("phrases"))


CONFIG = """
recipe: default.v1
language: xx
pipeline:
  - name: bot.components.multilingual_tokenizer.MultilingualTokenizer
  - name: RegexFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: bot.components.linear_intent_classifier.LinearIntentClassifier
  - name: RegexEntityExtractor
    use_lookup_tables: false
  - name: bot.components.phrase_entity_extractor.PhraseEntityExtractor
  - name: EntitySynonymMapper
"""

NLU = """
version: "3.1"
nlu:
- regex: order_id
  examples: |
    - [Nn][Bb]-?\\d{6}
- synonym: es
  examples: |
    - español
    - castellano
- synonym: zh
  examples: |
    - 中文
    - 汉语
- lookup: language
  examples: |
    - français
- intent: change_language
  examples: |
    - can you speak [spanish]{"entity": "language", "value": "es"}
    - switch to [English](language)
    - [español]{"entity": "language", "value": "es"} por favor
    - hablame en [ingles]{"entity": "language", "value": "en"}
    - 请用[中文]{"entity": "language", "value": "zh"}
    - 换成[英语]{"entity": "language", "value": "en"}
- intent: order_status
  examples: |
    - where is my order [NB-204519](order_id)
    - status of [nb-118273](order_id)
    - track order [NB-553012](order_id) please
    - has my parcel shipped
    - dónde está mi pedido [NB-900144](order_id)
    - 我的订单[NB-731209](order_id)在哪里
"""


def test_a_model_without_diet_tags_languages_and_order_ids(tmp_path: Path) -> None:
    """Trained, saved and loaded as the server does: annotated forms, their synonyms and the lookup table are
    found in unspaced Chinese and without accents; order ids come from the regex; values are normalised."""
    agent = train_tiny(tmp_path, CONFIG, NLU)

    def entities(text: str) -> list[tuple[str, str]]:
        return [(entity["entity"], entity["value"]) for entity in parse(agent, text)["entities"]]

    assert entities("Castellano, por favor") == [("language", "es")]  # a synonym of an annotated value
    assert entities("puedes hablar espanol?") == [("language", "es")]  # no accent
    assert entities("请说汉语") == [("language", "zh")]
    assert entities("parlez-vous français") == [("language", "français")]  # lookup table, no synonym
    assert entities("where is NB-123456") == [("order_id", "NB-123456")]
    assert entities("an englishman in new york") == []
    assert parse(agent, "请用英语")["intent"]["name"] == "change_language"
    assert all(entity["extractor"] != "DIETClassifier" for entity in parse(agent, "switch to english")["entities"])
