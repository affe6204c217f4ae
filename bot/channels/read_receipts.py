"""Read receipts in Meta's webhooks, for the handoff service to show the agent which replies were read.

WhatsApp Cloud API: `entry[].changes[].value.statuses[]` with `status: "read"`, `recipient_id` and `timestamp`
(Unix seconds). Messenger: `entry[].messaging[]` events with `sender.id` and `read.watermark` (Unix milliseconds;
every message sent before it was read). Pure functions; `receipts_relay` sends them on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any


@dataclass(frozen=True, slots=True)
class Read:
    """The customer of `conversation_id` read everything sent up to `read_at`."""

    conversation_id: str
    read_at: datetime


def _when(seconds: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(seconds), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _latest(reads: list[Read]) -> list[Read]:
    """One read per conversation, the latest (a webhook may batch several)."""
    latest: dict[str, Read] = {}
    for read in reads:
        if read.conversation_id not in latest or read.read_at > latest[read.conversation_id].read_at:
            latest[read.conversation_id] = read
    return list(latest.values())


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def whatsapp_reads(body: Any) -> list[Read]:
    """The `read` statuses of a WhatsApp webhook body (anything malformed is skipped: the messages decide 400s)."""
    reads = []
    for entry in _objects(body.get("entry") if isinstance(body, dict) else None):
        for change in _objects(entry.get("changes")):
            value = _object(change.get("value"))
            for status in _objects(value.get("statuses")):
                when = _when(status.get("timestamp"))
                if status.get("status") == "read" and status.get("recipient_id") and when is not None:
                    reads.append(Read(f"whatsapp:{status['recipient_id']}", when))
    return _latest(reads)


def messenger_reads(body: Any) -> list[Read]:
    """The `read` events (`message_reads`) of a Messenger webhook body."""
    reads = []
    for entry in _objects(body.get("entry") if isinstance(body, dict) else None):
        for event in _objects(entry.get("messaging")):
            sender = _object(event.get("sender")).get("id")
            watermark = _object(event.get("read")).get("watermark")
            when = _when(float(watermark) / 1000) if isinstance(watermark, int | float) else None
            if sender and when is not None:
                reads.append(Read(f"messenger:{sender}", when))
    return _latest(reads)


def whatsapp_read_mark(message_id: str, *, typing: bool = False) -> dict[str, Any]:
    """Cloud API body marking the customer's message (and every earlier one) read, with the typing indicator."""
    body: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
    if typing:
        body["typing_indicator"] = {"type": "text"}
    return body
