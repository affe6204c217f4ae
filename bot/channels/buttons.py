"""Adapting Rasa buttons and quick replies to a platform's limits: pure functions over Rasa's button dicts.

Rasa buttons look like `{"title": "Yes", "payload": "/affirm"}`. Platforms cap both the number of buttons and the
title length; a title that is too long is shortened with an ellipsis, never cut mid-word when a space allows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ELLIPSIS = "…"


@dataclass(frozen=True)
class Choice:
    """One button as every platform needs it: a visible title and the payload sent back when chosen."""

    title: str
    payload: str


def shorten(title: str, max_length: int) -> str:
    """`title` within `max_length` characters, ending in an ellipsis when shortened."""
    title = " ".join(title.split())
    if len(title) <= max_length:
        return title
    head = title[: max_length - 1]
    space = head.rfind(" ")
    if space >= max_length // 2:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def choices(buttons: Iterable[Mapping[str, Any]], title_length: int) -> list[Choice]:
    """Rasa buttons as choices with titles within `title_length`; the payload defaults to the title."""
    result = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        if not title:
            continue
        payload = str(button.get("payload") or title)
        result.append(Choice(title=shorten(title, title_length), payload=payload))
    return result


def numbered_fallback(text: str, items: Iterable[Choice]) -> str:
    """`text` followed by the choices as a numbered list, for when a platform cannot show that many buttons."""
    lines = [text.rstrip()] if text.strip() else []
    lines.extend(f"{number}. {choice.title}" for number, choice in enumerate(items, start=1))
    return "\n".join(lines)
