"""The in-domain lexicon that tells the language of short messages from the assistant's own training examples."""

from __future__ import annotations

import pytest

from bot.components.domain_lexicon import DomainLexicon, words

EXAMPLES = [
    ("hola", "es"),
    ("hola, necesito ayuda", "es"),
    ("hola buenas", "es"),
    ("olá, preciso de ajuda", "pt"),
    ("oi, tudo bem? preciso de ajuda", "pt"),
    ("hello, I need help", "en"),
    ("hello there", "en"),
    ("bonjour, j'ai besoin d'aide", "fr"),
    ("bonjour", "fr"),
    ("ok thanks", "en"),
    ("ok gracias", "es"),
    ("nimbus help", "en"),
    ("nimbus ayuda", "es"),
]


@pytest.fixture
def lexicon() -> DomainLexicon:
    return DomainLexicon.learn(EXAMPLES, min_count=2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hola", "es"),  # only Spanish examples say it, twice or more
        ("Hola!!", "es"),  # case and punctuation do not matter
        ("hello", "en"),
        ("bonjour", "fr"),
        ("ola", None),  # "olá" once in Portuguese: below min_count
        ("ok", None),  # used by several languages: no verdict
        ("nimbus", None),  # the brand is in every language
        ("hola hello", None),  # specific words disagree
        ("ok hola", "es"),  # shared words say nothing, the specific one decides
        ("xyzzy", None),  # unknown
        ("👍", None),
    ],
)
def test_guess(lexicon: DomainLexicon, text: str, expected: str | None) -> None:
    """A verdict only when the message's language-specific words agree."""
    assert lexicon.guess(text) == expected


def test_round_trip_through_plain_data(lexicon: DomainLexicon) -> None:
    """What the component persists in model storage loads back identical."""
    assert DomainLexicon.from_dict(lexicon.as_dict()) == lexicon


def test_words_fold_case_and_diacritics() -> None:
    """Missing accents are common in chat: 'Olá' and 'ola' are the same word."""
    assert words("Olá, ¿Cómo estás? NB-123456") == ["ola", "como", "estas", "nb"]
