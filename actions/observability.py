"""Request ids, access lines and metrics around the action server's routes, and its `GET /metrics`.

Rasa passes the channel's `X-Request-ID` with every action call; it is bound for the call, so the handoff client
sends it on and every log line of the call carries it, with the conversation's pseudonym (never the sender id).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.metrics import exposition, exposition_registry, observe_action
from structured_logs import (
    REQUEST_ID_HEADER,
    accepted_request_id,
    bind_conversation,
    bind_request,
    current_request_id,
    install_json_logs,
    json_logs_wanted,
)

access_logger = logging.getLogger("actions.access")
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access", "sanic.server")
UNKNOWN_ACTION = "unknown"
# After authentication (priority 1000): unauthenticated calls are neither bound nor counted.
CONTEXT_MIDDLEWARE_PRIORITY = 900


def configure_logs() -> bool:
    """JSON log lines when production mode or `NIMBUS_LOG_FORMAT=json` asks for them; whether it did."""
    if not json_logs_wanted():
        return False
    install_json_logs("actions", SANIC_LOGGERS)
    return True


def _webhook_body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:  # rasa_sdk answers a malformed body itself; here it only means "nothing to bind"
        return {}
    return body if isinstance(body, dict) else {}


def add_observability(app: Sanic, action_names: Collection[str], outbox_path: Path) -> None:
    """Bind request ids, log one line per action call, count it, and serve `GET /metrics` (behind the same bearer
    check as every other route)."""
    registry = exposition_registry(outbox_path)

    async def bind(request: Request) -> None:
        bind_request(accepted_request_id(request.headers.get(REQUEST_ID_HEADER)))
        request.ctx.started = time.perf_counter()
        if request.path == "/webhook":
            sender = _webhook_body(request).get("sender_id")
            bind_conversation(sender if isinstance(sender, str) else None)

    async def account(request: Request, answer: HTTPResponse) -> None:
        started = getattr(request.ctx, "started", None)
        if started is None:
            return
        seconds = time.perf_counter() - started
        request_id = current_request_id()
        if request_id:
            answer.headers[REQUEST_ID_HEADER] = request_id
        if request.path != "/webhook":
            return
        body = _webhook_body(request)
        name = body.get("next_action")
        action = name if isinstance(name, str) and name in action_names else UNKNOWN_ACTION
        observe_action(action, seconds, body, answer.body)
        access_logger.info(
            "action %s %d",
            action,
            answer.status,
            extra={
                "event": "action",
                "action": action,
                "status": answer.status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )

    app.on_request(bind, priority=CONTEXT_MIDDLEWARE_PRIORITY)
    app.on_response(account)

    @app.get("/metrics")
    async def metrics(_: Request) -> HTTPResponse:
        return response.raw(exposition(registry), content_type=CONTENT_TYPE_LATEST)
