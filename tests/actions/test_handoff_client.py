"""The action server's client for the handoff service, against httpx.MockTransport handlers."""

from __future__ import annotations

import httpx
import pytest

from actions.handoff_client import HandoffClient, HandoffServiceError

PAYLOAD = {"conversation_id": "c1", "language": "es"}


def client_with(handler: httpx.MockTransport, attempts: int = 3) -> HandoffClient:
    http = httpx.AsyncClient(transport=handler, base_url="http://handoff.test")
    return HandoffClient(http, service_key="secret", attempts=attempts, base_delay=0.0)


async def test_created_handoff_sends_bearer_key_and_payload() -> None:
    """A 201 is a new handoff; the request carries the service key and the payload as JSON."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "h1", "status": "queued"})

    answer = await client_with(httpx.MockTransport(handler)).create_handoff(PAYLOAD)
    assert answer.created is True
    assert answer.data == {"id": "h1", "status": "queued"}
    assert seen[0].url.path == "/api/v1/handoffs"
    assert seen[0].headers["authorization"] == "Bearer secret"
    assert seen[0].read() == b'{"conversation_id":"c1","language":"es"}'


async def test_existing_open_handoff_is_not_created() -> None:
    """A 200 means the conversation already had an open handoff."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"id": "h0"}))
    answer = await client_with(transport).create_handoff(PAYLOAD)
    assert answer.created is False


async def test_transient_failures_are_retried_until_success() -> None:
    """503 and connection errors are retried; the third attempt succeeds."""
    calls = iter(["refuse", "503", "201"])

    def handler(request: httpx.Request) -> httpx.Response:
        step = next(calls)
        if step == "refuse":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(int(step), json={"id": "h2"})

    answer = await client_with(httpx.MockTransport(handler)).create_handoff(PAYLOAD)
    assert answer.data["id"] == "h2"


async def test_gives_up_after_the_attempt_bound() -> None:
    """A service that stays down raises a retryable error after the configured attempts."""
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        return httpx.Response(503, text="down")

    with pytest.raises(HandoffServiceError) as raised:
        await client_with(httpx.MockTransport(handler), attempts=4).create_handoff(PAYLOAD)
    assert len(attempts) == 4
    assert raised.value.retryable is True
    assert raised.value.status_code == 503


async def test_rejected_payload_is_not_retried() -> None:
    """A 422 will not get better by retrying: one attempt, a non-retryable error naming the answer."""
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        return httpx.Response(422, json={"detail": "language: unsupported"})

    with pytest.raises(HandoffServiceError, match="422") as raised:
        await client_with(httpx.MockTransport(handler)).create_handoff(PAYLOAD)
    assert attempts == [1]
    assert raised.value.retryable is False
