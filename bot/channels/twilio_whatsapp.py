"""WhatsApp through Twilio: Rasa's built-in `twilio` channel with Twilio's request signature checked, media and
locations as attachments, de-duplication by `MessageSid`, and outgoing calls that retry and can be pointed at
another API base. Webhook: `/webhooks/twilio/webhook` (the channel keeps Rasa's name `twilio`).

credentials.yml (`bot.channels.twilio_whatsapp.SignedTwilioInput:`): `account_sid`, `auth_token`, `twilio_number`
("whatsapp:+14155238886"), optional `webhook_url` (the public URL configured at Twilio, used for the signature when
Rasa runs behind a proxy that changes scheme or host), `api_base` (default https://api.twilio.com),
`dedup_redis_url`, `dedup_lease_seconds`, `retry_max_attempts`, `retry_base_delay`, `retry_max_delay`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import requests
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient

from bot.channels.dedup import DedupStore, build_store, lease_from_credentials
from bot.channels.http_client import PlatformDeliveryError, policy_from_credentials
from bot.channels.inbound import PayloadError
from bot.channels.namespacing import StripsOwnPrefix
from bot.channels.retry import RetryPolicy, parse_retry_after
from bot.channels.signatures import verify_twilio_signature
from bot.channels.splitting import split_message
from bot.channels.twilio_payloads import TEXT_LIMIT, parse_form
from bot.channels.webhook import bad_request, busy, dispatch, required, signature_rejection
from bot.security.edge import Edge, default_edge

logger = logging.getLogger(__name__)

CHANNEL = "twilio"
SIGNATURE_HEADER = "X-Twilio-Signature"
TWILIO_API = "https://api.twilio.com"


def form_fields(body: bytes) -> dict[str, list[str]]:
    """The fields of a form body, blank ones included: Twilio signs empty fields too (Sanic's `request.form` drops
    them)."""
    return urllib.parse.parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


class RebasedHttpClient(TwilioHttpClient):
    """Twilio's HTTP client sending to another base URL (a staging proxy or a test server)."""

    def __init__(self, api_base: str) -> None:
        super().__init__()
        self.api_base = api_base.rstrip("/")
        self.retry_after: float | None = None  # of the last answer, for the retry policy

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith(TWILIO_API):
            url = self.api_base + url[len(TWILIO_API) :]
        answer = super().request(method, url, *args, **kwargs)
        headers = answer.headers or {}
        self.retry_after = parse_retry_after(headers.get("Retry-After"))
        return answer


class SignedTwilioOutput(StripsOwnPrefix, TwilioOutput):
    """Rasa's Twilio output with bounded retries that raise on failure and texts split within 1600 characters."""

    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        twilio_number: str | None,
        api_base: str = TWILIO_API,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self.rebased_client = RebasedHttpClient(api_base)
        self.http_client = self.rebased_client
        self.policy = policy or RetryPolicy()

    async def _send_message(self, message_data: dict[str, Any]) -> Any:
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                return await loop.run_in_executor(None, functools.partial(self.messages.create, **message_data))
            except TwilioRestException as error:
                status: int | None = error.status
                detail = str(error.msg)
                retry_after = self.rebased_client.retry_after
            except requests.RequestException as error:
                status, detail = None, f"{type(error).__name__}: {error}"
            if not self.policy.should_retry(attempt, status):
                failure = PlatformDeliveryError(CHANNEL, "Messages.json", status, detail, attempt)
                logger.error("Outgoing twilio call failed: %s", failure)
                raise failure
            delay = self.policy.delay(attempt, retry_after)
            logger.warning("twilio answered %s (attempt %d); retrying in %.2fs", status, attempt, delay)
            await asyncio.sleep(delay)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split_message(text, TEXT_LIMIT):
            await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": part})


class SignedTwilioInput(TwilioInput):
    """Rasa's Twilio input channel that only accepts requests signed by Twilio."""

    edge: Edge = default_edge()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = required(credentials, cls.name())
        return cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            webhook_url=credentials.get("webhook_url") or None,
            api_base=str(credentials.get("api_base") or TWILIO_API),
            policy=policy_from_credentials(credentials),
            dedup=build_store(
                credentials.get("dedup_redis_url") or None, lease_seconds=lease_from_credentials(credentials)
            ),
        )

    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        twilio_number: str | None,
        webhook_url: str | None = None,
        api_base: str = TWILIO_API,
        policy: RetryPolicy | None = None,
        dedup: DedupStore | None = None,
    ) -> None:
        if not auth_token:
            logger.warning("Twilio channel without 'auth_token': every webhook is rejected")
        super().__init__(account_sid, auth_token, twilio_number, debug_mode=False)
        self.webhook_url = webhook_url
        self.api_base = api_base
        self.policy = policy or RetryPolicy()
        self.dedup = dedup or build_store(None)

    def get_output_channel(self) -> OutputChannel:
        return SignedTwilioOutput(self.account_sid, self.auth_token, self.twilio_number, self.api_base, self.policy)

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the configured public URL, else the one this request was made to."""
        if self.webhook_url:
            query = request.query_string
            return self.webhook_url + (f"?{query}" if query else "")
        scheme = request.headers.get("X-Forwarded-Proto") or request.scheme
        host = request.headers.get("X-Forwarded-Host") or request.host
        query = request.query_string
        return f"{scheme}://{host}{request.path}" + (f"?{query}" if query else "")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("twilio_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            form = form_fields(request.body)
            header = request.headers.get(SIGNATURE_HEADER)
            # No token configured means no request can be genuine (never the text 'None' as the key).
            if not verify_twilio_signature(self.auth_token or "", self.signed_url(request), form, header):
                return signature_rejection(CHANNEL, header)
            try:
                message = parse_form({key: values[0] for key, values in form.items() if values})
            except PayloadError as error:
                return bad_request(CHANNEL, error)
            output = self.get_output_channel()
            dispatched = await dispatch(
                CHANNEL, [message] if message else [], self.dedup, lambda _: output, on_new_message, self.edge
            )
            if dispatched.in_progress:
                return busy(CHANNEL, dispatched.in_progress)
            return response.text("", status=204)

        return webhook
