"""Rules for the held-out benchmark questions (bench/kb/questions/<lang>.yml): coverage of every article,
out-of-scope questions, valid labels, and no leakage from the articles or the calibration set."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from tests.kb_content.content import (
    ARTICLE_IDS,
    CALIBRATION_FILE,
    LANGUAGES,
    QUESTIONS_DIR,
    normalise,
    read_articles,
    read_question_file,
)

MIN_IN_SCOPE = 40
MIN_PER_ARTICLE = 2
MIN_OUT_OF_SCOPE = 10


def _questions(language: str) -> list[dict[str, object]]:
    data = read_question_file(QUESTIONS_DIR / f"{language}.yml")
    assert language == data["language"]
    questions = data["questions"]
    assert isinstance(questions, list)
    return questions


def test_one_file_per_language() -> None:
    """There is exactly one question file per core language."""
    assert sorted(f"{language}.yml" for language in LANGUAGES) == sorted(p.name for p in QUESTIONS_DIR.glob("*.yml"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_questions_are_well_formed(language: str) -> None:
    """Each entry has a non-empty `text` and an `article` that is a known id or null, and nothing else."""
    for item in _questions(language):
        assert {"text", "article"} == set(item), item
        assert isinstance(item["text"], str) and item["text"].strip(), item
        assert item["article"] is None or item["article"] in ARTICLE_IDS, item


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_article_is_covered_and_out_of_scope_is_present(language: str) -> None:
    """40+ in-scope questions, at least 2 per article, and 10+ out-of-scope questions."""
    labels = Counter(item["article"] for item in _questions(language))
    out_of_scope = labels.pop(None, 0)
    assert sum(labels.values()) >= MIN_IN_SCOPE
    assert {article_id: count for article_id, count in labels.items() if count < MIN_PER_ARTICLE} == {}
    assert set(ARTICLE_IDS) == set(labels)
    assert out_of_scope >= MIN_OUT_OF_SCOPE


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_duplicate_questions(language: str) -> None:
    """A question appears once per file, ignoring case, accents and punctuation."""
    texts = [normalise(str(item["text"])) for item in _questions(language)]
    assert [text for text, count in Counter(texts).items() if count > 1] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_questions_are_held_out_from_the_articles(language: str) -> None:
    """No benchmark question is an article's title or sample question (in any language), accents aside."""
    seen: set[str] = set()
    for article in read_articles().values():
        for code in LANGUAGES:
            seen.add(normalise(article.front["title"][code]))
            seen.update(normalise(question) for question in article.front["questions"][code])
    leaked = [item["text"] for item in _questions(language) if normalise(str(item["text"])) in seen]
    assert leaked == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_out_of_scope_questions_are_held_out_from_calibration(language: str) -> None:
    """Out-of-scope benchmark questions are not the ones the KB uses to calibrate its threshold."""
    if not CALIBRATION_FILE.exists():
        pytest.skip("no calibration set in kb/calibration/out_of_scope.yml")
    calibration = yaml.safe_load(CALIBRATION_FILE.read_text(encoding="utf-8")) or {}
    used = {normalise(str(text)) for text in calibration.get(language, [])}
    leaked = [item["text"] for item in _questions(language) if normalise(str(item["text"])) in used]
    assert leaked == []
