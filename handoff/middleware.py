"""ASGI middleware of the handoff service: request ids, body size limit, per-token rate limit, security headers.

Each is a plain ASGI class (no buffering of responses); the decisions they make are pure functions or small
classes tested on their own.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from structured_logs import (
    REQUEST_ID_HEADER,
    accepted_request_id,
    bind_conversation,
    bind_request,
    current_conversation,
    current_request_id,
)

access_logger = logging.getLogger("handoff.access")
# Probes and scrapes would drown the lines that matter.
UNLOGGED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}


async def _send_json(
    send: Send, body: dict[str, object], status_code: int, headers: dict[str, str] | None = None
) -> None:
    await JSONResponse(body, status_code=status_code, headers=headers)({"type": "http"}, _empty_receive, send)


class BodySizeLimit:
    """Rejects request bodies above ``max_bytes`` with 413, whether or not Content-Length is sent.

    A body is read (up to the limit) before the application sees it, so an oversized chunked body is answered
    with 413 rather than failing inside the application's JSON parsing.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count streamed bytes before handing the body on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        if declared in (None, b"0") and b"chunked" not in headers.get(b"transfer-encoding", b"").lower():
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            body = message.get("body", b"")
            received += len(body)
            if received > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)

    async def _reject(self, send: Send) -> None:
        await _send_json(
            send,
            {"detail": f"request body larger than {self.max_bytes} bytes", "field": "body"},
            status.HTTP_413_CONTENT_TOO_LARGE,
        )


def _replay(messages: Iterable[Message], receive: Receive) -> Receive:
    """A receive callable that first returns ``messages``, then defers to the real one (for disconnects)."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


@dataclass(slots=True)
class TokenBucket:
    """``per_minute`` requests per minute with bursts of up to ``per_minute`` (refilled continuously)."""

    per_minute: int
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Spend one request; 0 when allowed, otherwise the seconds until the next one is."""
        rate = self.per_minute / 60.0
        self.tokens = min(float(self.per_minute), self.tokens + (now - self.updated) * rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / rate


class RateLimiter:
    """Token buckets per key, the least recently used forgotten beyond ``max_keys`` (bounded memory)."""

    def __init__(self, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock

    def take(self, key: str, per_minute: int) -> float:
        """0 when ``key`` may make a request now, else the seconds to wait."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None or bucket.per_minute != per_minute:
            bucket = TokenBucket(per_minute, float(per_minute), now)
            self._buckets[key] = bucket
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return bucket.take(now)


def bearer_token(headers: dict[bytes, bytes]) -> str | None:
    """The bearer token of a request's ``Authorization`` header, if any."""
    value = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class PerTokenRateLimit:
    """At most ``limit_for(token)`` requests per minute per bearer token under ``prefix``; 429 with Retry-After.

    ``limit_for`` returns 0 for tokens that are not limited. Counters live in this process: with several workers
    each enforces the limit on its own share of the traffic.
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope, str], int], prefix: str = "/api/") -> None:
        self.app = app
        self.limit_for = limit_for
        self.prefix = prefix
        self.limiter = RateLimiter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request against its token's bucket."""
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        token = bearer_token(dict(scope.get("headers") or []))
        limit = self.limit_for(scope, token) if token else 0
        if limit > 0:
            assert token is not None
            key = hashlib.sha256(token.encode("utf-8")).hexdigest()
            wait = self.limiter.take(key, limit)
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                await _send_json(
                    send,
                    {
                        "detail": f"rate limit exceeded: at most {limit} requests per minute per token; "
                        f"retry after {retry_after} s"
                    },
                    status.HTTP_429_TOO_MANY_REQUESTS,
                    {"Retry-After": str(retry_after)},
                )
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Adds the pages' security headers to every HTTP response that does not set them itself.

    Static files (``/static/console/index.html`` too) get the same Content-Security-Policy as ``/console``;
    paths in ``csp_exempt`` (the interactive API docs, which load their own scripts) get every header but the CSP.
    """

    def __init__(self, app: ASGIApp, csp: Callable[[], str], csp_exempt: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.csp = csp
        self.csp_exempt = csp_exempt
        self._cache: dict[tuple[str, bool], list[tuple[bytes, bytes]]] = {}

    def _encoded(self, csp: str, with_csp: bool) -> list[tuple[bytes, bytes]]:
        """The headers as lower-case names and values in bytes, encoded once per policy rather than per response."""
        key = (csp, with_csp)
        encoded = self._cache.get(key)
        if encoded is None:
            if len(self._cache) >= 8:
                self._cache.clear()  # a policy that changes per call must not grow this for ever
            headers = security_headers(csp, with_csp=with_csp)
            encoded = self._cache[key] = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        return encoded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add missing headers at ``http.response.start``."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._encoded(self.csp(), scope["path"] not in self.csp_exempt)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                present = {name.lower() for name, _ in headers}
                added = [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": [*headers, *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def security_headers(csp: str, *, with_csp: bool = True) -> dict[str, str]:
    """The headers every response carries."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }
    if with_csp:
        headers["Content-Security-Policy"] = csp
    return headers


class RequestContext:
    """Binds the caller's ``X-Request-ID`` (or a new one) to the request, returns it in the response, and writes one
    access line per request: method, route template (never the path, which holds conversation ids), status, time.

    The conversation a route names is logged as its pseudonym only.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Bind, pass on, log."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = accepted_request_id(headers.get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1"))
        bind_request(request_id)
        started = time.perf_counter()
        status_code = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = int(message["status"])
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (REQUEST_ID_HEADER.encode(), request_id.encode())],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # Working out the route template is skipped when nobody would read the line.
            if scope["path"] not in UNLOGGED_PATHS and access_logger.isEnabledFor(logging.INFO):
                _log_access(scope, status_code, time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The matched route with its parameters as ``{name}``, prefix included (routers report it without)."""
    route_path = getattr(scope.get("route"), "path", None)
    if not route_path:
        return "unmatched"
    params = scope.get("path_params") or {}
    rendered = route_path
    for name, value in params.items():
        rendered = rendered.replace("{" + name + "}", str(value)).replace("{" + name + ":path}", str(value))
    path = scope["path"]
    return path[: len(path) - len(rendered)] + route_path if path.endswith(rendered) else route_path


def _log_access(scope: Scope, status_code: int, seconds: float) -> None:
    template = route_template(scope)
    conversation = (scope.get("path_params") or {}).get("conversation_id")
    if isinstance(conversation, str):
        bind_conversation(conversation)
    # The route goes in its own field: the message passes the privacy filter, which rewrites URL-like text.
    access_logger.info(
        "%s request answered %d",
        scope["method"],
        status_code,
        extra={
            "event": "request",
            "request_id": current_request_id(),
            "conversation": current_conversation(),
            "method": scope["method"],
            "route": template,
            "status": status_code,
            "duration_ms": round(seconds * 1000, 1),
        },
    )
