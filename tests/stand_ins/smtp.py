"""A local SMTP relay (aiosmtpd, real SMTP over TCP, STARTTLS when given a certificate) that keeps every message it
is given, with login required;
it can be told to refuse a recipient permanently (550), as a relay does for an address that does not exist."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from scripts.ports import free_port


@dataclass(frozen=True)
class Received:
    """One message the relay accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    login: str | None


class SmtpStandIn:
    """The relay; use as a context manager. Only `username`/`password` may log in, and mail needs a login."""

    def __init__(
        self, username: str = "mailer", password: str = "smtp-password", tls: ssl.SSLContext | None = None
    ) -> None:
        self.username = username
        self.password = password
        self.received: list[Received] = []
        self.refused: set[str] = set()  # recipients answered with a permanent 550
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_required=True,
            # With a certificate, STARTTLS is required before login and mail, as on a real submission port.
            auth_require_tls=tls is not None,
            tls_context=tls,
            require_starttls=tls is not None,
        )

    def __enter__(self) -> SmtpStandIn:
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._controller.stop()

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            self.username.encode(),
            self.password.encode(),
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if address in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        with self._lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message, login))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [mail for mail in self.received if address in mail.rcpt_tos]

    def wait_for(
        self, address: str, count: int = 1, where: Callable[[Received], bool] = lambda _: True, timeout: float = 60.0
    ) -> list[Received]:
        """The mails to `address` matching `where`, once there are at least `count`."""
        deadline = time.monotonic() + timeout
        while True:
            found = [mail for mail in self.to(address) if where(mail)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} mails to {address} within {timeout} s")
            time.sleep(0.2)
