"""`python -m actions.server --port P`: rasa_sdk's action server, on loopback by default, behind a shared secret.

The app is rasa_sdk's own (`create_app_for_serve`: `/webhook`, `/actions`, `/health`); this module adds the bearer
check (`ACTION_SERVER_TOKEN`) in front of every route but `GET /health`, the privacy endpoints
(`/privacy/export|erase|retention`), `GET /metrics`, request ids and access lines (actions/observability.py), the
outbox flush at start and the daily retention pass. It binds
`ACTIONS_BIND_HOST` (default 127.0.0.1) and refuses to start outside demo mode without the token.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME, DEFAULT_ENDPOINTS_PATH, DEFAULT_KEEP_ALIVE_TIMEOUT
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser, create_ssl_config
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.worker.loader import AppLoader

from actions.access import is_authorized, is_open_route, startup_problem
from actions.observability import add_observability, configure_logs
from actions.privacy import erase_conversation, export_conversation
from actions.runtime import get_runtime
from actions.settings import get_settings

logger = logging.getLogger(__name__)

__all__ = ["create_app", "main"]

MAX_CONVERSATION_ID_CHARS = 512
SECONDS_PER_DAY = 86400
# Runs before rasa_sdk's own middleware (CORS answers every OPTIONS itself), so nothing is reached unauthenticated.
AUTH_MIDDLEWARE_PRIORITY = 1000


def unauthorized() -> HTTPResponse:
    """The answer to a request without the shared secret."""
    return response.json(
        {"error": "missing or invalid bearer token"}, status=401, headers={"WWW-Authenticate": "Bearer"}
    )


def bad_request(message: str) -> HTTPResponse:
    return response.json({"error": message}, status=400)


def conversation_id_of(body: Any) -> str | None:
    """The `conversation_id` of a privacy request body, or None when the body does not name one properly."""
    if not isinstance(body, dict):
        return None
    value = body.get("conversation_id")
    if not isinstance(value, str) or not value or len(value) > MAX_CONVERSATION_ID_CHARS:
        return None
    return value


def _json_body(request: Request) -> Any:
    try:
        return request.json
    except Exception:  # Sanic raises its own BadRequest for malformed JSON; a client only learns "bad body"
        return None


def add_authentication(app: Sanic, token: str) -> None:
    """Requires `Authorization: Bearer <token>` on every route except the open health check."""

    async def require_token(request: Request) -> HTTPResponse | None:
        if is_open_route(request.method, request.path) or is_authorized(request.headers.get("authorization"), token):
            return None
        return unauthorized()

    app.on_request(require_token, priority=AUTH_MIDDLEWARE_PRIORITY)


def add_privacy_routes(app: Sanic) -> None:
    """`POST /privacy/export` and `POST /privacy/erase` with `{"conversation_id": id}` over what the server keeps,
    and `POST /privacy/retention` with `{"older_than_seconds": n}`."""

    def over_conversation(
        operation: Callable[[Any, str], Any],
    ) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
        async def handler(request: Request) -> HTTPResponse:
            conversation_id = conversation_id_of(_json_body(request))
            if conversation_id is None:
                return bad_request('body must be {"conversation_id": "<id>"}')
            outbox = get_runtime().outbox()
            return response.json(await asyncio.to_thread(operation, outbox, conversation_id))

        return handler

    app.add_route(over_conversation(export_conversation), "/privacy/export", methods=["POST"], name="privacy_export")
    app.add_route(over_conversation(erase_conversation), "/privacy/erase", methods=["POST"], name="privacy_erase")

    @app.post("/privacy/retention")
    async def privacy_retention(request: Request) -> HTTPResponse:
        older_than = parse_retention(_json_body(request))
        if older_than is None:
            return bad_request('body must be {"older_than_seconds": <number >= 0>}')
        purged = await asyncio.to_thread(get_runtime().outbox().purge_older_than, older_than)
        return response.json({"purged": sum(purged.values()), "per_store": purged})


async def _purge_expired_forever(days: int) -> None:
    """Applies the retention period to dead letters and relay records now and then once a day."""
    while True:
        purged = await asyncio.to_thread(get_runtime().outbox().purge_older_than, days * SECONDS_PER_DAY)
        if any(purged.values()):
            logger.info("retention: purged %s", purged)
        await asyncio.sleep(SECONDS_PER_DAY)


async def _start_background_work(app: Sanic) -> None:
    """Delivers what an earlier run kept without waiting for the next handoff, and starts the retention loop."""
    get_runtime().start_outbox_flusher()
    days = get_settings().actions_retention_days
    app.ctx.retention = asyncio.get_running_loop().create_task(_purge_expired_forever(days)) if days else None


async def _stop_background_work(app: Sanic) -> None:
    """Stops the loops; undelivered items stay in the outbox for the next start."""
    retention: asyncio.Task[None] | None = getattr(app.ctx, "retention", None)
    if retention is not None:
        retention.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await retention
    await get_runtime().stop_outbox_flusher()


def parse_retention(body: Any) -> float | None:
    """The `older_than_seconds` of a retention request body (a non-negative number), or None."""
    if not isinstance(body, dict):
        return None
    value = body.get("older_than_seconds")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


def create_app(
    actions_package: str,
    endpoints: str = DEFAULT_ENDPOINTS_PATH,
    keep_alive_timeout: int = DEFAULT_KEEP_ALIVE_TIMEOUT,
    *,
    served: bool = False,
) -> Sanic:
    """rasa_sdk's app for `actions_package`, with authentication, privacy routes and the outbox flush at start.

    Module-level so that Sanic's worker processes can rebuild it through `AppLoader`. `served`: configure this
    process's logging too (JSON lines in production); apps built in tests leave the host's logging alone.
    """
    settings = get_settings()
    problem = startup_problem(settings)
    if problem:
        raise SystemExit(problem)
    executor = ActionExecutor()
    executor.register_package(actions_package)
    # No CORS: only Rasa calls the action server, never a browser.
    app = create_app_for_serve(executor, cors_origins=None, endpoints=endpoints, keep_alive_timeout=keep_alive_timeout)
    token = settings.action_server_token.get_secret_value()
    if token:
        add_authentication(app, token)
    else:
        logger.warning(
            "DEMO MODE: ACTION_SERVER_TOKEN is unset, so the action server accepts calls without a credential. "
            "Never run it like this outside a demo on a loopback address."
        )
    add_privacy_routes(app)
    add_observability(app, executor.actions.keys(), settings.actions_outbox_path)
    # Here rather than in main(): Sanic's worker processes build the app again but do not run main(); and after
    # the app, which sets up Sanic's loggers when it is created.
    if served:
        configure_logs()
    app.register_listener(_start_background_work, "after_server_start")
    app.register_listener(_stop_background_work, "before_server_stop")
    return app


def _parser() -> argparse.ArgumentParser:
    parser = create_argument_parser()
    parser.description = "Starts the Nimbus action server (rasa_sdk, authenticated, loopback by default)."
    return parser


def main(argv: list[str] | None = None) -> None:
    """Parses rasa_sdk's own options, refuses unsafe settings, then serves like rasa_sdk does."""
    args = _parser().parse_args(argv)
    if args.grpc or args.cors:
        sys.exit("actions.server serves HTTP to Rasa only: --grpc and --cors are not supported")
    settings = get_settings()
    problem = startup_problem(settings)
    if problem:
        print(f"actions.server: {problem}", file=sys.stderr)
        sys.exit(2)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()

    loader = AppLoader(
        factory=partial(
            create_app, args.actions_module or args.actions or "actions", endpoints=args.endpoints, served=True
        )
    )
    app = loader.load()
    host = settings.actions_bind_host
    ssl = create_ssl_config(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    logger.info("action server listening on %s://%s:%d", "https" if ssl else "http", host, args.port)
    app.prepare(host=host, port=args.port, ssl=ssl, workers=utils.number_of_sanic_workers())
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
