"""E-mail channel: mail in from the IMAP poller or Mailgun's inbound webhook, answers out by SMTP in the same thread.

Routes under `/webhooks/email/`:
- `POST inbound`: one raw RFC 5322 message from our IMAP poller (`bot/channels/imap_poller.py`), signed with
  `X-Nimbus-Email-Signature: sha256=<hex HMAC-SHA256(ingest_secret, body)>`.
- `POST mailgun/mime`: Mailgun's inbound route (`forward()` to a URL ending in `mime`), signed as Mailgun documents.

Each mail becomes a message of the conversation `email:<sender address>`; the bot's answers to it go out as one
mail, an agent's replies (Rasa's external events) as one mail each, all answering the customer's latest message.

credentials.yml (`bot.channels.mail.EmailInput:`): `from_address` (our support address, e.g.
`Support <support@example.com>`), `smtp_host`, `smtp_port`, `smtp_security` (tls, starttls, none), `smtp_username`,
`smtp_password` or `smtp_password_file`, `smtp_ca_file`, `ingest_secret`, `mailgun_signing_key`, `state_path`
(SQLite file of threads and handled mails), `dedup_lease_seconds`, `retry_max_attempts`, `retry_base_delay`,
`retry_max_delay`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from email.utils import parseaddr
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.agent import sent_by_agent
from bot.channels.dedup import lease_from_credentials
from bot.channels.http_client import PlatformDeliveryError, policy_from_credentials
from bot.channels.inbound import SHARE_MEDIA, InboundMessage, PayloadError, attachment, compact
from bot.channels.mail_compose import Thread, render, reply
from bot.channels.mail_files import MailFile, attach, download, first_file
from bot.channels.mail_parse import InboundMail, address_id, message_key, parse_mail
from bot.channels.mail_smtp import DEFAULT_PORTS, SmtpSender, SmtpSettings
from bot.channels.mail_threads import MailThreads
from bot.channels.mailgun import parse_form, signature_problem
from bot.channels.media_relay import Fetched, MediaFetchError, MediaRelay
from bot.channels.secret_values import secret
from bot.channels.signatures import verify_hub_signature
from bot.channels.webhook import busy, dispatch, required, signature_rejection
from bot.security.edge import Edge, default_edge
from bot.security.senders import namespaced, platform_recipient

logger = logging.getLogger(__name__)

CHANNEL = "email"
INGEST_SIGNATURE_HEADER = "X-Nimbus-Email-Signature"


class EmailOutput(OutputChannel):
    """Sends bot and agent messages by mail: collected until `flush` while answering a mail, else one mail each."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, sender: SmtpSender, threads: MailThreads, from_address: str, *, collect: bool) -> None:
        self._sender = sender
        self._threads = threads
        self._from = from_address
        self._collect = collect
        self._pending: dict[str, list[str]] = {}

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """One Rasa message (text, buttons, image) as a paragraph of the thread's next mail; an agent's file as a
        mail with the file attached."""
        conversation_id = namespaced(CHANNEL, platform_recipient(CHANNEL, recipient_id))
        if isinstance(message.get("attachment"), dict):
            try:
                file = await download(message["attachment"])
            except (aiohttp.ClientError, TimeoutError, MediaFetchError) as error:
                raise PlatformDeliveryError(CHANNEL, "attachment", None, str(error), 1) from error
            await self._send(conversation_id, [file.filename], automatic=False, files=[file])
            return
        text = render(message)
        if not text:
            return
        if self._collect and not sent_by_agent(message):
            self._pending.setdefault(conversation_id, []).append(text)
            return
        await self._send(conversation_id, [text], automatic=not sent_by_agent(message))

    async def flush(self) -> None:
        """Sends the collected answers, one mail per conversation."""
        pending, self._pending = self._pending, {}
        for conversation_id, texts in pending.items():
            await self._send(conversation_id, texts, automatic=True)

    async def _send(
        self, conversation_id: str, texts: list[str], *, automatic: bool, files: list[MailFile] | None = None
    ) -> None:
        thread = self._threads.thread(conversation_id)
        if thread is None:
            raise PlatformDeliveryError(CHANNEL, "smtp:", 404, "no e-mail thread for this conversation", 0)
        domain = parseaddr(self._from)[1].partition("@")[2] or "localhost"
        mail = reply(thread, self._from, texts, domain, automatic=automatic)
        attach(mail, files or [])
        await self._sender.send(mail)


