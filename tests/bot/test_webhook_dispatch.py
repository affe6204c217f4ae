"""bot/channels/webhook.py dispatch: platform messages reach Rasa as `<platform>:<id>` conversations, within the
edge's length and per-sender rate limits."""

from __future__ import annotations

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.dedup import build_store
from bot.channels.inbound import InboundMessage
from bot.channels.webhook import dispatch
from bot.security.edge import Edge
from bot.security.settings import EdgeSettings, RateLimit


def deliver(messages: list[InboundMessage], edge: Edge | None) -> list[UserMessage]:
    handed: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        handed.append(message)

    asyncio.run(
        dispatch("whatsapp", messages, build_store(None), lambda _: CollectingOutputChannel(), on_new_message, edge)
    )
    return handed


def test_conversations_are_namespaced_by_platform() -> None:
    """A WhatsApp id becomes `whatsapp:<id>`, so no REST sender can name it."""
    [handed] = deliver([InboundMessage("34600000000", "hola", "wamid.1")], None)
    assert (handed.sender_id, handed.input_channel) == ("whatsapp:34600000000", "whatsapp")


def test_over_long_messages_and_senders_over_their_rate_are_dropped() -> None:
    """Burst of 2 per sender: the third message of one sender is dropped, another sender's passes; so does any
    message over the character limit."""
    edge = Edge(EdgeSettings(max_message_chars=10, sender_limit=RateLimit(1, 2)))
    messages = [
        InboundMessage("a", "one", "m1"),
        InboundMessage("a", "two", "m2"),
        InboundMessage("a", "three", "m3"),
        InboundMessage("b", "x" * 11, "m4"),
        InboundMessage("b", "short", "m5"),
    ]
    assert [(m.sender_id, m.text) for m in deliver(messages, edge)] == [
        ("whatsapp:a", "one"),
        ("whatsapp:a", "two"),
        ("whatsapp:b", "short"),
    ]
