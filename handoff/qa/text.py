"""Text normalisation and phrase matching shared by the phrase-based checks (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Alef with hamza or madda is written as a bare alef as often as not; tatweel only stretches a word.
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ـ": None})
# Curly quotes and apostrophes typed on phones, folded to the ASCII ones the phrase lists use.
_QUOTES_FOLD = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"'})


def normalise(text: str) -> str:
    """Case-folded, accent- and diacritic-free text with single spaces, so phrases match however they were typed."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_QUOTES_FOLD))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.translate(_ARABIC_FOLD).casefold().split())


def _unspaced(text: str) -> bool:
    """Whether the text is in a script written without spaces between words (Chinese, Japanese kana, Thai)."""
    return any(
        "\u3040" <= char <= "\u30ff" or "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"
        or "\u0e00" <= char <= "\u0e7f"
        for char in text
    )  # fmt: skip


@lru_cache(maxsize=4096)
def _pattern(phrase: str) -> re.Pattern[str]:
    """A phrase matches as whole words; Chinese, Japanese and Thai put no spaces between words, so there it matches
    anywhere."""
    escaped = re.escape(normalise(phrase))
    if _unspaced(phrase):
        return re.compile(escaped)
    return re.compile(rf"(?<!\w){escaped}(?!\w)")


def find_phrases(text: str, phrases: Iterable[str]) -> list[str]:
    """The phrases of ``phrases`` that occur in ``text``, in list order."""
    folded = normalise(text)
    return [phrase for phrase in phrases if phrase.strip() and _pattern(phrase).search(folded)]


def starts_with_phrase(text: str, phrases: Iterable[str]) -> bool:
    """Whether ``text`` begins with one of ``phrases`` (whole words; unspaced scripts: anywhere)."""
    folded = normalise(text).lstrip("¿¡\"'([ ")
    for phrase in phrases:
        if not phrase.strip():
            continue
        pattern = _pattern(phrase)
        match = pattern.search(folded)
        if match is not None and (_unspaced(phrase) or match.start() == 0):
            return True
    return False
