"""The e-mail channel's webhooks when a mail is still being handled by another worker: 503, and Mailgun's retry of
the same delivery is not refused as a replay."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, cast

from rasa.core.channels.channel import UserMessage
from sanic.response import HTTPResponse

from bot.channels.mail import EmailInput
from bot.channels.mail_parse import message_key
from bot.channels.mail_smtp import SmtpSender, SmtpSettings
from bot.channels.mail_threads import MailThreads

MAILGUN_KEY = "mailgun-key"
MESSAGE_ID = "<1.omar@customer.example>"


@dataclass
class FormRequest:
    """What the Mailgun handler reads of a Sanic request."""

    form: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def raw_mail() -> bytes:
    mail = EmailMessage()
    mail.set_content("How long does shipping take?")
    mail["From"] = "Omar <omar@customer.example>"
    mail["To"] = "support@example.com"
    mail["Subject"] = "Shipping"
    mail["Message-ID"] = MESSAGE_ID
    return bytes(mail)


def mailgun_form(now: float, token: str) -> dict[str, str]:
    stamp = str(int(now))
    signature = hmac.new(MAILGUN_KEY.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    return {"timestamp": stamp, "token": token, "signature": signature, "body-mime": raw_mail().decode()}


def test_mailgun_retry_of_a_mail_another_worker_holds_gets_503_then_reaches_the_bot() -> None:
    """A worker claimed the mail and died: Mailgun's delivery gets 503 (not "ok"), and its retry with the same token
    after the lease reaches the bot instead of being refused as a replay."""
    clock = FakeClock()
    threads = MailThreads(":memory:", clock=clock, lease_seconds=120)
    channel = EmailInput(
        "Support <support@example.com>",
        SmtpSender(SmtpSettings(host="", port=587)),
        threads,
        mailgun_signing_key=MAILGUN_KEY,
        clock=clock,
    )
    handed: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        handed.append(message)

    blueprint = channel.blueprint(on_new_message)
    [route] = [r for r in blueprint._future_routes if r.uri == "/mailgun/mime"]
    receive = cast(Callable[[FormRequest], Coroutine[Any, Any, HTTPResponse]], route.handler)
    threads.claim(f"email:{message_key(MESSAGE_ID)}")  # the worker that was killed
    form = mailgun_form(clock.now, "token-1")

    busy = asyncio.run(receive(FormRequest(form)))
    clock.now += 121
    retried = asyncio.run(receive(FormRequest(form)))

    assert (busy.status, busy.headers.get("Retry-After")) == (503, "30")
    assert retried.status == 200
    assert [message_key(MESSAGE_ID)] == [m.message_id for m in handed]
    threads.close()
