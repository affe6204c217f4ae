"""Telling an agent's reply from a bot message on the way out.

The action that delivers an agent's reply utters it with `metadata={"from_agent": True, ...}`; Rasa hands that to
the output channel as the keyword argument `metadata` of `send_text_message` and friends (older callers may pass
`from_agent` directly). The handoff service decides the platform's messaging window and puts the message tag a
late reply needs into that metadata as `message_tag`; channels send it as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def sent_by_agent(fields: Mapping[str, Any]) -> bool:
    """Whether the keyword arguments of an output-channel call belong to a human agent's reply."""
    metadata = fields.get("metadata")
    nested = metadata.get("from_agent") if isinstance(metadata, Mapping) else None
    return bool(fields.get("from_agent") or nested)


def message_tag(fields: Mapping[str, Any]) -> str | None:
    """The platform message tag the handoff service chose for this agent reply (None inside the standard window)."""
    metadata = fields.get("metadata")
    tag = metadata.get("message_tag") if isinstance(metadata, Mapping) else None
    return str(tag) if tag else None
