"""Installs the rule of bot/security/commands.py on every input channel at once: Rasa's
`MessageProcessor.handle_message` is where every channel's customer message arrives (external events do not).
Payloads accepted only when offered are checked against the sender's tracker, which is read for those alone."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain

from bot.security.commands import customer_text, is_offer_only, offered_payloads, offered_since_customer

logger = logging.getLogger(__name__)

Handler = Callable[[MessageProcessor, UserMessage], Awaitable[Any]]

_original: Handler | None = None
_payloads: dict[int, tuple[Domain, frozenset[str]]] = {}


def accepted_payloads(domain: Domain) -> frozenset[str]:
    """The payloads customers may send for `domain` (computed once per loaded domain)."""
    cached = _payloads.get(id(domain))
    if cached is None or cached[0] is not domain:
        _payloads.clear()  # a new model: the old domain's payloads are of no use any more
        cached = _payloads[id(domain)] = (domain, offered_payloads(domain.responses))
    return cached[1]


async def offered_now(processor: MessageProcessor, message: UserMessage) -> frozenset[str]:
    """The payloads the bot offered this sender since their previous message (read only for payloads that need it,
    so other messages cost no extra tracker read)."""
    tracker = await processor.tracker_store.retrieve(message.sender_id)
    if tracker is None:
        return frozenset()
    return offered_since_customer(event.as_dict() for event in reversed(tracker.events))


def guarded(handler: Handler) -> Handler:
    """`handler` that first turns a customer's `/...` text that is not an offered payload into plain text."""

    async def handle_message(self: MessageProcessor, message: UserMessage) -> Any:
        offered = await offered_now(self, message) if is_offer_only(message.text or "") else frozenset()
        text = customer_text(message.text, accepted_payloads(self.domain), offered)
        if text != message.text:
            logger.info("a '/' message on %s is not an offered button payload: read as text", message.input_channel)
            message.text = text
        return await handler(self, message)

    handle_message.__doc__ = "Rasa's MessageProcessor.handle_message, customer '/' text limited to offered payloads."
    return handle_message


def install() -> bool:
    """Guard every channel's messages in this process; False when it was already installed."""
    global _original
    if _original is not None:
        return False
    _original = MessageProcessor.handle_message
    MessageProcessor.handle_message = guarded(_original)
    return True
