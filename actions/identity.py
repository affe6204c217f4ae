"""Which channel a conversation really arrived on, from its namespaced id (pure).

Every channel but REST owns the ids `<channel>:<platform id>` (the Rasa side rejects a REST sender that starts with
one of these prefixes), so the prefix, not anything the caller sent, says where replies must go.
"""

from __future__ import annotations

__all__ = ["NAMESPACED_CHANNELS", "REST_CHANNEL", "ChannelMismatchError", "channel_of", "recorded_channel"]

# Input channel names of bot/credentials.yml that namespace their conversation ids.
NAMESPACED_CHANNELS = frozenset({"whatsapp", "messenger", "line", "twilio", "socketio", "email"})
REST_CHANNEL = "rest"


class ChannelMismatchError(ValueError):
    """The conversation id's namespace and the channel the latest message came in on disagree."""

    def __init__(self, id_channel: str, input_channel: str) -> None:
        super().__init__(f"conversation id belongs to {id_channel!r}, latest message came in on {input_channel!r}")
        self.id_channel = id_channel
        self.input_channel = input_channel


def channel_of(conversation_id: str) -> str:
    """The channel that owns a conversation id: its registered `<channel>:` prefix, else REST (plain ids)."""
    prefix, separator, rest = conversation_id.partition(":")
    return prefix if separator and rest and prefix in NAMESPACED_CHANNELS else REST_CHANNEL


def recorded_channel(conversation_id: str, latest_input_channel: str | None) -> str:
    """The channel to record on a handoff; raises ChannelMismatchError when the tracker says otherwise."""
    channel = channel_of(conversation_id)
    if latest_input_channel and latest_input_channel != channel:
        raise ChannelMismatchError(channel, latest_input_channel)
    return channel
