"""The KB's labelled faq examples (kb/calibration/faq_labels.yml) and the second held-out question set
(bench/kb/questions/dialect/): labels point at real examples and articles; the held-out sets stay held out from
everything the retriever learns from."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.kb_content.content import (
    ARTICLE_IDS,
    CALIBRATION_FILE,
    LANGUAGES,
    QUESTIONS_DIR,
    ROOT,
    normalise,
    read_articles,
    read_question_file,
)

LABELS_FILE = ROOT / "kb" / "calibration" / "faq_labels.yml"
DIALECT_DIR = QUESTIONS_DIR / "dialect"


def _labels() -> dict[str, dict[str, list[str]]]:
    return dict(yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8")))


def _intent_examples(language: str, intent: str) -> list[str]:
    data = yaml.safe_load((ROOT / "nlu_data" / language / "nlu.yml").read_text(encoding="utf-8"))
    found: list[str] = []
    for block in data["nlu"]:
        if block.get("intent") == intent:
            found += [line.strip()[2:] for line in block["examples"].splitlines() if line.strip().startswith("- ")]
    return found


def _questions(directory: Path, language: str) -> list[dict[str, object]]:
    data = read_question_file(directory / f"{language}.yml")
    assert language == data["language"]
    return list(data["questions"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_labels_name_faq_examples_and_articles(language: str) -> None:
    """Every labelled text is still an `faq` example of that language, labelled once, with a real article id."""
    labels = _labels()[language]
    examples = set(_intent_examples(language, "faq"))
    texts = [text for texts in labels.values() for text in texts]
    assert [text for text in texts if text not in examples] == []
    assert [text for text, count in Counter(texts).items() if count > 1] == []
    assert set(labels) <= set(ARTICLE_IDS)
    assert set(ARTICLE_IDS) == set(labels), "every article has labelled examples"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("directory", [QUESTIONS_DIR, DIALECT_DIR], ids=["dev", "dialect"])
def test_held_out_sets_exclude_labelled_training_examples(directory: Path, language: str) -> None:
    """No held-out question is an faq or out_of_scope training example the classifier is fitted on."""
    trained = {
        normalise(text) for text in _intent_examples(language, "faq") + _intent_examples(language, "out_of_scope")
    }
    leaked = [item["text"] for item in _questions(directory, language) if normalise(str(item["text"])) in trained]
    assert leaked == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_dialect_set_is_complete_and_held_out(language: str) -> None:
    """The second set covers every article twice, has 10+ out-of-scope questions, valid labels, no duplicates, and
    shares no question with the first set, the articles or the calibration set."""
    items = _questions(DIALECT_DIR, language)
    labels = Counter(item["article"] for item in items)
    assert labels.pop(None, 0) >= 10
    assert set(ARTICLE_IDS) == set(labels) and min(labels.values()) >= 2
    texts = [normalise(str(item["text"])) for item in items]
    assert [text for text, count in Counter(texts).items() if count > 1] == []
    seen = {normalise(str(item["text"])) for item in _questions(QUESTIONS_DIR, language)}
    for article in read_articles().values():
        for code in LANGUAGES:
            seen.add(normalise(article.front["title"][code]))
            seen.update(normalise(question) for question in article.front["questions"][code])
    calibration = yaml.safe_load(CALIBRATION_FILE.read_text(encoding="utf-8")) or {}
    seen.update(normalise(str(text)) for text in calibration.get(language, []))
    assert [text for text in texts if text in seen] == []


CHAT_DIR = ROOT / "kb" / "calibration" / "chat_questions"


@pytest.mark.parametrize("language", LANGUAGES)
def test_chat_questions_cover_every_article_and_stay_apart_from_the_held_out_sets(language: str) -> None:
    """The chat-register questions name real articles (8+ each), 20+ out-of-scope ones, no duplicates, and none is
    a question of either held-out set (the sets must measure questions the retriever never learnt from)."""
    data = yaml.safe_load((CHAT_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    assert data["language"] == language
    articles: dict[str, list[str]] = data["articles"]
    assert set(articles) == set(ARTICLE_IDS)
    assert min(len(texts) for texts in articles.values()) >= 8
    assert len(data["out_of_scope"]) >= 20
    texts = [normalise(str(text)) for texts in articles.values() for text in texts]
    texts += [normalise(str(text)) for text in data["out_of_scope"]]
    assert [text for text, count in Counter(texts).items() if count > 1] == []
    held_out = {
        normalise(str(item["text"]))
        for directory in (QUESTIONS_DIR, DIALECT_DIR)
        for item in _questions(directory, language)
    }
    assert sorted(set(texts) & held_out) == []
