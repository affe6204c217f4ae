"""The action server's client for the handoff service: one injected httpx client, retries with back-off."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


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
    """Creates handoffs and relays customer messages; retries transient failures with exponential back-off."""

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
        response = await self._post("/api/v1/handoffs", payload)
        return HandoffAnswer(data=dict(response.json()), created=response.status_code == 201)

    async def relay_message(self, conversation_id: str, message: Mapping[str, Any]) -> bool:
        """POST a customer message to the conversation's open handoff; False when it has none (404)."""
        try:
            await self._post(f"/api/v1/conversations/{quote(conversation_id, safe='')}/messages", message)
        except HandoffServiceError as error:
            if error.status_code == 404:
                return False
            raise
        return True

    async def _post(self, path: str, payload: Mapping[str, Any]) -> httpx.Response:
        last_error: HandoffServiceError | None = None
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._base_delay * 2 ** (attempt - 1))
            try:
                response = await self._http.post(path, json=dict(payload), headers=self._headers)
            except httpx.HTTPError as error:
                last_error = HandoffServiceError(f"handoff service unreachable: {error!r}")
                logger.warning("handoff POST %s failed (attempt %d): %r", path, attempt + 1, error)
                continue
            if response.status_code < 300:
                return response
            retryable = response.status_code in RETRYABLE_STATUS
            last_error = HandoffServiceError(
                f"handoff service answered {response.status_code}: {response.text[:500]}",
                status_code=response.status_code,
                retryable=retryable,
            )
            logger.warning("handoff POST %s got %d (attempt %d)", path, response.status_code, attempt + 1)
            if not retryable:
                break
        assert last_error is not None
        raise last_error
