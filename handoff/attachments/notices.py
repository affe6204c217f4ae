"""What the customer is told, in their language, when a file they sent is refused."""

from __future__ import annotations

from handoff.customer_words import attachment_notice


def notice(reason: str, language: str | None) -> str:
    """The refusal for ``reason`` (``type``, ``too_large``) in ``language`` (English when the language has none)."""
    return attachment_notice(reason, language)
