"""Outgoing HTTP to the messaging platforms, with bounded retries (I/O edge; the policy itself is in `retry`).

Every platform call goes through `PlatformClient.request`: 429 and 5xx answers and connection errors are retried
with backoff, honouring `Retry-After`; after the last attempt a `PlatformDeliveryError` is logged and raised. Rasa
passes that exception on, so for an agent reply sent through `trigger_intent` it reaches the handoff service's
delivery, which reports the failure to the agent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp

from bot.channels.retry import RetryPolicy, parse_retry_after

logger = logging.getLogger(__name__)


class PlatformDeliveryError(RuntimeError):
    """A platform did not accept an outgoing call after every attempt."""

    def __init__(self, platform: str, url: str, status: int | None, detail: str, attempts: int) -> None:
        super().__init__(f"{platform}: {url} failed after {attempts} attempt(s) (status {status}): {detail[:300]}")
        self.platform = platform
        self.url = url
        self.status = status
        self.detail = detail
        self.attempts = attempts


class PlatformClient:
    """Calls one platform's HTTP API with a bearer token and the retry policy."""

    def __init__(
        self,
        platform: str,
        access_token: str,
        policy: RetryPolicy | None = None,
        timeout_seconds: float = 15.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.platform = platform
        self._token = access_token
        self._policy = policy or RetryPolicy()
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._sleep = sleep

    async def request(
        self, method: str, url: str, payload: Mapping[str, Any] | None = None, *, retry: bool = True
    ) -> Any:
        """The decoded JSON answer (or None for an empty body) of `method url` with `payload` as JSON body."""
        headers = {"Authorization": f"Bearer {self._token}"}
        attempt = 0
        while True:
            attempt += 1
            status: int | None = None
            retry_after: float | None = None
            try:
                async with (
                    aiohttp.ClientSession(timeout=self._timeout) as session,
                    session.request(method, url, json=payload, headers=headers) as answer,
                ):
                    status = answer.status
                    text = await answer.text()
                    if status < 400:
                        return json.loads(text) if text.strip() else None
                    retry_after = parse_retry_after(answer.headers.get("Retry-After"))
                    detail = text
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                detail = f"{type(error).__name__}: {error}"
            if not (retry and self._policy.should_retry(attempt, status)):
                failure = PlatformDeliveryError(self.platform, url, status, detail, attempt)
                logger.error("Outgoing %s call failed: %s", self.platform, failure)
                raise failure
            delay = self._policy.delay(attempt, retry_after)
            logger.warning(
                "%s answered %s to %s %s (attempt %d); retrying in %.2fs",
                self.platform,
                status if status is not None else detail,
                method,
                url,
                attempt,
                delay,
            )
            await self._sleep(delay)


def policy_from_credentials(credentials: Mapping[str, Any]) -> RetryPolicy:
    """The retry policy from optional credentials keys `retry_max_attempts`, `retry_base_delay`, `retry_max_delay`."""
    defaults = RetryPolicy()
    return RetryPolicy(
        max_attempts=int(credentials.get("retry_max_attempts") or defaults.max_attempts),
        base_delay=float(credentials.get("retry_base_delay") or defaults.base_delay),
        max_delay=float(credentials.get("retry_max_delay") or defaults.max_delay),
    )
