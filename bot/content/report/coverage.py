"""Coverage matrices: examples per intent x language, variations per response x language."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.content.corpus import NluCorpus, ResponseSet


@dataclass(frozen=True)
class Coverage:
    """Counts per (row, language); zero means missing."""

    rows: tuple[str, ...]
    languages: tuple[str, ...]
    counts: dict[tuple[str, str], int]

    def missing(self) -> tuple[tuple[str, str], ...]:
        """(row, language) cells with nothing in them."""
        return tuple(
            (row, language)
            for row in self.rows
            for language in self.languages
            if self.counts.get((row, language), 0) == 0
        )


def intent_coverage(corpus: NluCorpus, languages: Sequence[str]) -> Coverage:
    """Examples per intent per language."""
    counts: Counter[tuple[str, str]] = Counter()
    for example in corpus.examples:
        if example.language is not None and example.language in languages:
            counts[(example.intent, example.language)] += 1
    return Coverage(tuple(corpus.intents()), tuple(languages), dict(counts))


def response_coverage(responses: ResponseSet, languages: Sequence[str], slot: str) -> Coverage:
    """Variations per response per language."""
    counts: Counter[tuple[str, str]] = Counter()
    for name, variations in responses.variations.items():
        for variation in variations:
            language = variation.language(slot)
            if language is not None and language in languages:
                counts[(name, language)] += 1
    return Coverage(tuple(sorted(responses.variations)), tuple(languages), dict(counts))
