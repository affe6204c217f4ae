"""FastAPI application factory and the ``app`` that ``uvicorn handoff.main:app`` serves."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import redis
from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handoff.api import admin, agents, assist, console, customers, handoffs, health, realtime
from handoff.auth import Credentials
from handoff.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from handoff.secrets_store import load_or_create_secret
from handoff.services.config_loader import load_if_empty
from handoff.services.context import Clock, ServiceContext, utc_now
from handoff.services.delivery import DeliveryPort, DeliveryWorker, RasaDelivery, release_stuck
from handoff.services.events import EventHub
from handoff.services.gauges import read_queue_gauges
from handoff.services.inactivity import InactivityWorker
from handoff.services.metrics import Metrics
from handoff.services.redis_hub import RedisEventHub
from handoff.settings import Settings
from handoff.store.db import make_engine, make_session_factory, startup_lock, upgrade_schema

logger = logging.getLogger("handoff")

API_PREFIX = "/api/v1"


class BodySizeLimit:
    """Rejects request bodies above ``max_bytes`` with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count streamed bytes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._reject(send)

    async def _reject(self, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body larger than {self.max_bytes} bytes", "field": "body"},
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
        )
        await response({"type": "http"}, _empty_receive, send)


class _TooLarge(Exception):
    pass


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = jsonable_encoder(exc.errors(), exclude={"input", "ctx", "url"})
        fields = [".".join(str(p) for p in e["loc"] if p != "body") for e in errors]
        message = "; ".join(f"{f}: {e['msg']}" for f, e in zip(fields, errors, strict=True))
        return JSONResponse({"detail": message, "fields": fields, "errors": errors}, status_code=422)

    @app.exception_handler(InvalidInputError)
    async def _invalid(_: Request, exc: InvalidInputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "fields": [exc.field]}, status_code=422)

    @app.exception_handler(NotFoundError)
    async def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(ConflictError)
    async def _conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "status": exc.status}, status_code=409)

    @app.exception_handler(PermissionDeniedError)
    async def _forbidden(_: Request, exc: PermissionDeniedError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock = utc_now,
    delivery_port_factory: Callable[[Settings], tuple[DeliveryPort, Callable[[], None]]] | None = None,
) -> FastAPI:
    """Build the app; heavy resources (engine, migrations, secrets, worker) are created in the lifespan.

    ``delivery_port_factory`` returns the port and a close callback (tests pass one built on
    ``httpx.MockTransport``); by default replies go to Rasa over a real ``httpx.Client``.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        sessions = make_session_factory(engine)
        with startup_lock(engine, settings.var_dir):
            upgrade_schema(engine)
            with sessions() as session:
                if settings.load_demo and load_if_empty(session, settings.demo_dir):
                    logger.info("loaded demo configuration from %s", settings.demo_dir)
            service_key = load_or_create_secret(settings.service_key, settings.var_dir / "handoff_service_key")
            admin_token = load_or_create_secret(settings.admin_token, settings.var_dir / "handoff_admin_token")
        if admin_token.generated:
            print(
                f"handoff: generated admin token (shown once, stored in {settings.var_dir / 'handoff_admin_token'}): "
                f"{admin_token.value}",
                file=sys.stderr,
                flush=True,
            )
        app.state.credentials = Credentials(service_key=service_key.value, admin_token=admin_token.value)
        metrics = Metrics()
        hub: EventHub = EventHub()
        if settings.redis_url:
            hub = RedisEventHub(redis.Redis.from_url(settings.redis_url), settings.redis_channel)
        hub.start()
        context = ServiceContext(sessions=sessions, settings=settings, hub=hub, metrics=metrics, clock=clock)
        metrics.watch_queues(lambda: read_queue_gauges(context))
        app.state.context = context
        if delivery_port_factory is not None:
            port, close_port = delivery_port_factory(settings)
        else:
            client = httpx.Client(timeout=settings.delivery_timeout_seconds)
            port, close_port = RasaDelivery(client, settings.rasa_url, settings.rasa_api_token), client.close
        worker: DeliveryWorker | None = None
        release_stuck(context)
        if settings.delivery_interval_seconds > 0:
            worker = DeliveryWorker(context, port, settings.delivery_interval_seconds)
            worker.start()
        app.state.delivery_worker = worker
        app.state.delivery_port = port
        inactivity: InactivityWorker | None = None
        if settings.inactivity_check_seconds > 0:
            inactivity = InactivityWorker(context, settings.inactivity_check_seconds)
            inactivity.start()
        try:
            yield
        finally:
            if inactivity is not None:
                inactivity.stop()
            if worker is not None:
                worker.stop()
            hub.stop()
            close_port()
            engine.dispose()

    app = FastAPI(
        title="Nimbus handoff service",
        version="1.0.0",
        description="Routes conversations the bot cannot resolve to the right human team, and back.",
        lifespan=lifespan,
    )
    _error_handlers(app)
    app.include_router(health.router)
    app.include_router(console.router)
    app.mount("/static", StaticFiles(directory=console.WEB_DIR), name="static")
    for module in (handoffs, agents, admin, assist, customers, realtime):
        app.include_router(module.router, prefix=API_PREFIX)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


def __getattr__(name: str) -> FastAPI:
    """``handoff.main:app`` is built on first access, so importing this module reads no settings."""
    if name == "app":
        application = create_app()
        globals()["app"] = application
        return application
    raise AttributeError(name)
