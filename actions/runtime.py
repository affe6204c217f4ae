"""Process-wide resources of the action server, created once on first use (never at import, never per request)."""

from __future__ import annotations

import asyncio
import logging

import httpx

from actions.handoff_client import HandoffClient, HandoffServiceError
from actions.outbox import Outbox
from actions.settings import ActionSettings, get_settings

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_SECONDS = 2.0


class Runtime:
    """Holds the HTTP client, the outbox and the background task that delivers what the outbox keeps."""

    def __init__(self, settings: ActionSettings) -> None:
        self.settings = settings
        self._client: HandoffClient | None = None
        self._outbox: Outbox | None = None
        self._flusher: asyncio.Task[None] | None = None

    def handoff_client(self) -> HandoffClient:
        if self._client is None:
            http = httpx.AsyncClient(base_url=self.settings.handoff_url, timeout=self.settings.handoff_timeout_seconds)
            self._client = HandoffClient(
                http,
                service_key=self.settings.handoff_service_key,
                attempts=self.settings.handoff_retry_attempts,
                base_delay=self.settings.handoff_retry_base_seconds,
            )
        return self._client

    def outbox(self) -> Outbox:
        if self._outbox is None:
            self._outbox = Outbox(self.settings.actions_outbox_path)
        return self._outbox

    def start_outbox_flusher(self) -> None:
        """Starts (once) the loop that retries kept handoffs until the service accepts them."""
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_forever())

    async def flush_outbox(self) -> int:
        """Delivers every kept handoff the service accepts now; returns how many are still waiting."""
        outbox = self.outbox()
        client = self.handoff_client()
        for item in outbox.pending():
            try:
                await client.create_handoff(item.payload)
            except HandoffServiceError as error:
                outbox.record_failure(item.conversation_id, str(error))
                if error.retryable:
                    break
                logger.error("handoff for %s rejected, kept for inspection: %s", item.conversation_id, error)
                continue
            outbox.remove(item.conversation_id)
            logger.info("kept handoff for %s delivered", item.conversation_id)
        await self._flush_messages(outbox, client)
        return len(outbox.pending()) + len(outbox.pending_messages())

    async def _flush_messages(self, outbox: Outbox, client: HandoffClient) -> None:
        """Relays kept customer messages in arrival order; a conversation whose handoff waits is skipped."""
        blocked: set[str] = {item.conversation_id for item in outbox.pending()}
        for message in outbox.pending_messages():
            if message.conversation_id in blocked:
                continue
            try:
                delivered = await client.relay_message(message.conversation_id, message.payload)
            except HandoffServiceError as error:
                logger.warning("kept message %s not relayed yet: %s", message.message_id, error)
                blocked.add(message.conversation_id)
                if error.retryable:
                    return
                continue
            if not delivered:
                logger.error("kept message %s has no open handoff to go to", message.message_id)
                blocked.add(message.conversation_id)
                continue
            outbox.remove_message(message.seq)

    async def _flush_forever(self) -> None:
        while await self.flush_outbox():
            await asyncio.sleep(FLUSH_INTERVAL_SECONDS)


_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    """The action server's single Runtime."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(get_settings())
    return _runtime
