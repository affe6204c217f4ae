"""The action server's client for the handoff service: one injected httpx client, retries with back-off."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from structured_logs import outgoing_headers

logger = logging.getLogger(__name__)

# Client errors that still mean "try again later"; every other 4xx is a rejection that retrying cannot change.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


def is_retryable_status(status_code: int) -> bool:
    """Whether an answer of the handoff service is worth retrying: server errors and the timeouts/rate limits."""
    return not (400 <= status_code < 500) or status_code in RETRYABLE_CLIENT_ERRORS


class HandoffServiceError(Exception):
    """The handoff service did not accept a request."""

    def __init__(self, message: str, *, status_code: int | None = None, retryable: bool = True) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retryable = retryable


@dataclass(frozen=True)
class HandoffAnswer:
    """The service's view of a handoff, and whether this call created it (False: it was already open)."""

    data: dict[str, Any]
    created: bool


class HandoffClient:
    """Creates handoffs, relays customer messages and posts their ratings; retries transient failures with
    exponential back-off."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        service_key: str,
        attempts: int = 3,
        base_delay: float = 0.2,
    ) -> None:
        self._http = http
        self._headers = {"Authorization": f"Bearer {service_key}"}
        self._attempts = attempts
        self._base_delay = base_delay

    async def create_handoff(self, payload: Mapping[str, Any]) -> HandoffAnswer:
        """POST /api/v1/handoffs; the service answers 201 for a new handoff, 200 for the already open one."""
        response = await self._post("/api/v1/handoffs", payload, "create handoff")
        return HandoffAnswer(data=dict(response.json()), created=response.status_code == 201)

    async def relay_message(self, conversation_id: str, message: Mapping[str, Any]) -> bool:
        """POST a customer message to the conversation's open handoff; False when it has none (404)."""
        try:
            await self._post(f"/api/v1/conversations/{quote(conversation_id, safe='')}/messages", message, "relay")
        except HandoffServiceError as error:
            if error.status_code == 404:
                return False
            raise
        return True

    async def rate(self, handoff_id: str, conversation_id: str, score: int) -> dict[str, Any]:
        """POST the customer's rating of a closed handoff of their conversation (409: refused, e.g. rated twice)."""
        body = {"conversation_id": conversation_id, "score": score}
        response = await self._post(f"/api/v1/handoffs/{quote(handoff_id, safe='')}/csat", body, "rating")
        return dict(response.json())

    async def comment(self, handoff_id: str, conversation_id: str, text: str) -> dict[str, Any]:
        """POST the customer's comment on their rating."""
        body = {"conversation_id": conversation_id, "comment": text}
        response = await self._post(f"/api/v1/handoffs/{quote(handoff_id, safe='')}/csat/comment", body, "comment")
        return dict(response.json())

    async def _post(self, path: str, payload: Mapping[str, Any], what: str) -> httpx.Response:
        """POSTs with retries; logs name `what`, never the path, which holds the conversation id."""
        last_error: HandoffServiceError | None = None
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._base_delay * 2 ** (attempt - 1))
            try:
                # The request id of the action call goes on, so the handoff service's lines name the same request.
                headers = {**self._headers, **outgoing_headers()}
                response = await self._http.post(path, json=dict(payload), headers=headers)
            except httpx.HTTPError as error:
                last_error = HandoffServiceError(f"handoff service unreachable: {type(error).__name__}")
                logger.warning("handoff %s failed (attempt %d): %s", what, attempt + 1, type(error).__name__)
                continue
            if response.status_code < 300:
                return response
            retryable = is_retryable_status(response.status_code)
            last_error = HandoffServiceError(
                f"handoff service answered {response.status_code}: {response.text[:500]}",
                status_code=response.status_code,
                retryable=retryable,
            )
            logger.warning("handoff %s got %d (attempt %d)", what, response.status_code, attempt + 1)
            if not retryable:
                break
        assert last_error is not None
        raise last_error
