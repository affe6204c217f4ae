"""Article parsing and validation: clear errors for what content writers get wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import ArticleError, load_articles, validate_articles
from kb.articles import parse_article
from tests.kb.articles_fixture import ARTICLES, GIFT_CARDS, PASSWORD, SHIPPING, write_articles
from tests.language_kit import registry_of


def test_parses_short_answer_details_titles_and_questions(tmp_path: Path) -> None:
    """The first paragraph of a section is the short answer; the rest is detail."""
    directory = write_articles(tmp_path)
    article = parse_article(directory / "shipping-times.md")
    assert article.id == "shipping-times"
    assert article.topic == "orders"
    assert article.languages == ("en", "es", "pt", "fr", "ar", "zh")
    assert article.sections["en"].short_answer == "Standard delivery takes 3 to 5 business days after your order ships."
    assert article.sections["en"].details.startswith("Express delivery")
    assert article.questions["es"] == ("¿cuándo llega mi paquete?", "¿cuántos días tarda la entrega?")
    assert article.titles["es"] == "¿Cuánto tarda el envío?"


def test_missing_translation_is_a_warning_unless_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An article without pt/ar is loadable, reported, and rejected in strict mode (among the fixture's six)."""
    monkeypatch.setenv("NIMBUS_LANGUAGES_FILE", str(registry_of(("en", "es", "pt", "fr", "ar", "zh"), tmp_path / "r")))
    directory = write_articles(tmp_path)
    report = validate_articles(directory)
    assert report.errors == ()
    assert len(report.missing_translations) == 1
    assert "missing translation: pt, ar" in str(report.missing_translations[0])
    assert "gift-cards.md" in str(report.missing_translations[0])
    assert len(load_articles(directory)) == 3
    with pytest.raises(ArticleError, match="missing translation: pt, ar"):
        load_articles(directory, strict=True)


def test_duplicate_id_is_an_error(tmp_path: Path) -> None:
    """Two files declaring the same id: the second is rejected, naming the first."""
    directory = write_articles(tmp_path, {"shipping-times": SHIPPING, "zz-copy": SHIPPING})
    report = validate_articles(directory)
    assert len(report.articles) == 1
    messages = [str(error) for error in report.errors]
    assert len(messages) == 1
    assert "duplicate id 'shipping-times'" in messages[0]
    assert "zz-copy.md" in messages[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a language marker with nothing under it
        (
            PASSWORD.replace(
                "Cliquez sur « Mot de passe oublié » sur la page de connexion et suivez le lien reçu par e-mail.", ""
            ),
            "empty body for language 'fr'",
        ),
        # no front matter at all
        ("<!-- lang: en -->\nHello.\n", "missing YAML front matter"),
        # front matter but no language section
        ("---\nid: reset-password\ntitle:\n  en: T\n---\nJust text.\n", "no language section"),
        # text that belongs to no language
        ("---\nid: reset-password\ntitle:\n  en: T\n---\nIntro.\n<!-- lang: en -->\nBody.\n", "text before the first"),
        # a section in a language we do not support
        (PASSWORD.replace("<!-- lang: zh -->", "<!-- lang: de -->"), "unknown language 'de'"),
        # the same language twice
        (PASSWORD.replace("<!-- lang: zh -->", "<!-- lang: en -->"), "language 'en' has two sections"),
        # a body without a title in that language
        (PASSWORD.replace("  zh: 如何重置密码？\n", ""), "missing title for language(s) zh"),
        # an id that is not a slug
        (PASSWORD.replace("id: reset-password", "id: Reset Password"), "`id` must be a lowercase slug"),
        # a topic outside the routing skills
        (PASSWORD.replace("topic: account", "topic: sales"), "`topic` must be one of"),
        # broken YAML
        (PASSWORD.replace("tags: [password, login]", "tags: [password, login"), "front matter is not valid YAML"),
    ],
)
def test_invalid_article_reports_file_and_reason(tmp_path: Path, text: str, expected: str) -> None:
    """Each broken file yields one error naming the file and the problem."""
    directory = write_articles(tmp_path, {"reset-password": text})
    report = validate_articles(directory)
    assert report.articles == ()
    assert len(report.errors) == 1
    assert expected in str(report.errors[0])
    assert str(directory / "reset-password.md") in str(report.errors[0])


def test_file_name_must_match_id(tmp_path: Path) -> None:
    """`kb/articles/<id>.md`: a renamed file is reported."""
    directory = write_articles(tmp_path, {"gift-card": GIFT_CARDS})
    report = validate_articles(directory)
    assert "does not match id 'gift-cards'" in str(report.errors[0])


def test_load_articles_raises_first_error(tmp_path: Path) -> None:
    """load_articles fails fast on a hard error even when other files are fine."""
    broken = dict(ARTICLES)
    broken["reset-password"] = PASSWORD.replace("topic: account", "topic: nope")
    directory = write_articles(tmp_path, broken)
    with pytest.raises(ArticleError, match="topic"):
        load_articles(directory)


def test_real_articles_are_valid() -> None:
    """The shipped articles (written in parallel) have no hard errors and use the 20 fixed ids."""
    directory = Path(__file__).resolve().parents[2] / "kb" / "articles"
    report = validate_articles(directory)
    assert [str(error) for error in report.errors] == []
    fixed = {
        "shipping-times", "international-shipping", "track-order", "return-policy", "refund-timeline",
        "payment-methods", "reset-password", "two-factor", "change-email", "delete-account", "privacy-data",
        "cancel-subscription", "change-address", "invoice", "warranty", "damaged-item", "gift-cards",
        "student-discount", "support-hours", "cancel-order-before-shipping",
    }  # fmt: skip
    assert set() == {article.id for article in report.articles} - fixed
