"""Log lines without personal data.

The service logs handoff ids rather than customers, but uvicorn's access log prints request paths and query
strings, which carry conversation ids such as ``whatsapp:+34600000000``. The filter replaces a conversation or
customer id in a URL by the customer's keyed pseudonym (so an operator can still follow one customer through the
log), and redacts phone numbers, emails, IBANs and cards anywhere else in every record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import unquote

from handoff.domain.redaction import redact

# uvicorn's loggers keep their own handlers and do not propagate, so they get the filter themselves.
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn")


_PSEUDONYM = re.compile(r"cust_[0-9a-f]{24}")
_ID_IN_URL = re.compile(r"(/(?:customers|conversations)/|\bconversation_id=)([^/?&#\s\"]+)")


def pseudonymise_urls(text: str, pseudonym: Callable[[str], str]) -> str:
    """Conversation and customer ids in URL paths and ``conversation_id=`` parameters replaced by pseudonyms."""

    def replace(match: re.Match[str]) -> str:
        value = unquote(match.group(2))
        # A record passes the filter at its logger and again at a handler: a pseudonym stays as it is.
        return match.group(0) if _PSEUDONYM.fullmatch(value) else match.group(1) + pseudonym(value)

    return _ID_IN_URL.sub(replace, text)


def scrub(text: str, pseudonym: Callable[[str], str] | None = None) -> str:
    """``text`` redacted; percent-encoded text (a logged URL) is decoded first when that reveals something."""
    if pseudonym is not None:
        text = pseudonymise_urls(text, pseudonym)
    if "%" in text:
        decoded = unquote(text)
        redacted = redact(decoded)
        if redacted != decoded:
            return redacted
    return redact(text)


class RedactingFilter(logging.Filter):
    """Redacts a record's message template and each of its string arguments in place.

    Arguments are redacted one by one rather than folded into the message, because formatters such as uvicorn's
    access formatter read the argument tuple themselves.
    """

    pseudonym: Callable[[str], str] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; only its text changes."""
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg, self.pseudonym)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(a, self.pseudonym) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: scrub(v, self.pseudonym) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


_FILTER = RedactingFilter()


def install_log_redaction(pseudonym: Callable[[str], str] | None = None) -> list[str]:
    """Add the filter to uvicorn's loggers and to the root logger's handlers (idempotent); where it went."""
    _FILTER.pseudonym = pseudonym
    places = []
    for name in LOGGERS:
        log = logging.getLogger(name)
        if _FILTER not in log.filters:
            log.addFilter(_FILTER)
        places.append(name)
    # Filters on a logger do not apply to its children's records, so the service's own loggers are covered at the
    # handlers they end up in: the root logger's, or logging's last-resort stderr handler when there are none.
    handlers = [*logging.getLogger().handlers, *([logging.lastResort] if logging.lastResort else [])]
    for handler in handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
        places.append(f"handler {type(handler).__name__}")
    return places
