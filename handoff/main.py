"""FastAPI application factory and the ``app`` that ``uvicorn handoff.main:app`` serves."""

from __future__ import annotations

import hmac
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from starlette.types import Scope

from handoff.adapters.config_loader import DEMO_DIR, agents_with_documented_tokens, demo_token_refusal, load_if_empty
from handoff.adapters.delivery import DeliveryPort, DeliveryWorker, RasaDelivery, release_stuck
from handoff.adapters.events import EventHub
from handoff.adapters.gauges import read_queue_gauges
from handoff.adapters.metrics import Metrics
from handoff.adapters.outbox_gauges import read_outbox_gauge
from handoff.api import admin, agents, assist, console, csat, customers, handoffs, health, realtime
from handoff.api import attachments as attachments_api
from handoff.api import macros as macros_api
from handoff.api import qa as qa_api
from handoff.api import receipts as receipts_api
from handoff.api import reports as reports_api
from handoff.api import translation as translation_api
from handoff.api import typing as typing_api
from handoff.api import unanswered as unanswered_api
from handoff.auth import Credentials
from handoff.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StartupRefusedError,
)
from handoff.log_masking import install_secret_masking
from handoff.macros.seed import seed_if_empty as seed_macros
from handoff.middleware import BodySizeLimit, PerTokenRateLimit, RequestContext, SecurityHeaders
from handoff.privacy import lifecycle as privacy
from handoff.qa import runtime as quality
from handoff.secrets_store import load_or_create_secret, private_dir
from handoff.services.context import Clock, ServiceContext, utc_now
from handoff.services.inactivity import InactivityWorker
from handoff.settings import Settings
from handoff.store.db import make_engine, make_session_factory, startup_lock, upgrade_schema
from handoff.templates import api as templates_api
from handoff.translation.factory import build_translator
from handoff.translation.provider import TranslationConfigError
from structured_logs import install_json_logs, json_logs_wanted

logger = logging.getLogger("handoff")

