"""Supported languages and the order in which to fall back when an article lacks one."""

from __future__ import annotations

__all__ = ["LANGUAGES", "fallback_order", "language_name"]

LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "fr", "ar", "zh")

# Closest languages a customer most likely reads, best first. English closes every list
# because every demo team speaks it (see the queue table in DEMO_DOMAIN.md).
_CLOSEST: dict[str, tuple[str, ...]] = {
    "en": ("es", "fr", "pt", "zh", "ar"),
    "es": ("pt", "en", "fr", "ar", "zh"),
    "pt": ("es", "en", "fr", "ar", "zh"),
    "fr": ("en", "es", "pt", "ar", "zh"),
    "ar": ("en", "fr", "es", "pt", "zh"),
    "zh": ("en", "es", "fr", "pt", "ar"),
}


def fallback_order(language: str) -> tuple[str, ...]:
    """Return the languages to try for a customer who speaks ``language``, the language itself first.

    An unknown language (``de``, ``ja``) falls back to English, then the others in order.
    """
    if language in _CLOSEST:
        return (language, *_CLOSEST[language])
    return ("en", *(code for code in LANGUAGES if code != "en"))


# Name of each language (inner key) written in each customer language (outer key), as it reads after
# "in ..." / "en ..." in the note that an article is shown in another language.
_NAMES: dict[str, dict[str, str]] = {
    "en": {"en": "English", "es": "Spanish", "pt": "Portuguese", "fr": "French", "ar": "Arabic", "zh": "Chinese"},
    "es": {"en": "inglés", "es": "español", "pt": "portugués", "fr": "francés", "ar": "árabe", "zh": "chino"},
    "pt": {"en": "inglês", "es": "espanhol", "pt": "português", "fr": "francês", "ar": "árabe", "zh": "chinês"},
    "fr": {"en": "anglais", "es": "espagnol", "pt": "portugais", "fr": "français", "ar": "arabe", "zh": "chinois"},
    "ar": {
        "en": "الإنجليزية",
        "es": "الإسبانية",
        "pt": "البرتغالية",
        "fr": "الفرنسية",
        "ar": "العربية",
        "zh": "الصينية",
    },
    "zh": {"en": "英文", "es": "西班牙文", "pt": "葡萄牙文", "fr": "法文", "ar": "阿拉伯文", "zh": "中文"},
}


def language_name(code: str, in_language: str) -> str:
    """The name of language ``code`` written in ``in_language`` (English names for unknown languages)."""
    names = _NAMES.get(in_language, _NAMES["en"])
    return names.get(code, _NAMES["en"].get(code, code))
