"""Words that only one language's training examples use: in-domain evidence of language for short messages.

Statistical detectors cannot tell "hola" or "obrigado" from other languages on their own (too few letters), yet
the assistant's own training data can: "hola" occurs in many Spanish examples and in no example of another
language. The lexicon keeps, per word, the languages whose examples use it, and judges a message only when all its
language-specific words point to one and the same language. Words several languages share ("ok", "no") say
nothing; which intents' examples are learned from is the component's setting (bot.components.domain_language).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased words without diacritics ("Olá" -> "ola"), letters only."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in folded if not unicodedata.combining(char))
    return WORD.findall(stripped)


def keys(text: str) -> set[str]:
    """The words of `text` without diacritics and, where they differ, as written: "sí" is Spanish evidence even
    though "si" is not (French writes it too)."""
    written = WORD.findall(unicodedata.normalize("NFC", text.casefold()))
    return set(words(text)) | set(written)


@dataclass
class DomainLexicon:
    """Per word, how many training examples of each language contain it."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    min_count: int = 2
    # Also count words as written (with their diacritics), not only folded.
    written_forms: bool = True

    def _keys(self, text: str) -> set[str]:
        return keys(text) if self.written_forms else set(words(text))

    @classmethod
    def learn(
        cls, examples: Iterable[tuple[str, str]], min_count: int = 2, written_forms: bool = True
    ) -> DomainLexicon:
        """From (text, language) pairs."""
        lexicon = cls({}, min_count, written_forms)
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for text, language in examples:
            for word in lexicon._keys(text):
                counts[word][language] += 1
        lexicon.counts = {word: dict(by_language) for word, by_language in counts.items()}
        return lexicon

    def language_of(self, word: str) -> str | None:
        """The one language whose examples use `word` often enough while no other language uses it at all."""
        by_language = self.counts.get(word)
        if not by_language or len(by_language) != 1:
            return None
        [(language, count)] = by_language.items()
        return language if count >= self.min_count else None

    def guess(self, text: str) -> str | None:
        """The language that every language-specific word of `text` points to; None when they disagree or when no
        word is specific to one language (shared and unknown words say nothing)."""
        languages = {language for word in self._keys(text) if (language := self.language_of(word))}
        return languages.pop() if len(languages) == 1 else None

    def as_dict(self) -> dict[str, object]:
        return {"min_count": self.min_count, "written_forms": self.written_forms, "counts": self.counts}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DomainLexicon:
        counts = data.get("counts") or {}
        assert isinstance(counts, dict)
        min_count = data.get("min_count", 2)
        assert isinstance(min_count, int)
        counts_by_word = {str(w): {str(k): int(v) for k, v in c.items()} for w, c in counts.items()}
        return cls(counts_by_word, min_count, bool(data.get("written_forms", False)))
