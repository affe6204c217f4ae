"""What every channel hands to Rasa: one customer message as plain data, built by the pure payload parsers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The intent the bot answers with `utter_media_unsupported`; in human mode the attachment reaches the agent.
SHARE_MEDIA = "/share_media"

ATTACHMENT_TYPES = ("image", "sticker", "audio", "video", "file", "location")


class PayloadError(ValueError):
    """A webhook body that is not what the platform documents (answered with 400)."""


@dataclass(frozen=True)
class InboundMessage:
    """One customer message: who sent it, the text for Rasa, the platform's message id and the metadata."""

    sender_id: str
    text: str
    message_id: str
    metadata: dict[str, Any] = field(default_factory=dict)


def attachment(kind: str, **reference: Any) -> dict[str, Any]:
    """Attachment metadata: `{"type": kind, ...reference}`, dropping empty references (url, id, coordinates)."""
    if kind not in ATTACHMENT_TYPES:
        raise ValueError(f"unknown attachment type {kind!r}")
    return {"type": kind, **{key: value for key, value in reference.items() if value not in (None, "")}}


def compact(metadata: dict[str, Any]) -> dict[str, Any]:
    """`metadata` without empty values, so that the language detector never sees a blank hint."""
    return {key: value for key, value in metadata.items() if value not in (None, "", {}, [])}
