"""Fallback order and language names used in the "other language" note."""

from __future__ import annotations

import pytest

from kb import LANGUAGES, fallback_order, language_name


@pytest.mark.parametrize(
    ("language", "expected_first"),
    [
        ("pt", ("pt", "es", "en")),  # Portuguese readers read Spanish before English
        ("es", ("es", "pt", "en")),
        ("ar", ("ar", "en", "fr")),
        ("de", ("en", "es", "pt")),  # unsupported language: English first
    ],
)
def test_fallback_order(language: str, expected_first: tuple[str, ...]) -> None:
    """Closest languages first; every supported language appears exactly once."""
    order = fallback_order(language)
    assert order[:3] == expected_first
    assert sorted(order) == sorted(LANGUAGES)


def test_language_names_in_customer_language() -> None:
    """The note names the article's language in the customer's language."""
    assert language_name("es", "pt") == "espanhol"
    assert language_name("en", "fr") == "anglais"
    assert language_name("en", "zh") == "英文"
    assert language_name("fr", "de") == "French"
    assert all(language_name(code, customer) for code in LANGUAGES for customer in LANGUAGES)
