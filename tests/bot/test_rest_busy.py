"""The REST channel over real HTTP (a Sanic server on a free port): a message that meets a conversation lock Rasa
could not get is answered 503 with Retry-After, so the client sends it again instead of taking it as delivered."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError
from sanic import Sanic

from bot.channels.rest import RestMailboxInput
from bot.security.edge import Edge
from bot.security.settings import EdgeSettings
from scripts.ports import free_port


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), json.loads(refused.read())


BUSY = "busy-customer"


async def _on_new_message(message: UserMessage) -> None:
    """Rasa's handling: the busy customer's conversation lock cannot be had, anyone else is answered."""
    if message.sender_id == BUSY:
        raise LockError(f"Could not acquire lock for conversation_id '{BUSY}'.")
    await message.output_channel.send_text_message(message.sender_id, "hello")


@pytest.fixture(scope="module")
def webhook() -> Iterator[str]:
    """The channel's blueprint on a real Sanic server in a thread of its own (one per process: Sanic 21 cannot
    start a second app in the same process); yields the webhook URL."""
    channel = RestMailboxInput()
    channel.edge = Edge(EdgeSettings(mode="demo", session_secret="s" * 32))
    app = Sanic(f"rest_busy_{uuid.uuid4().hex}")
    app.blueprint(channel.blueprint(_on_new_message), url_prefix="/webhooks/rest")
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve() -> Any:
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        assert server is not None
        await server.startup()
        started.set()
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serve())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(30), "the Sanic server did not start"
    yield f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


def test_a_message_that_could_not_get_the_conversation_lock_is_refused_with_503(webhook: str) -> None:
    """The lock error is not swallowed into an empty 200: the client is told to send the message again."""
    status, headers, body = _post(webhook, {"sender": BUSY, "message": "where is my order?"})
    assert (status, headers.get("Retry-After")) == (503, "1")
    assert "send the message again" in body["error"]


def test_a_handled_message_is_answered_as_before(webhook: str) -> None:
    """The bot's messages come back with 200."""
    status, _, body = _post(webhook, {"sender": "calm-customer", "message": "where is my order?"})
    assert (status, body) == (200, [{"recipient_id": "calm-customer", "text": "hello"}])
