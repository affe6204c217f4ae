"""The edge's checks on the Sanic app: body size and per-IP rate limits on every webhook (socket.io included), JSON
413/429 answers, no CORS at all on the REST mailbox, and percent-encoded conversation ids decoded in every route."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sanic import Sanic
from sanic.exceptions import PayloadTooLarge, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors.core import SANIC_CORS_EVALUATED

from bot.security.edge import Edge
from bot.security.http import client_address, error, too_many

WEBHOOK_PREFIXES = ("/webhooks/", "/socket.io")
WEBCHAT_ATTACHMENTS_PATH = "/webhooks/socketio/attachments"
NO_CORS_PATHS = ("/webhooks/rest/messages",)


class RateLimited(SanicException):
    """A client over its request rate."""

    status_code = 429

    def __init__(self, retry_after: float) -> None:
        super().__init__("too many requests from this address")
        self.retry_after = retry_after


def is_webhook(path: str) -> bool:
    return path.startswith(WEBHOOK_PREFIXES)


def install_edge(app: Sanic, edge: Edge) -> list[str]:
    """Install the checks on `app`; what was installed, for the start-up log."""
    settings = edge.settings
    app.config.REQUEST_MAX_SIZE = max(settings.max_api_body_bytes, settings.max_body_bytes)

    @app.signal("http.routing.after")
    async def before_body(request: Request, route: Any, kwargs: Any, handler: Any) -> None:
        conversation_id = request.match_info.get("conversation_id")
        if isinstance(conversation_id, str) and "%" in conversation_id:
            # Sanic hands path parameters over still percent-encoded; callers encode the ':' of channel ids.
            request._match_info["conversation_id"] = unquote(conversation_id)
        # Runs before Sanic reads the body, so an oversized (or endless chunked) webhook body is cut off early.
        if request.path in NO_CORS_PATHS:
            setattr(request.ctx, SANIC_CORS_EVALUATED, "1")  # sanic_cors then leaves the response alone
        if not is_webhook(request.path):
            return
        wait = edge.ips.allow(client_address(request))
        if wait is not None:
            raise RateLimited(wait)
        if request.stream is not None:
            # A web chat customer's file may be as large as an API body; every other webhook body stays small.
            attachment = request.path == WEBCHAT_ATTACHMENTS_PATH
            request.stream.request_max_size = settings.max_api_body_bytes if attachment else settings.max_body_bytes

    async def payload_too_large(request: Request, exception: Exception) -> HTTPResponse:
        webhook = is_webhook(request.path) and request.path != WEBCHAT_ATTACHMENTS_PATH
        limit = settings.max_body_bytes if webhook else app.config.REQUEST_MAX_SIZE
        return error(413, f"the request body is larger than {limit} bytes")

    async def rate_limited(request: Request, exception: RateLimited) -> HTTPResponse:
        return too_many(exception.retry_after, "from this address")

    app.exception(PayloadTooLarge)(payload_too_large)
    app.exception(RateLimited)(rate_limited)
    return [
        f"webhook bodies <= {settings.max_body_bytes} bytes, other requests <= {app.config.REQUEST_MAX_SIZE} bytes",
        f"messages <= {settings.max_message_chars} characters",
        f"per-IP rate limit on webhooks: {_describe(settings.ip_limit.per_minute, settings.ip_limit.burst)}",
        f"per-sender rate limit: {_describe(settings.sender_limit.per_minute, settings.sender_limit.burst)}",
        "REST mailbox without CORS",
        "percent-encoded conversation ids decoded in every route",
    ]


def _describe(per_minute: float, burst: int) -> str:
    return f"{per_minute:g}/min, bursts of {burst} (per worker)" if per_minute > 0 else "off"
