"""Unicode script classification for language detection and tokenization (pure, no Rasa).

A chat message is reduced to a `ScriptProfile`: how many letters of each writing system it holds once
things that carry no language (order ids, numbers, URLs, e-mail addresses, @mentions, emoji,
punctuation) are removed. Scripts decide a lot on their own: Arabic letters can only be `ar` among the
supported languages, Han without kana can only be `zh`, kana means Japanese, Hangul Korean.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from language_registry import registry

LATIN = "latin"
ARABIC = "arabic"
HAN = "han"
KANA = "kana"
HANGUL = "hangul"
THAI = "thai"
CYRILLIC = "cyrillic"
GREEK = "greek"
HEBREW = "hebrew"
DEVANAGARI = "devanagari"
OTHER = "other"

# (first, last, script) code point ranges, checked in order; letters outside them fall back on `OTHER`.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, LATIN),
    (0x1E00, 0x1EFF, LATIN),
    (0xFF21, 0xFF5A, LATIN),  # full-width Latin letters
    (0x0370, 0x03FF, GREEK),
    (0x0400, 0x052F, CYRILLIC),
    (0x0590, 0x05FF, HEBREW),
    (0x0600, 0x06FF, ARABIC),
    (0x0750, 0x077F, ARABIC),
    (0x08A0, 0x08FF, ARABIC),
    (0xFB50, 0xFDFF, ARABIC),
    (0xFE70, 0xFEFF, ARABIC),
    (0x0900, 0x097F, DEVANAGARI),
    (0x0E00, 0x0E7F, THAI),
    (0x1100, 0x11FF, HANGUL),
    (0x3130, 0x318F, HANGUL),
    (0xAC00, 0xD7AF, HANGUL),
    (0x3040, 0x30FF, KANA),
    (0x31F0, 0x31FF, KANA),
    (0xFF66, 0xFF9F, KANA),
    (0x3400, 0x4DBF, HAN),
    (0x4E00, 0x9FFF, HAN),
    (0xF900, 0xFAFF, HAN),
    (0x20000, 0x2FA1F, HAN),
)

# Which script each language is written in, the registry's languages as it says. Japanese is written with Han *and*
# kana; a text with kana is Japanese, a text with Han only is Chinese (Japanese without any kana in a chat message
# is rare).
_KNOWN_SCRIPTS: dict[str, str] = {
    "en": LATIN,
    "es": LATIN,
    "pt": LATIN,
    "fr": LATIN,
    "de": LATIN,
    "it": LATIN,
    "nl": LATIN,
    "id": LATIN,
    "tr": LATIN,
    "pl": LATIN,
    "vi": LATIN,
    "ar": ARABIC,
    "fa": ARABIC,
    "ur": ARABIC,
    "zh": HAN,
    "ja": KANA,
    "ko": HANGUL,
    "th": THAI,
    "ru": CYRILLIC,
    "uk": CYRILLIC,
    "el": GREEK,
    "he": HEBREW,
    "hi": DEVANAGARI,
}
LANGUAGE_SCRIPTS: dict[str, str] = {**_KNOWN_SCRIPTS, **{item.code: item.script for item in registry().languages}}


def language_script(code: str) -> str | None:
    """The script ``code`` is written in: the registry's word for its languages, else the table above."""
    entry = registry().get(code)
    return entry.script if entry is not None else _KNOWN_SCRIPTS.get(code)


# Han characters carry about a word each: they weigh more than a Latin letter when scripts are mixed.
_SCRIPT_WEIGHT: dict[str, float] = {HAN: 2.0, KANA: 1.5, HANGUL: 1.5}

# Arabic marks that decorate letters without changing the word: harakat, superscript alef, tatweel.
ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")

# Spans that carry no language: URLs, e-mail addresses, @mentions and #tags, and any word with a digit
# in it (order ids like NB-123456, prices, dates, phone numbers). Only ASCII letters join a digit's word:
# Han and Arabic text has no spaces around numbers (明天3点), so \w would swallow whole sentences.
_NON_LINGUISTIC = re.compile(
    r"https?://\S+|www\.\S+"
    r"|[\w.+-]+@[\w-]+\.[\w.-]+"
    r"|[@#]\w+"
    r"|[A-Za-z0-9_\-/.:]*\d[A-Za-z0-9_\-/.:]*",
)


def script_of(char: str) -> str | None:
    """The script of one letter, or None when `char` is not a letter (digit, mark, emoji, space)."""
    code = ord(char)
    if code == 0x3007:  # ideographic number zero is a Han character but not alphabetic
        return HAN
    if not char.isalpha():
        return None
    for first, last, script in _RANGES:
        if first <= code <= last:
            return script
    return OTHER


def strip_non_linguistic(text: str) -> str:
    """Replace URLs, e-mails, mentions and words containing digits by spaces (same length as `text`)."""
    return _NON_LINGUISTIC.sub(lambda match: " " * len(match.group()), text)


@dataclass(frozen=True)
class ScriptProfile:
    """Letters per script in the linguistic part of a text."""

    counts: dict[str, int] = field(default_factory=dict)
    linguistic_text: str = ""

    @property
    def letters(self) -> int:
        """How many letters the text holds once ids, numbers, emoji and punctuation are set aside."""
        return sum(self.counts.values())

    @property
    def has_linguistic_content(self) -> bool:
        """False for emoji, ids, numbers and punctuation only: such text tells nothing about language."""
        return self.letters > 0

    @property
    def dominant(self) -> str | None:
        """The script that carries most of the text (Han weighs about a word per character)."""
        if not self.counts:
            return None
        weighted = {script: count * _SCRIPT_WEIGHT.get(script, 1.0) for script, count in self.counts.items()}
        return max(sorted(weighted), key=lambda script: weighted[script])

    def primary(self, min_share: float = 0.2) -> str | None:
        """The script that tells the language: a non-Latin script holding at least `min_share` of the
        weighted letters wins over Latin, because Latin inside Arabic or Chinese chat is names and brands
        ("شغل Shadowplay", "我的 iPhone 坏了"), while the reverse is rare."""
        non_latin = {script: self.share(script) for script in self.counts if script != LATIN}
        if non_latin:
            best = max(sorted(non_latin), key=lambda script: non_latin[script])
            if non_latin[best] >= min_share:
                return best
        return self.dominant

    def share(self, script: str) -> float:
        """The weighted fraction of the letters that belong to `script`."""
        weighted = {name: count * _SCRIPT_WEIGHT.get(name, 1.0) for name, count in self.counts.items()}
        total = sum(weighted.values())
        return weighted.get(script, 0.0) / total if total else 0.0


def profile(text: str) -> ScriptProfile:
    """Count the letters per script in `text`, ignoring ids, numbers, URLs, mentions and emoji."""
    linguistic = strip_non_linguistic(text)
    counts = Counter(script for script in map(script_of, linguistic) if script is not None)
    # A text with any kana is Japanese: its Han characters (kanji) are Japanese too.
    if counts.get(KANA) and counts.get(HAN):
        counts[KANA] += counts.pop(HAN)
    return ScriptProfile(counts=dict(counts), linguistic_text=" ".join(linguistic.split()))


__all__ = [
    "ARABIC",
    "ARABIC_DIACRITICS",
    "HAN",
    "KANA",
    "LANGUAGE_SCRIPTS",
    "LATIN",
    "THAI",
    "ScriptProfile",
    "language_script",
    "profile",
    "script_of",
    "strip_non_linguistic",
]
