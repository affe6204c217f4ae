"""Test doubles for the language-detection tests."""

from __future__ import annotations

SUPPORTED = ("en", "es", "pt", "fr", "ar", "zh")


class FixedBackend:
    """A backend that returns the same scores for every text, to test thresholds in isolation."""

    name = "fixed"

    def __init__(self, scores: dict[str, float], languages: tuple[str, ...] = SUPPORTED) -> None:
        self.languages = languages
        self._scores = scores
        self.calls: list[str] = []

    def scores(self, text: str) -> dict[str, float]:
        """The fixed scores; records the text it was asked about."""
        self.calls.append(text)
        return dict(self._scores)
