"""Process-wide resources of the action server, created once on first use (never at import, never per request)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx

from actions.handoff_client import HandoffClient, HandoffServiceError
from actions.outbox import Outbox
from actions.privacy import log_id
from actions.settings import ActionSettings, get_settings
from structured_logs import bind_request, new_request_id

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_SECONDS = 2.0


class Runtime:
    """Holds the HTTP client, the outbox and the background task that delivers what the outbox keeps."""

    def __init__(self, settings: ActionSettings, http: httpx.AsyncClient | None = None) -> None:
        """`http`: the client towards the handoff service (tests pass one over an `httpx.MockTransport`)."""
        self.settings = settings
        self._http = http
        self._client: HandoffClient | None = None
        self._outbox: Outbox | None = None
        self._flusher: asyncio.Task[None] | None = None

    def handoff_client(self) -> HandoffClient:
        if self._client is None:
            http = self._http or httpx.AsyncClient(
                base_url=self.settings.handoff_url, timeout=self.settings.handoff_timeout_seconds
            )
            self._client = HandoffClient(
                http,
                service_key=self.settings.handoff_service_key.get_secret_value(),
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

    async def stop_outbox_flusher(self) -> None:
        """Stops the delivery loop (what it has not delivered stays in the outbox for the next start)."""
        flusher, self._flusher = self._flusher, None
        if flusher is not None and not flusher.done():
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher

    async def flush_outbox(self) -> int:
        """Delivers every kept handoff and message the service accepts now, dead-letters what it rejects for good;
        returns how many still wait."""
        outbox = self.outbox()
        client = self.handoff_client()
        for item in outbox.pending():
            try:
                await client.create_handoff(item.payload)
            except HandoffServiceError as error:
                if error.retryable:
                    outbox.record_failure(item.conversation_id, str(error))
                    break
                logger.error(
                    "kept handoff of %s rejected (%s): dead letter", log_id(item.conversation_id), error.status_code
                )
                outbox.dead_letter_handoff(item.conversation_id, error.status_code, str(error))
                continue
            outbox.remove(item.conversation_id)
            logger.info("kept handoff of %s delivered", log_id(item.conversation_id))
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
                if error.retryable:
                    logger.warning(
                        "kept message of %s not relayed yet (%s)", log_id(message.conversation_id), error.status_code
                    )
                    return
                conversation = log_id(message.conversation_id)
                logger.error("kept message of %s rejected (%s): dead letter", conversation, error.status_code)
                outbox.dead_letter_message(message.seq, error.status_code, str(error))
                continue
            if not delivered:
                logger.error("kept message of %s has no open handoff: dead letter", log_id(message.conversation_id))
                outbox.dead_letter_message(message.seq, 404, "no open handoff for the conversation")
                continue
            outbox.remove_message(message.seq)

    async def _flush_forever(self) -> None:
        while True:
            # A round is a request of its own: the task would otherwise carry the id of the call that started it.
            bind_request(new_request_id())
            try:
                waiting = await self.flush_outbox()
            except Exception:  # the loop must outlive one bad round, or kept handoffs wait for the next restart
                logger.exception("outbox flush failed; trying again")
                waiting = 1
            if not waiting:
                return
            await asyncio.sleep(FLUSH_INTERVAL_SECONDS)


_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    """The action server's single Runtime."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(get_settings())
    return _runtime
