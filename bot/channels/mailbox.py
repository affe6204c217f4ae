"""Bot messages of a conversation after a point in time, read from the tracker: pure over plain event dicts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def messages_after(events: Iterable[Mapping[str, Any]], after: float) -> list[dict[str, Any]]:
    """Every bot message with a timestamp later than `after`, oldest first, in the REST channel's shape.

    Agent replies delivered through Rasa's external-event endpoint end up in the tracker like any bot message, so a
    REST client that cannot receive pushes collects them here.
    """
    collected = []
    for event in events:
        if event.get("event") != "bot" or float(event.get("timestamp") or 0.0) <= after:
            continue
        data = event.get("data") or {}
        message: dict[str, Any] = {"timestamp": event["timestamp"]}
        if event.get("text"):
            message["text"] = event["text"]
        for key in ("buttons", "image", "attachment", "custom"):
            if data.get(key):
                message[key] = data[key]
        metadata = event.get("metadata") or {}
        # Custom metadata of a message sent by an action is nested under "metadata" by Rasa.
        if metadata.get("from_agent") or (metadata.get("metadata") or {}).get("from_agent"):
            message["from_agent"] = True
        collected.append(message)
    return collected
