"""The outbox flush of the action server's Runtime, against a handoff service made of httpx.MockTransport handlers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from actions.runtime import Runtime
from actions.settings import ActionSettings

Handler = Callable[[httpx.Request], httpx.Response]


def runtime_over(tmp_path: Path, handler: Handler) -> Runtime:
    """A Runtime whose outbox lives in `tmp_path` and whose handoff service is `handler` (no back-off waits)."""
    settings = ActionSettings(actions_outbox_path=tmp_path / "outbox.sqlite3", handoff_retry_base_seconds=0.0)
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://handoff.test")
    return Runtime(settings, http=http)


def answering(status_by_conversation: dict[str, int]) -> tuple[Handler, list[str]]:
    """A service that answers each conversation's handoff with its status (201 by default); records who posted."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        conversation = json.loads(request.read())["conversation_id"]
        seen.append(conversation)
        status = status_by_conversation.get(conversation, 201)
        return httpx.Response(status, json={"id": f"h-{conversation}"} if status < 300 else {"detail": "no"})

    return handler, seen


@pytest.mark.parametrize("status", [400, 401, 403, 409, 413, 422])
async def test_kept_handoff_rejected_for_good_is_dead_lettered_and_the_rest_delivered(
    tmp_path: Path, status: int
) -> None:
    """A non-retryable 4xx moves the kept handoff to the dead letters; the handoffs behind it are still delivered."""
    handler, seen = answering({"c1": status})
    runtime = runtime_over(tmp_path, handler)
    runtime.outbox().put("c1", {"conversation_id": "c1"}, "down")
    runtime.outbox().put("c2", {"conversation_id": "c2"}, "down")
    waiting = await runtime.flush_outbox()
    assert waiting == 0
    assert seen == ["c1", "c2"]
    assert [("handoff", "c1", status, False)] == [
        (d.kind, d.conversation_id, d.status_code, d.customer_told) for d in runtime.outbox().dead_letters()
    ]


@pytest.mark.parametrize("status", [408, 429, 500, 503])
async def test_kept_handoff_with_a_transient_failure_stays_for_the_next_round(tmp_path: Path, status: int) -> None:
    """Timeouts, rate limits and server errors are retried later: the handoff stays, nothing is dead-lettered."""
    handler, _ = answering({"c1": status})
    runtime = runtime_over(tmp_path, handler)
    runtime.outbox().put("c1", {"conversation_id": "c1"}, "down")
    assert await runtime.flush_outbox() == 1
    assert [item.conversation_id for item in runtime.outbox().pending()] == ["c1"]
    assert runtime.outbox().dead_letters() == []


async def test_messages_behind_a_dead_handoff_are_dead_lettered_with_it(tmp_path: Path) -> None:
    """Messages queued behind a handoff the service rejected have nowhere to go: they leave the queue with it."""
    handler, _ = answering({"c1": 422})
    runtime = runtime_over(tmp_path, handler)
    outbox = runtime.outbox()
    outbox.put("c1", {"conversation_id": "c1"}, "down")
    outbox.put_message("c1", "m1", {"message_id": "m1", "text": "hello?"}, "queued")
    assert await runtime.flush_outbox() == 0
    assert outbox.pending_messages() == []
    assert [d.kind for d in outbox.dead_letters("c1")] == ["handoff", "message"]


async def test_kept_message_rejected_for_good_does_not_block_the_next_ones(tmp_path: Path) -> None:
    """A relayed message answered 413 is dead-lettered; the conversation's later messages still arrive, in order."""
    relayed: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        message = json.loads(request.read())
        if message["message_id"] == "m1":
            return httpx.Response(413, json={"detail": "too large"})
        relayed.append(message["message_id"])
        return httpx.Response(201, json={"id": message["message_id"]})

    runtime = runtime_over(tmp_path, handler)
    outbox = runtime.outbox()
    for message_id in ("m1", "m2", "m3"):
        outbox.put_message("c1", message_id, {"message_id": message_id, "text": "x"}, "down")
    assert await runtime.flush_outbox() == 0
    assert relayed == ["m2", "m3"]
    assert [(d.kind, d.message_id, d.status_code) for d in outbox.dead_letters()] == [("message", "m1", 413)]


async def test_started_flusher_delivers_what_an_earlier_run_kept(tmp_path: Path) -> None:
    """What a previous process left in the outbox file is delivered by the flusher a new Runtime starts."""
    handler, seen = answering({})
    first = runtime_over(tmp_path, handler)
    first.outbox().put("c1", {"conversation_id": "c1"}, "down")
    second = runtime_over(tmp_path, handler)
    second.start_outbox_flusher()
    assert second._flusher is not None
    await second._flusher
    assert seen == ["c1"]
    assert second.outbox().pending() == []
