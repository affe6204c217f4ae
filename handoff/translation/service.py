"""The fail-soft translator the API uses: cache first, one provider call per batch, the original text on failure.

Also the pure language decisions: which language an agent reads (the first of their profile's languages) and
whether a conversation needs translation at all (not when the agent speaks the customer's language).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from handoff.translation.cache import TranslationCache
from handoff.translation.provider import TranslationError, TranslationProvider

logger = logging.getLogger("handoff.translation")

NO_PROVIDER = "none"
DEFAULT_LANGUAGE = "en"


def agent_language(languages: Sequence[str]) -> str:
    """The language an agent reads and writes in the console: the first one of their profile."""
    return languages[0] if languages else DEFAULT_LANGUAGE


def needs_translation(customer_language: str | None, agent_languages: Sequence[str]) -> bool:
    """Translate only when the customer's language is known and the agent does not speak it."""
    return bool(customer_language) and customer_language not in agent_languages


@dataclass(frozen=True, slots=True)
class Translated:
    """One text's translation; when ``failed``, ``text`` is the original, unchanged."""

    text: str
    source: str | None
    target: str
    provider: str
    failed: bool = False


class Translator:
    """Translates through one provider (or none) with an LRU cache and a pause after a failure.

    After a failed call the provider is left alone for ``retry_seconds``, so that a console reloading a long
    transcript does not wait for a timeout on every reload while the provider is down.
    """

    def __init__(
        self,
        provider: TranslationProvider | None,
        cache: TranslationCache,
        *,
        batch_size: int = 25,
        retry_seconds: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._provider = provider
        self._cache = cache
        self._batch_size = max(1, batch_size)
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """A provider is configured."""
        return self._provider is not None

    @property
    def provider_name(self) -> str:
        """The configured provider's name, or ``none``."""
        return self._provider.name if self._provider is not None else NO_PROVIDER

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[Translated]:
        """One result per text, in order; cached texts cost no call, the others go in batches."""
        provider = self._provider
        if provider is None or source == target:
            return [Translated(t, source, target, self.provider_name, failed=provider is None) for t in texts]
        results: dict[str, str] = {}
        missing: list[str] = []
        for text in dict.fromkeys(texts):
            if not text.strip():
                results[text] = text
                continue
            cached = self._cache.get(TranslationCache.key(provider.name, source, target, text))
            if cached is not None:
                results[text] = cached
            else:
                missing.append(text)
        failed: set[str] = set()
        for start in range(0, len(missing), self._batch_size):
            batch = missing[start : start + self._batch_size]
            translated = self._call(provider, batch, source, target)
            if translated is None:
                failed.update(batch)
                continue
            for original, translation in zip(batch, translated, strict=True):
                results[original] = translation
                self._cache.put(TranslationCache.key(provider.name, source, target, original), translation)
        return [Translated(results.get(t, t), source, target, provider.name, failed=t in failed) for t in texts]

    def _call(
        self, provider: TranslationProvider, batch: list[str], source: str | None, target: str
    ) -> list[str] | None:
        with self._lock:
            if self._clock() < self._paused_until:
                return None
        try:
            return provider.translate(batch, source, target)
        except TranslationError as e:
            # The error names the provider and the reason only: never the texts (personal data) or a key.
            logger.warning("translation %s->%s failed: %s", source or "auto", target, e)
            with self._lock:
                self._paused_until = self._clock() + self._retry_seconds
            return None
