"""Credentials never reach a log: `token=...` query values and `Bearer ...` values are masked in every record.

Installed as the log record factory, so it covers handlers configured after start-up too, plus a filter on Sanic's
access logger, whose request line (query string included) arrives as an `extra` field after the record is made.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

MASK = "***"
_PATTERNS = (
    re.compile(r"(?i)(\b(?:token|auth_token|access_token|api_key)=)[^&\s'\"]+"),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*"),
)
_EXTRA_FIELDS = ("request", "url", "path")

ACCESS_LOGGERS = ("sanic.access",)

_installed: Callable[..., logging.LogRecord] | None = None


def mask(text: str) -> str:
    """`text` with every credential value replaced by `***`."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + MASK, text)
    return text


def masked(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message (arguments merged in) and request fields masked when they carry a credential."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is the handler's to report, not ours
        return record
    cleaned = mask(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    for name in _EXTRA_FIELDS:
        value = record.__dict__.get(name)
        if isinstance(value, str):
            record.__dict__[name] = mask(value)
    return record


def install() -> bool:
    """Mask every record created from now on in this process; False when it was already installed."""
    global _installed
    if _installed is not None:
        return False
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return masked(previous(*args, **kwargs))

    _installed = factory
    logging.setLogRecordFactory(factory)
    for name in ACCESS_LOGGERS:
        logging.getLogger(name).addFilter(_AccessFilter())
    return True


class _AccessFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        masked(record)
        return True
