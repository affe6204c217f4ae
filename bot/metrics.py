"""Prometheus metrics of the Rasa server and its `GET /metrics`.

Every customer message Rasa logs (`MessageProcessor.log_message`, which runs NLU and appends the user event) is
counted by channel and language, with its intent confidence and whether NLU fell back (`nlu_fallback`); the fallback
rate is `nimbus_nlu_fallbacks_total / nimbus_messages_total`. With several Sanic workers (`SANIC_WORKERS`) every
worker counts into `PROMETHEUS_MULTIPROC_DIR` and a scrape of any worker sums them.

`/metrics` takes the Rasa API token or an admin JWT as `Authorization: Bearer ...` (never in the URL), or nothing
when `NIMBUS_METRICS_PUBLIC=true` (a scraper on a private network).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.observability import bind_conversation
from bot.security.edge import Edge
from bot.security.http import error, presented
from bot.security.tokens import constant_equal, is_admin_jwt

FALLBACK_INTENT = "nlu_fallback"
UNKNOWN = "unknown"
CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)

_REGISTRY = CollectorRegistry()
MESSAGES = Counter(
    "nimbus_messages", "Customer messages by channel and language", ["channel", "language"], registry=_REGISTRY
)
FALLBACKS = Counter(
    "nimbus_nlu_fallbacks",
    "Customer messages NLU could not classify confidently (nlu_fallback)",
    ["channel", "language"],
    registry=_REGISTRY,
)
CONFIDENCE = Histogram(
    "nimbus_nlu_confidence", "Intent confidence of customer messages", buckets=CONFIDENCE_BUCKETS, registry=_REGISTRY
)


def message_language(tracker: Any) -> str:
    """The message's confidently detected language, else the conversation's, else `unknown` (two or three letters)."""
    entities = (tracker.latest_message.entities if tracker.latest_message else None) or []
    detected = next((e.get("value") for e in entities if e.get("entity") == "detected_language"), None)
    value = detected or tracker.get_slot("language")
    if isinstance(value, str) and 2 <= len(value) <= 3 and value.isascii() and value.isalpha():
        return value.lower()
    return UNKNOWN


def observe_message(message: UserMessage, tracker: Any) -> None:
    """Count one logged customer message."""
    channel = message.input_channel or UNKNOWN
    language = message_language(tracker)
    intent = (tracker.latest_message.intent if tracker.latest_message else None) or {}
    MESSAGES.labels(channel, language).inc()
    confidence = intent.get("confidence")
    if isinstance(confidence, int | float):
        CONFIDENCE.observe(float(confidence))
    if intent.get(INTENT_NAME_KEY) == FALLBACK_INTENT:
        FALLBACKS.labels(channel, language).inc()


def counting(log_message: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """`log_message` that also names the conversation in this request's log lines and counts the message."""

    @functools.wraps(log_message)
    async def log_and_count(self: MessageProcessor, message: UserMessage, *args: Any, **kwargs: Any) -> Any:
        bind_conversation(message.sender_id)
        tracker = await log_message(self, message, *args, **kwargs)
        observe_message(message, tracker)
        return tracker

    # functools.wraps copied Rasa's module name; bot/patches.py recognises its patches by theirs.
    log_and_count.__module__ = __name__
    return log_and_count


def install() -> None:
    """Wrap Rasa's `MessageProcessor.log_message` (once)."""
    if getattr(MessageProcessor.log_message, "__module__", None) != __name__:
        MessageProcessor.log_message = counting(MessageProcessor.log_message)


def exposition_registry() -> CollectorRegistry:
    """This process's metrics, or in multi-process mode every worker's."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return _REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def metrics_public(environ: dict[str, str] | None = None) -> bool:
    """Whether `/metrics` is open (`NIMBUS_METRICS_PUBLIC=true`)."""
    value = (os.environ if environ is None else environ).get("NIMBUS_METRICS_PUBLIC", "")
    return value.strip().lower() in ("1", "true", "yes")


def metrics_blueprint(edge: Edge) -> Blueprint:
    """`GET /metrics`: Prometheus text, for the API token or an admin JWT unless public."""
    blueprint = Blueprint("nimbus_metrics")
    registry = exposition_registry()
    public = metrics_public()

    @blueprint.get("/metrics")
    async def metrics(request: Request) -> HTTPResponse:
        token = presented(request)
        allowed = constant_equal(edge.settings.api_token, token) or is_admin_jwt(token, edge.settings.jwt_secret)
        if not (public or allowed):
            return error(401, "requires 'Authorization: Bearer <Rasa API token or admin JWT>'")
        return response.raw(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

    return blueprint