API_PREFIX = "/api/v1"
_NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


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
    privacy_transport: httpx.BaseTransport | None = None,
) -> FastAPI:
    """Build the app; heavy resources (engine, migrations, secrets, worker) are created in the lifespan.

    ``delivery_port_factory`` returns the port and a close callback (tests pass one built on
    ``httpx.MockTransport``); by default replies go to Rasa over a real ``httpx.Client``. ``privacy_transport``
    answers for the stores that export and erasure reach (Rasa, the action server) in tests.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        private_dir(settings.var_dir, tighten=True)
        engine = make_engine(settings.database_url)
        sessions = make_session_factory(engine)
        with startup_lock(engine, settings.var_dir):
            upgrade_schema(engine)
            with sessions() as session:
                if settings.demo_mode and settings.load_demo and load_if_empty(session, settings.demo_dir):
                    _say(f"demo mode: loaded the demo queues and agents (documented tokens) from {settings.demo_dir}")
                if settings.demo_mode and settings.load_demo and seed_macros(session, settings.demo_dir, clock()):
                    _say(f"demo mode: loaded the demo canned replies from {settings.demo_dir}")
                refusal = demo_token_refusal(
                    settings.demo_mode, agents_with_documented_tokens(session, [DEMO_DIR, settings.demo_dir])
                )
            if refusal:
                _say(refusal)
                engine.dispose()
                raise StartupRefusedError(refusal)
            service_key = load_or_create_secret(settings.service_key, settings.var_dir / "handoff_service_key")
            admin_token = load_or_create_secret(settings.admin_token, settings.var_dir / "handoff_admin_token")
        if admin_token.generated:
            _say(f"generated an admin token into {settings.var_dir / 'handoff_admin_token'} (mode 0600)")
        if not settings.rasa_jwt_secret:
            _say("RASA_JWT_SECRET is not set: replies cannot authenticate to Rasa and will show as failed")
        app.state.credentials = Credentials(service_key=service_key.value, admin_token=admin_token.value)
        metrics = Metrics()
        hub: EventHub = EventHub()
        if settings.redis_url:
            import redis  # the `redis` extra: only installations with HANDOFF_REDIS_URL need it

            from handoff.adapters.redis_hub import RedisEventHub

            hub = RedisEventHub(redis.Redis.from_url(settings.redis_url), settings.redis_channel)
        hub.start()
        context = ServiceContext(sessions=sessions, settings=settings, hub=hub, metrics=metrics, clock=clock)
        metrics.watch_queues(lambda: read_queue_gauges(context))
        metrics.watch_outbox(lambda: read_outbox_gauge(context))
        app.state.context = context
        translation_client = httpx.Client(timeout=settings.translation_timeout_seconds)
        try:
            app.state.translator = build_translator(settings, translation_client)
        except TranslationConfigError as e:
            _say(f"refusing to start: {e}")
            translation_client.close()
            hub.stop()
            engine.dispose()
            raise StartupRefusedError(str(e)) from e
        if app.state.translator.enabled:
            _say(f"translation between agents and customers through {app.state.translator.provider_name}")
        try:
            app.state.qa_reviewer, stop_quality = quality.start(context)
        except StartupRefusedError as e:
            _say(f"refusing to start: {e}")
            translation_client.close()
            hub.stop()
            engine.dispose()
            raise
        app.state.privacy, stop_privacy = privacy.start(context, privacy_transport)
        if delivery_port_factory is not None:
            port, close_port = delivery_port_factory(settings)
        else:
            client = httpx.Client(timeout=settings.delivery_timeout_seconds)
            port, close_port = RasaDelivery(client, settings.rasa_url, settings.rasa_jwt_secret), client.close
        worker: DeliveryWorker | None = None
        release_stuck(context)
        if settings.delivery_interval_seconds > 0:
            # Rasa's readiness tells the worker when to stop waiting out back-offs; a stand-in port has none.
            probe = port.ready if isinstance(port, RasaDelivery) else None
            worker = DeliveryWorker(context, port, settings.delivery_interval_seconds, probe)
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
            stop_quality()
            if inactivity is not None:
                inactivity.stop()
            if worker is not None:
                worker.stop()
            stop_privacy()
            hub.stop()
            close_port()
            translation_client.close()
            engine.dispose()

    docs = settings.docs_public
    app = FastAPI(
        title="Nimbus handoff service",
        version="1.0.0",
        description="Routes conversations the bot cannot resolve to the right human team, and back.",
        lifespan=lifespan,
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        # When off, FastAPI would still ask the global providers on every request whether anyone listens.
        telemetry=None if settings.opentelemetry else _NO_TELEMETRY,
    )
    masked = install_secret_masking()
    if masked:
        _say(f"masking credentials in the log lines of {', '.join(masked)}")
    _error_handlers(app)
    app.include_router(health.router)
    app.include_router(console.router)
    app.mount("/static", StaticFiles(directory=console.WEB_DIR), name="static")
    for module in (handoffs, agents, admin, assist, customers, realtime, csat):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(translation_api.router, prefix=API_PREFIX)
    # Before the reports router: its /reports/{name} would otherwise take /reports/unanswered.
    app.include_router(unanswered_api.router, prefix=API_PREFIX)
    app.include_router(reports_api.router, prefix=API_PREFIX)
    app.include_router(macros_api.router, prefix=API_PREFIX)
    app.include_router(templates_api.router, prefix=API_PREFIX)
    app.include_router(receipts_api.router, prefix=API_PREFIX)
    app.include_router(typing_api.router, prefix=API_PREFIX)
    app.include_router(qa_api.router, prefix=API_PREFIX)
    app.include_router(attachments_api.router, prefix=API_PREFIX)
    app.include_router(attachments_api.public_router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(PerTokenRateLimit, limit_for=lambda scope, token: _rate_limit(settings, scope, token))
    csp = console.content_security_policy(settings.web_chat_rasa_url)
    app.add_middleware(
        SecurityHeaders, csp=lambda: csp, csp_exempt=frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
    )
    app.add_middleware(RequestContext)
    return app


def _rate_limit(settings: Settings, scope: Scope, token: str) -> int:
    """Requests per minute allowed for ``token`` (0: unlimited); the bot's service key has its own setting."""
    credentials: Credentials | None = getattr(scope["app"].state, "credentials", None)
    if credentials is not None and hmac.compare_digest(token.encode(), credentials.service_key.encode()):
        return settings.rate_limit_service
    return settings.rate_limit_per_token


def _configure_served_logs() -> None:
    """JSON log lines for the served app (production mode, or ``NIMBUS_LOG_FORMAT=json``); apps built in tests keep
    the host's logging as it is."""
    if not json_logs_wanted():
        return
    install_json_logs("handoff", ("uvicorn", "uvicorn.error"))
    # RequestContext's access lines replace uvicorn's, whose paths carry conversation ids.
    logging.getLogger("uvicorn.access").disabled = True
    _say("JSON log lines with request ids (NIMBUS_LOG_FORMAT)")


def _say(line: str) -> None:
    """A start-up line in the service's log (stderr), never containing a secret."""
    print(f"handoff: {line}", file=sys.stderr, flush=True)


def __getattr__(name: str) -> FastAPI:
    """``handoff.main:app`` is built on first access, so importing this module reads no settings."""
    if name == "app":
        _configure_served_logs()
        application = create_app()
        globals()["app"] = application
        return application
    raise AttributeError(name)
