"""Keeps secrets out of the service's log lines.

Uvicorn's access and WebSocket log lines contain the full path with its query string; anything that looks like a
credential there (``token=``, ``ticket=``, ``key=``, ``secret=``, ``password=``, bearer values) is masked before the
line is written. Installed explicitly by the app factory, which says so at start-up.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_QUERY_SECRET = re.compile(r"(?i)\b((?:access_|auth_|api_)?(?:token|ticket|key|secret|password))=([^&\s\"']+)")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
MASK = "***"
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn", "handoff")


def mask_secrets(text: str) -> str:
    """``text`` with credential values in query strings and bearer headers replaced by ``***``."""
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}={MASK}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)


def _mask(value: Any) -> Any:
    return mask_secrets(value) if isinstance(value, str) else value


class SecretMaskingFilter(logging.Filter):
    """Rewrites a record's message and string arguments through :func:`mask_secrets`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask, never drop."""
        if isinstance(record.msg, str):
            record.msg = mask_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_mask(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _mask(v) for k, v in record.args.items()}
        return True


def install_secret_masking(names: tuple[str, ...] = LOGGERS) -> list[str]:
    """Attach the filter to the named loggers (once each); returns the names it was added to."""
    added = []
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, SecretMaskingFilter) for f in logger.filters):
            logger.addFilter(SecretMaskingFilter())
            added.append(name)
    return added
