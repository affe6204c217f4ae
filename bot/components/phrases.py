"""Entity values learned as phrases: every surface form the training data names, found again in new messages.

Some entities have a closed set of values that customers spell in a few known ways: the language a customer asks
for ("español", "inglés", "葡萄牙语", "العربية"). For them a table of phrases beats a tagger: it needs no model, it
finds a phrase inside Chinese text that has no spaces, and it gives the normalised value at once. A phrase matches
without regard to case or accents ("espanol" finds "español") and only on token boundaries, so "english" is not
found inside "englishman" while "葡萄牙语" is found inside "请说葡萄牙语" (each Chinese character is a token).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def fold(text: str) -> str:
    """Lower case without diacritics, one character for each character of `text`, so that offsets stay valid."""
    return "".join(_fold_char(char) for char in text)


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0]
    lowered = base.lower()
    return lowered[0] if lowered else char


@dataclass(frozen=True)
class PhraseMatch:
    entity: str
    value: str
    start: int
    end: int


@dataclass
class PhraseTable:
    """Folded phrase -> (entity, value)."""

    phrases: dict[str, tuple[str, str]]

    @classmethod
    def learn(cls, entries: Iterable[tuple[str, str, str]]) -> PhraseTable:
        """From (surface text, entity, value) triples; the first value given for a phrase wins."""
        phrases: dict[str, tuple[str, str]] = {}
        for surface, entity, value in entries:
            folded = fold(surface.strip())
            if folded:
                phrases.setdefault(folded, (entity, value))
        return cls(phrases)

    def find(self, text: str, token_spans: Sequence[tuple[int, int]]) -> list[PhraseMatch]:
        """Phrases of `text` that start where a token starts and end where a token ends; longest first where
        two overlap, then leftmost. Returned in text order."""
        starts = {start for start, _ in token_spans}
        ends = {end for _, end in token_spans}
        folded = fold(text)
        candidates: list[PhraseMatch] = []
        for phrase, (entity, value) in self.phrases.items():
            at = folded.find(phrase)
            while at != -1:
                if at in starts and at + len(phrase) in ends:
                    candidates.append(PhraseMatch(entity, value, at, at + len(phrase)))
                at = folded.find(phrase, at + 1)
        chosen: list[PhraseMatch] = []
        for match in sorted(candidates, key=lambda match: (match.start - match.end, match.start)):
            if all(match.end <= other.start or other.end <= match.start for other in chosen):
                chosen.append(match)
        return sorted(chosen, key=lambda match: match.start)

    def as_dict(self) -> dict[str, list[str]]:
        return {phrase: [entity, value] for phrase, (entity, value) in self.phrases.items()}

    @classmethod
    def from_dict(cls, data: dict[str, list[str]]) -> PhraseTable:
        return cls({phrase: (entity, value) for phrase, (entity, value) in data.items()})
