"""The Rasa server's edge at run time: its settings plus the state the checks keep (rate-limit buckets, revoked
web-chat sessions). The entry point builds one per process and hands it to every channel."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.security.ratelimit import RateLimiter
from bot.security.settings import EdgeSettings

# Channel names a REST sender may never start with (with a ':'), besides every channel the server registers.
KNOWN_CHANNELS = (
    "whatsapp",
    "messenger",
    "line",
    "twilio",
    "socketio",
    "email",
    "facebook",
    "telegram",
    "slack",
    "rest",
)


@dataclass
class Edge:
    """Settings, per-sender and per-IP buckets, and the channels whose names are reserved."""

    settings: EdgeSettings
    reserved_channels: tuple[str, ...] = KNOWN_CHANNELS
    senders: RateLimiter = field(init=False)
    ips: RateLimiter = field(init=False)
    revoked_sessions: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.senders = RateLimiter(self.settings.sender_limit)
        self.ips = RateLimiter(self.settings.ip_limit)

    def reserve(self, channel_names: list[str]) -> None:
        """Reserve the names of the channels this server registered, too."""
        self.reserved_channels = tuple(dict.fromkeys([*self.reserved_channels, *channel_names]))


def default_edge() -> Edge:
    """The edge of a channel nobody configured: production defaults and no secrets, so everything fails closed."""
    return Edge(EdgeSettings())
