"""A five-second summary for agents, built from what the bot saw (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_MAX_QUOTE = 160
_SKIP_SLOTS = frozenset({"language", "language_confidence", "handoff_id", "handoff_status", "handoff_reason"})


def build_summary(
    *,
    reason: str,
    language: str,
    intents: Sequence[str],
    slots: Mapping[str, Any],
    kb_articles_tried: Sequence[str],
    last_customer_text: str | None,
) -> str:
    """One short paragraph: reason and language, intent path, key entities, what was tried, last words."""
    path: list[str] = []
    for intent in intents:
        if not path or path[-1] != intent:
            path.append(intent)
    parts = [f"Reason: {reason.replace('_', ' ')} ({language})."]
    if path:
        parts.append("Path: " + " → ".join(path[-8:]) + ".")
    entities = [f"{k}={v}" for k, v in slots.items() if k not in _SKIP_SLOTS and v not in (None, "", [], {})]
    if entities:
        parts.append("Entities: " + ", ".join(entities[:8]) + ".")
    parts.append("Tried: " + (", ".join(kb_articles_tried) if kb_articles_tried else "no KB articles") + ".")
    if last_customer_text:
        quote = last_customer_text.strip().replace("\n", " ")
        if len(quote) > _MAX_QUOTE:
            quote = quote[: _MAX_QUOTE - 1] + "…"
        parts.append(f'Last: "{quote}"')
    return " ".join(parts)
