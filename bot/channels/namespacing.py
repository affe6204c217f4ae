"""Output channels address the platform's id: the conversation id without the channel's own `<name>:` prefix."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.security.senders import platform_recipient


class StripsOwnPrefix(OutputChannel):
    """Put first among an output channel's bases: every response Rasa sends goes to the platform id."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await super().send_response(platform_recipient(self.name(), recipient_id), message)
