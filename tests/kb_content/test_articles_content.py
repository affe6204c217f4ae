"""Editorial rules for the knowledge-base articles (kb/articles/*.md): completeness, chat-sized short
answers, the same facts in every language, and each script's own punctuation."""

from __future__ import annotations

import re

import pytest

from tests.kb_content.content import ARTICLE_IDS, ARTICLES_DIR, LANGUAGES, ArticleContent, numbers, read_articles

ARTICLES = read_articles()
TOPICS = {"general", "orders", "billing", "account"}
SHORT_ANSWER_MAX_CHARS = 450
SHORT_ANSWER_MAX_SENTENCES = 3
# Sentence ends per script: Latin scripts end with . ! ? followed by a space or the end; Chinese with 。！？.
_SENTENCE_END = {
    "zh": re.compile(r"[。！？]"),
    "ja": re.compile(r"[。！？]"),
    "ar": re.compile(r"[.!؟](?:\s|$)"),
}
_LATIN_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_ACCENTED = {"es": "áéíóúñ¿¡", "pt": "áâãàçéêíóôõú", "fr": "àâçéèêëîïôûùœ"}


def _article(article_id: str) -> ArticleContent:
    return ARTICLES[article_id]


def test_exactly_the_demo_articles_exist() -> None:
    """The 20 article ids of DEMO_DOMAIN.md are a contract: each has one file, and no file is unknown."""
    assert sorted(ARTICLE_IDS) == sorted(ARTICLES)
    assert ARTICLES_DIR.is_dir()


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_front_matter_is_complete(article_id: str) -> None:
    """id matches the file, topic routes a handoff, tags exist, and every language has a title and 3-5 questions."""
    front = _article(article_id).front
    assert article_id == front["id"]
    assert front["topic"] in TOPICS
    assert front["tags"] and all(isinstance(tag, str) for tag in front["tags"])
    assert sorted(LANGUAGES) == sorted(front["title"])
    assert sorted(LANGUAGES) == sorted(front["questions"])
    for language in LANGUAGES:
        assert front["title"][language].strip(), language
        questions = front["questions"][language]
        assert 3 <= len(questions) <= 5, (language, questions)
        assert len({question.casefold() for question in questions}) == len(questions), language


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_every_language_has_a_section_in_canonical_order(article_id: str) -> None:
    """Sections appear once each, in the order en es pt fr ar zh, and none is empty."""
    article = _article(article_id)
    assert article.section_order == LANGUAGES
    assert all(article.sections[language] for language in LANGUAGES)


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_short_answer_stands_alone_in_chat(article_id: str, language: str) -> None:
    """The first paragraph is prose (not a list, table or heading), at most 3 sentences and 450 characters."""
    short = _article(article_id).short_answer(language)
    assert not short.startswith(("|", "#", "-", "*", "1.")), short
    assert len(short) <= SHORT_ANSWER_MAX_CHARS, len(short)
    sentence_end = _SENTENCE_END.get(language, _LATIN_SENTENCE_END)
    assert 1 <= len(sentence_end.findall(short)) <= SHORT_ANSWER_MAX_SENTENCES, short


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_short_answer_is_plain_text(article_id: str, language: str) -> None:
    """Channels show the short answer as it is: no Markdown emphasis, code or link syntax (quotes name buttons)."""
    short = _article(article_id).short_answer(language)
    assert not re.search(r"\*\*|__|`|\]\(", short), short


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_details_follow_the_short_answer(article_id: str) -> None:
    """Every section has details after the short answer, with a help-centre or account link."""
    article = _article(article_id)
    for language in LANGUAGES:
        details = article.sections[language][len(article.short_answer(language)) :].strip()
        assert details, language
        assert re.search(r"https://(?:help\.)?nimbus\.example/", article.sections[language]), language


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_translations_state_the_same_numbers_as_english(article_id: str, language: str) -> None:
    """Days, amounts, limits and hours are facts: a translation has exactly the numbers of the English text."""
    article = _article(article_id)
    english, translated = numbers(article.sections["en"]), numbers(article.sections[language])
    if language == "ar":
        # Arabic says one and two with singular and dual nouns (يوم عمل واحد، يومَي عمل، ساعتين), not digits.
        english, translated = english - {"1", "2"}, translated - {"1", "2"}
    assert english == translated


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_arabic_uses_arabic_punctuation(article_id: str) -> None:
    """Arabic text uses ، and ؟, never a Latin comma or question mark right after an Arabic word."""
    article = _article(article_id)
    texts = [article.sections["ar"], article.front["title"]["ar"], *article.front["questions"]["ar"]]
    for text in texts:
        assert not re.search(r"[\u0600-\u06ff][,?;]", text), text
    assert article.front["title"]["ar"].endswith("؟") or "؟" not in article.front["title"]["ar"]


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_chinese_uses_full_width_punctuation(article_id: str) -> None:
    """Chinese text uses ，。？：（） and “”, never half-width punctuation or straight quotes next to Han characters."""
    article = _article(article_id)
    texts = [article.sections["zh"], article.front["title"]["zh"], *article.front["questions"]["zh"]]
    for text in texts:
        assert not re.search(r"[\u4e00-\u9fff][,.?!;:()]|[,?!;(]\s*[\u4e00-\u9fff]", text), text
        assert '"' not in text, text


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
@pytest.mark.parametrize("language", ["es", "pt", "fr"])
def test_romance_languages_are_written_with_accents(article_id: str, language: str) -> None:
    """Spanish, Portuguese and French sections are written with their accents (a section without any is a typo)."""
    section = _article(article_id).sections[language]
    assert any(char in section for char in _ACCENTED[language]), language


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_order_ids_in_examples_have_the_demo_format(article_id: str) -> None:
    """Example order numbers look like NB-123456 in every language."""
    text = _article(article_id).path.read_text(encoding="utf-8")
    for order_id in re.findall(r"NB-\w*", text):
        assert re.fullmatch(r"NB-\d{6}", order_id) or order_id == "NB-", order_id
