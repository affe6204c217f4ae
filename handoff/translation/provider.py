"""The translation provider interface every adapter implements, and its errors.

An adapter turns a batch of texts into the same number of translations in one HTTP call, or raises
:class:`TranslationError`; it never retries, caches or hides failures (the service does that).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import httpx


class TranslationError(RuntimeError):
    """A provider could not translate (unreachable, timed out, refused, or answered something unexpected).

    The message never contains the texts or a credential: it may be logged.
    """

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(f"{provider}: {reason}")
        self.provider = provider
        self.reason = reason


class TranslationConfigError(ValueError):
    """The settings name a provider without what it needs (raised at start-up, so the service fails fast)."""


class TranslationProvider(Protocol):
    """Translates batches of plain texts from one language into another."""

    name: str

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """One translation per text, in order; ``source`` None lets the provider detect it."""
        ...


def post_json(client: httpx.Client, provider: str, url: str, body: object, headers: dict[str, str]) -> object:
    """POST ``body`` as JSON and return the decoded answer; any failure is a :class:`TranslationError`."""
    try:
        response = client.post(url, json=body, headers=headers)
    except httpx.TimeoutException as e:
        raise TranslationError(provider, "timed out") from e
    except httpx.HTTPError as e:
        raise TranslationError(provider, f"unreachable ({type(e).__name__})") from e
    if response.status_code != 200:
        raise TranslationError(provider, f"HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError as e:
        raise TranslationError(provider, "answered with something that is not JSON") from e


def expect_count(provider: str, translations: list[str], texts: Sequence[str]) -> list[str]:
    """The translations, if there is exactly one per text."""
    if len(translations) != len(texts):
        raise TranslationError(provider, f"answered {len(translations)} translations for {len(texts)} texts")
    return translations