class EmailInput(InputChannel):
    """Receives mail from the IMAP poller and from Mailgun."""

    edge: Edge = default_edge()
    media: MediaRelay = MediaRelay("", "")

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = required(credentials, cls.name())
        security = str(credentials.get("smtp_security") or "starttls").lower()
        settings = SmtpSettings(
            host=str(credentials.get("smtp_host") or ""),
            port=int(credentials.get("smtp_port") or DEFAULT_PORTS.get(security, 587)),
            security=security,
            username=str(credentials.get("smtp_username") or ""),
            password=secret(
                str(credentials.get("smtp_password") or ""), str(credentials.get("smtp_password_file") or "")
            ),
            ca_file=str(credentials.get("smtp_ca_file") or ""),
        )
        channel = cls(
            from_address=str(credentials.get("from_address") or ""),
            sender=SmtpSender(settings, policy_from_credentials(credentials)),
            threads=MailThreads(
                str(credentials.get("state_path") or ":memory:"), lease_seconds=lease_from_credentials(credentials)
            ),
            ingest_secret=str(credentials.get("ingest_secret") or ""),
            mailgun_signing_key=str(credentials.get("mailgun_signing_key") or ""),
        )
        channel.media = MediaRelay.from_credentials(credentials)
        return channel

    def __init__(
        self,
        from_address: str,
        sender: SmtpSender,
        threads: MailThreads,
        ingest_secret: str = "",
        mailgun_signing_key: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not from_address or not sender.settings.configured:
            logger.warning("E-mail channel without 'from_address' or SMTP host: answers cannot be sent")
        if not ingest_secret and not mailgun_signing_key:
            logger.warning("E-mail channel without 'ingest_secret' or 'mailgun_signing_key': every mail is rejected")
        self.from_address = from_address
        self.sender = sender
        self.threads = threads
        self.ingest_secret = ingest_secret
        self.mailgun_signing_key = mailgun_signing_key
        self.clock = clock
        own = parseaddr(from_address)[1].lower()
        self.own_addresses = frozenset({own} if own else set())
        self.files: dict[str, MailFile | None] = {}  # the first file of each mail being handled, by message key

    def get_output_channel(self) -> OutputChannel:
        return EmailOutput(self.sender, self.threads, self.from_address, collect=False)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("email_webhook", __name__)
        if self.media.enabled:
            # A mail's first file reaches the handoff service during a handoff.
            on_new_message = self.media.wrap(on_new_message, self._mail_file)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/inbound", methods=["POST"])
        async def inbound(request: Request) -> HTTPResponse:
            header = request.headers.get(INGEST_SIGNATURE_HEADER)
            if not verify_hub_signature(self.ingest_secret, request.body, header):
                return signature_rejection("e-mail ingest", header)
            return await self._receive(request.body, on_new_message, bad_status=400)

        @webhook.route("/mailgun/mime", methods=["POST"])
        async def mailgun(request: Request) -> HTTPResponse:
            try:
                delivery = parse_form({key: request.form.get(key) for key in request.form})
            except PayloadError as error:
                # 406 tells Mailgun not to retry a delivery that can never succeed.
                logger.warning("Mailgun webhook with a malformed body: %s", error)
                return response.json({"error": f"malformed body: {error}"}, status=406)
            problem = signature_problem(self.mailgun_signing_key, delivery, self.clock())
            if problem:
                logger.warning("Mailgun webhook rejected: %s", problem)
                status = 401 if problem == "missing signature" else 403
                return response.json({"error": problem}, status=status)
            if not self.threads.first_seen(f"mailgun-token:{delivery.token}"):
                logger.warning("Mailgun webhook token used before: rejected as a replay")
                return response.json({"error": "token already used"}, status=403)
            answer = await self._receive(delivery.raw, on_new_message, bad_status=406)
            if answer.status == 503:
                # Mailgun's retry of this delivery must not be refused as a replay, or the mail would be lost.
                self.threads.forget(f"mailgun-token:{delivery.token}")
            return answer

        return webhook

    async def _receive(
        self, raw: bytes, on_new_message: Callable[[UserMessage], Awaitable[Any]], bad_status: int
    ) -> HTTPResponse:
        try:
            mail = parse_mail(raw, self.own_addresses)
        except PayloadError as error:
            logger.warning("E-mail with a malformed message: %s", error)
            return response.json({"error": f"malformed message: {error}"}, status=bad_status)
        if mail.skip or not (mail.text or mail.attachment):
            reason = mail.skip or "no text of its own"
            logger.info("E-mail %s not for the bot: %s", message_key(mail.message_id), reason)
            return response.json({"status": "skipped", "reason": mail.skip or "no text"})
        message = self._message(mail)
        if mail.attachment:
            self.files[message.message_id] = first_file(raw)

        def output_for(_: InboundMessage) -> OutputChannel:
            # Called only for a mail not handled before, so a late duplicate never moves the thread back.
            self.threads.remember(namespaced(CHANNEL, message.sender_id), _thread(mail))
            return EmailOutput(self.sender, self.threads, self.from_address, collect=True)

        try:
            dispatched = await dispatch(CHANNEL, [message], self.threads, output_for, on_new_message, self.edge)
        finally:
            self.files.pop(message.message_id, None)
        if dispatched.in_progress:
            return busy(CHANNEL, dispatched.in_progress)
        return response.json({"status": "ok" if dispatched.handed else "duplicate"})

    def _message(self, mail: InboundMail) -> InboundMessage:
        limit = self.edge.settings.max_message_chars
        # A long mail is cut rather than dropped: the beginning is what the customer asks.
        text = mail.text if len(mail.text) <= limit else mail.text[: limit - 1].rstrip() + "…"
        metadata = compact({"locale": mail.language})
        key = message_key(mail.message_id)
        if not text and mail.attachment:
            # An attachment alone gets the bot's polite answer about media, as on the other channels.
            text, metadata["attachment"] = SHARE_MEDIA, attachment(mail.attachment, id=key)
        elif mail.attachment and self.media.enabled:
            # The file's transcript line carries the mail's words, so that the agent reads them beside the file.
            metadata["attachment"] = attachment(mail.attachment, id=key, caption=text[:1000])
        return InboundMessage(address_id(mail.address), text, key, metadata)

    async def _mail_file(self, _: aiohttp.ClientSession, shared: dict[str, Any], max_bytes: int) -> Fetched:
        """The kept first file of the mail being handled (`MediaRelay`'s fetcher for mail)."""
        file = self.files.get(str(shared.get("id") or ""))
        if file is None:
            raise MediaFetchError("the mail's file is no longer at hand")
        return Fetched(file.content[: max_bytes + 1], file.filename)


def _thread(mail: InboundMail) -> Thread:
    return Thread(mail.address, mail.subject, mail.message_id, mail.thread_references)
