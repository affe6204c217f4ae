"""Conversation ids per channel: REST owns plain ids, every other channel's are `<channel name>:<platform id>`, so
no caller of one channel can reach a conversation of another."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

MAX_SENDER_LENGTH = 128


def namespaced(channel: str, platform_id: str) -> str:
    """The conversation id of `platform_id` on `channel`."""
    return f"{channel}:{platform_id}"


def platform_recipient(channel: str, conversation_id: str) -> str:
    """The platform's id of a conversation of `channel` (ids without the prefix are taken as they are)."""
    prefix = f"{channel}:"
    return conversation_id[len(prefix) :] if conversation_id.startswith(prefix) else conversation_id


def rest_sender_problem(sender: object, reserved_channels: Iterable[str]) -> str | None:
    """Why `sender` cannot be a REST conversation id, or None when it can."""
    if not isinstance(sender, str) or not sender:
        return "'sender' must be a non-empty string"
    if len(sender) > MAX_SENDER_LENGTH:
        return f"'sender' is longer than {MAX_SENDER_LENGTH} characters"
    if any(unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp") for character in sender):
        return "'sender' contains control characters"
    for channel in reserved_channels:
        if sender.startswith(f"{channel}:"):
            return f"'sender' may not start with '{channel}:' (reserved for the {channel} channel)"
    return None
