"""Messaging windows: until when a platform accepts a free-form reply to a customer (pure functions).

WhatsApp (Cloud API and through Twilio) accepts free-form messages for 24 hours after the customer's last message;
after that only approved templates. Messenger allows 24 hours for any message, and up to 7 days for a human agent's
reply sent with the HUMAN_AGENT tag. Web chat, REST and LINE have no such window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WHATSAPP_CHANNELS = frozenset({"whatsapp", "twilio", "twilio_whatsapp"})
MESSENGER_CHANNELS = frozenset({"facebook", "messenger"})
STANDARD = timedelta(hours=24)
HUMAN_AGENT = timedelta(days=7)


@dataclass(frozen=True)
class MessagingWindow:
    """Whether an agent may reply now, until when, and the tag a late Messenger reply needs."""

    limited: bool
    closes_at: datetime | None
    open: bool
    tag: str | None = None

    def refusal(self, channel: str) -> str:
        """The message an agent reads when a reply would be rejected by the platform."""
        closed = f"{self.closes_at:%Y-%m-%d %H:%M} UTC" if self.closes_at else "already"
        if channel in WHATSAPP_CHANNELS:
            return (
                f"WhatsApp's 24-hour window closed {closed}: the customer has not written since, so WhatsApp would "
                "reject a free-form reply. Send an approved template message, or wait for the customer to write."
            )
        return (
            f"Messenger's 7-day human-agent window closed {closed}: Messenger would reject the reply. "
            "Wait for the customer to write again."
        )


def messaging_window(channel: str, last_customer_message_at: datetime, now: datetime) -> MessagingWindow:
    """The window of a conversation on `channel` whose customer last wrote at `last_customer_message_at`."""
    if channel in WHATSAPP_CHANNELS:
        closes_at = last_customer_message_at + STANDARD
        return MessagingWindow(limited=True, closes_at=closes_at, open=now < closes_at)
    if channel in MESSENGER_CHANNELS:
        standard_end = last_customer_message_at + STANDARD
        closes_at = last_customer_message_at + HUMAN_AGENT
        tag = None if now < standard_end else "HUMAN_AGENT"
        return MessagingWindow(limited=True, closes_at=closes_at, open=now < closes_at, tag=tag)
    return MessagingWindow(limited=False, closes_at=None, open=True)
