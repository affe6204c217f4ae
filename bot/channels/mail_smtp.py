"""Outgoing mail by SMTP (I/O edge): implicit TLS, STARTTLS or plain, optional login, bounded retries.

`smtplib` is blocking, so each send runs in a worker thread. Temporary failures (connection errors, 4xx replies)
are retried with the channels' retry policy; after the last attempt, or at once on a permanent 5xx refusal, a
`PlatformDeliveryError` is raised, which Rasa passes on to the handoff service's delivery for an agent's reply.
Credentials are never logged; neither are addresses.
"""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from bot.channels.http_client import PlatformDeliveryError
from bot.channels.retry import RetryPolicy

logger = logging.getLogger(__name__)

SECURITY_MODES = ("tls", "starttls", "none")
DEFAULT_PORTS = {"tls": 465, "starttls": 587, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and as whom mail is sent."""

    host: str
    port: int
    security: str = "starttls"
    username: str = ""
    password: str = ""  # never logged, never part of repr
    ca_file: str = ""  # extra CA bundle, for a relay with a private certificate authority
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY_MODES)}, not {self.security!r}")

    def __repr__(self) -> str:
        return f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security!r})"

    @property
    def configured(self) -> bool:
        return bool(self.host)


class SmtpSender:
    """Sends one message at a time to the configured relay."""

    def __init__(
        self,
        settings: SmtpSettings,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._policy = policy or RetryPolicy()
        self._sleep = sleep

    async def send(self, message: EmailMessage) -> None:
        """Delivers `message` to the relay, retrying temporary failures."""
        if not self.settings.configured:
            raise PlatformDeliveryError("email", "smtp:", None, "no SMTP host configured (EMAIL_SMTP_HOST)", 0)
        where = f"smtp://{self.settings.host}:{self.settings.port}"
        attempt = 0
        while True:
            attempt += 1
            status: int | None
            try:
                await asyncio.to_thread(self._send_once, message)
                return
            except smtplib.SMTPRecipientsRefused as error:
                codes = [int(code) for code, _ in error.recipients.values()]
                status, detail = (codes[0] if codes else None), f"recipient refused {codes}"
                retryable = bool(codes) and all(400 <= code < 500 for code in codes)
            except smtplib.SMTPResponseException as error:
                status = int(error.smtp_code)
                detail = f"{error.smtp_code} {_scrubbed(error.smtp_error)}"
                retryable = 400 <= error.smtp_code < 500
            except (smtplib.SMTPException, OSError) as error:
                status, detail, retryable = None, f"{type(error).__name__}: {_scrubbed(str(error))}", True
            if not retryable or attempt >= self._policy.max_attempts:
                failure = PlatformDeliveryError("email", where, status, detail, attempt)
                logger.error("Outgoing mail failed: %s", failure)
                raise failure
            delay = self._policy.delay(attempt)
            logger.warning("SMTP relay answered %s (attempt %d); retrying in %.2fs", status or detail, attempt, delay)
            await self._sleep(delay)

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file or None)

    def _send_once(self, message: EmailMessage) -> None:
        settings = self.settings
        smtp: smtplib.SMTP
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_seconds, context=self._context()
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=self._context())
            if settings.username:
                smtp.login(settings.username, settings.password)
            refused = smtp.send_message(message)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)


def _scrubbed(reply: bytes | str) -> str:
    """A relay's reply without the addresses it may echo, so that none reaches a log."""
    text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else reply
    return re.sub(r"[^\s<>@]+@[^\s<>@]+", "<address>", text)[:300]
