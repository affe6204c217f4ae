"""Request ids and JSON log lines of the Rasa server.

A channel webhook is where a customer message enters the system: the caller's `X-Request-ID` (when it is a sane one)
or a new id is bound for the request, returned in the response, and sent on with every call Rasa makes on the
message's behalf (the action server, bot/speedups/endpoints.py), so the action server's and the handoff service's
lines name the same request. The formatter and the context are handoff/structured_logs.py's (standard library only),
so the three processes write the same fields.
"""

from __future__ import annotations

import logging
import time

from sanic import Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse

from structured_logs import (
    REQUEST_ID_HEADER,
    accepted_request_id,
    bind_conversation,
    bind_request,
    current_request_id,
    install_json_logs,
    json_logs_wanted,
    outgoing_headers,
)

__all__ = ["bind_conversation", "configure_logs", "install_request_ids", "json_logs_wanted", "outgoing_headers"]

access_logger = logging.getLogger("bot.access")
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access")
# Probes, scrapes and the socket.io transport's long polls would drown the lines that matter.
UNLOGGED_PREFIXES = ("/nimbus/ready", "/metrics", "/socket.io")


def configure_logs() -> bool:
    """JSON log lines in production mode or with `NIMBUS_LOG_FORMAT=json`; whether it did."""
    if not json_logs_wanted():
        return False
    install_json_logs("rasa", SANIC_LOGGERS)
    # Sanic's access line holds the raw path, e.g. a conversation id in `/conversations/<id>/...`; ours holds the
    # route template instead.
    logging.getLogger("sanic.access").disabled = True
    return True


def install_request_ids(app: Sanic) -> None:
    """Bind a request id to every HTTP request, return it in `X-Request-ID`, write one access line per request."""

    async def bind(request: Request) -> None:
        bind_request(accepted_request_id(request.headers.get(REQUEST_ID_HEADER)))
        request.ctx.started = time.perf_counter()

    async def account(request: Request, response: BaseHTTPResponse) -> None:
        request_id = current_request_id()
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = getattr(request.ctx, "started", None)
        if started is None or request.path.startswith(UNLOGGED_PREFIXES):
            return
        route = getattr(getattr(request, "route", None), "path", None) or "unmatched"
        status = response.status
        access_logger.info(
            "%s /%s %d",
            request.method,
            route.lstrip("/"),
            status,
            extra={
                "event": "request",
                "method": request.method,
                "route": "/" + route.lstrip("/"),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )

    app.register_middleware(bind, "request")
    app.register_middleware(account, "response")
