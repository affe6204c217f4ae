"""One JSON object per log line, carrying the request id and the conversation's pseudonym of the work in progress.

Standard library only: the Rasa server (another Python environment) and the action server use it too, so the three
processes write the same fields. A request id enters at the edge (``X-Request-ID`` if the caller sent a sane one,
otherwise a new one) and is passed on in the same header on every internal call, so one customer message can be
followed from the channel webhook through the action server to the handoff service.

``NIMBUS_LOG_FORMAT`` is ``json`` or ``text``; unset, production mode (``NIMBUS_MODE``) logs JSON and demo mode
text. ``NIMBUS_LOG_PSEUDONYM_KEY`` keys the conversation pseudonyms; the processes of one installation share it so
that their lines name a conversation alike (a random key per process when unset). Records never carry customer
text: callers log ids, names and counts, and the formatter adds nothing from the request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from functools import lru_cache

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only if it cannot smuggle anything into a log line or a header.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# Extra attributes a record may carry into its JSON object (``logger.info(..., extra={...})``).
EXTRA_FIELDS = ("event", "method", "route", "status", "duration_ms", "action", "channel", "outcome", "attempt")

# HTTP clients log every URL at INFO, and internal URLs contain conversation ids.
QUIET_LOGGERS = ("httpx", "httpcore", "aiohttp.access", "urllib3")

_request_id: ContextVar[str | None] = ContextVar("nimbus_request_id", default=None)
_conversation: ContextVar[str | None] = ContextVar("nimbus_conversation", default=None)


def new_request_id() -> str:
    """A fresh request id (32 hex digits)."""
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str:
    """The caller's request id when it is well-formed, a new one otherwise."""
    if value and _SANE_REQUEST_ID.match(value):
        return value
    return new_request_id()


def bind_request(request_id: str) -> None:
    """Make ``request_id`` the current one for this task (and the tasks it starts); clears the conversation."""
    _request_id.set(request_id)
    _conversation.set(None)


def bind_conversation(conversation_id: str | None) -> None:
    """Name the conversation the current work is about (logged as its pseudonym only)."""
    _conversation.set(conversation_pseudonym(conversation_id) if conversation_id else None)


def current_request_id() -> str | None:
    """The request id of the work in progress, if any."""
    return _request_id.get()


def current_conversation() -> str | None:
    """The pseudonym of the conversation of the work in progress, if any."""
    return _conversation.get()


def outgoing_headers() -> dict[str, str]:
    """Headers that pass the current request id on to the next process (empty outside a request)."""
    request_id = _request_id.get()
    return {REQUEST_ID_HEADER: request_id} if request_id else {}


@lru_cache(maxsize=1)
def _pseudonym_key() -> bytes:
    configured = os.environ.get("NIMBUS_LOG_PSEUDONYM_KEY", "")
    return configured.encode("utf-8") if configured else secrets.token_bytes(32)


def conversation_pseudonym(conversation_id: str) -> str:
    """A keyed, stable stand-in for a conversation id, which can be a phone number or an e-mail address."""
    digest = hmac.new(_pseudonym_key(), conversation_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"conv_{digest[:16]}"


def json_logs_wanted(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process logs JSON (``NIMBUS_LOG_FORMAT``, else by ``NIMBUS_MODE``: production means JSON)."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("NIMBUS_LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "text"):
        return chosen == "json"
    if chosen:
        raise ValueError(f"NIMBUS_LOG_FORMAT must be json or text, not {chosen!r}")
    return environ.get("NIMBUS_MODE", "").strip().lower() != "demo"


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "service", "logger", "message", "request_id", "conversation", ...}`` on one line."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON object; exceptions as their type and traceback text."""
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or _request_id.get()
        conversation = getattr(record, "conversation", None) or _conversation.get()
        if request_id:
            entry["request_id"] = request_id
        if conversation:
            entry["conversation"] = conversation
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "error"
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def install_json_logs(service: str, loggers: Iterable[str] = ()) -> None:
    """Every handler of the root logger and of ``loggers`` writes JSON; the root gets a stderr handler if it has
    none. Idempotent; filters already attached to handlers (secret masking) keep working."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    for chatty in QUIET_LOGGERS:
        logging.getLogger(chatty).setLevel(logging.WARNING)
    formatter = JsonFormatter(service)
    for logger in (root, *(logging.getLogger(name) for name in loggers)):
        for handler in logger.handlers:
            handler.setFormatter(formatter)
