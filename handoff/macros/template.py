"""The canned-reply template syntax: ``{name}`` fields from a fixed list, ``{{`` and ``}}`` for literal braces.

Nothing is evaluated: a field is a name looked up in a dictionary of plain strings, and a value is inserted as
text, never parsed again. A field without a value is left in the text as written, for the agent to fill.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# The fields a canned reply may use, each with what it is filled from.
PLACEHOLDERS: dict[str, str] = {
    "customer_name": "the customer's name from the handoff (when the channel gave one)",
    "order_id": "the order id the bot collected (slot order_id)",
    "agent_name": "the display name of the agent inserting the reply",
    "queue": "the queue the conversation is in",
}

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class TemplateError(ValueError):
    """The text is not a valid template; ``position`` is the offending character's index."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True, slots=True)
class Filled:
    """A rendered template and the fields that had no value (left visible in ``text``, in order, once each)."""

    text: str
    missing: tuple[str, ...]


def placeholders(template: str) -> tuple[str, ...]:
    """The fields a template uses, in order of first use; raises ``TemplateError`` on bad syntax or unknown names."""
    names: list[str] = []
    for match in _TOKEN.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if token in ("{", "}"):
            raise TemplateError(
                f"unmatched {token!r} at character {match.start() + 1}: write {token * 2!r} for a literal brace",
                match.start(),
            )
        name = (match.group(1) or "").strip()
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + known + "}" for known in PLACEHOLDERS)
            raise TemplateError(
                f"unknown placeholder {token} at character {match.start() + 1}; known: {known}", match.start()
            )
        if name not in names:
            names.append(name)
    return tuple(names)


def render(template: str, values: Mapping[str, str | None]) -> Filled:
    """Fill a valid template; a field whose value is missing or blank stays as ``{name}``."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = (match.group(1) or "").strip()
        value = values.get(name)
        if value is None or not value.strip():
            if name not in missing:
                missing.append(name)
            return "{" + name + "}"
        return value

    placeholders(template)  # a stored template is valid; checking again keeps render total on its own
    return Filled(text=_TOKEN.sub(replace, template), missing=tuple(missing))
