"""The common webhook steps of every platform channel: reject unsigned requests, decode the body, hand each new
message to Rasa once. Sanic is only touched here and in the channel modules."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import response
from sanic.response import HTTPResponse

from bot.channels.dedup import Claim, DedupStore
from bot.channels.inbound import InboundMessage, PayloadError
from bot.security.edge import Edge
from bot.security.senders import namespaced

logger = logging.getLogger(__name__)

Parsed = TypeVar("Parsed")


def required(credentials: dict[str, Any] | None, channel: str) -> dict[str, Any]:
    """The channel's credentials.yml section; Rasa's own error when it is missing."""
    if not credentials:
        raise RasaException(
            f"No credentials given for the {channel} channel: add its section to credentials.yml (docs/channels.md)."
        )
    return credentials


def signature_rejection(platform: str, header: str | None) -> HTTPResponse:
    """401 when the signature header is missing, 403 when it does not match; nothing reaches the bot."""
    if not header:
        logger.warning("%s webhook without signature header: rejected with 401", platform)
        return response.json({"error": "missing signature"}, status=401)
    logger.warning("%s webhook with a wrong signature: rejected with 403", platform)
    return response.json({"error": "invalid signature"}, status=403)


def decode(platform: str, body: bytes, parse: Callable[[Any], list[Parsed]]) -> list[Parsed]:
    """The messages of a raw JSON body; `PayloadError` with a clear reason when it is not valid JSON or not the
    platform's shape."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PayloadError(f"body is not UTF-8 JSON ({error})") from error
    return parse(data)


def bad_request(platform: str, error: PayloadError) -> HTTPResponse:
    """400 with the reason, logged."""
    logger.warning("%s webhook with a malformed body: %s", platform, error)
    return response.json({"error": f"malformed body: {error}"}, status=400)


@dataclass(frozen=True)
class Dispatched:
    """What `dispatch` did with a delivery: how many messages it handed to Rasa, and the ids another worker is
    still handling (then the platform must deliver again: `busy`)."""

    handed: int = 0
    in_progress: tuple[str, ...] = ()


RETRY_AFTER_SECONDS = 30


def busy(platform: str, in_progress: tuple[str, ...]) -> HTTPResponse:
    """503 with Retry-After, so that the platform delivers again: a message another worker took may be lost if
    that worker dies, and only a new delivery can then bring it in."""
    logger.info("%s delivery with %d message(s) still being handled elsewhere: 503", platform, len(in_progress))
    return response.json(
        {"error": "message still being handled, deliver again later"},
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def dispatch(
    platform: str,
    messages: Iterable[InboundMessage],
    dedup: DedupStore,
    output_for: Callable[[InboundMessage], OutputChannel],
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    edge: Edge | None = None,
) -> Dispatched:
    """Hands every message not handled before to Rasa as the conversation `<platform>:<sender id>`.

    Each message id is claimed for a lease before it is processed and marked done after, so a platform retry that
    arrives while the first delivery is still being answered is not handled twice, and one whose first worker died
    (its lease ran out) is. The ids still in progress elsewhere are returned: the channel must not answer success
    for them (`busy`). A failure inside Rasa is logged, the message marked done, and does not fail the webhook (the
    platform would only deliver the same message again). With an `edge`, a message over its length limit or from a
    sender over its rate is dropped with a warning: the platform is answered as usual, since an error would only
    hold back the other customers' messages of the same delivery.
    """
    handed = 0
    in_progress: list[str] = []
    for message in messages:
        key = f"{platform}:{message.message_id}"
        claim = dedup.claim(key)
        if claim is Claim.DONE:
            logger.info("%s delivery %s already handled: ignored", platform, message.message_id)
            continue
        if claim is Claim.IN_PROGRESS:
            logger.info("%s delivery %s is being handled by another worker", platform, message.message_id)
            in_progress.append(message.message_id)
            continue
        conversation_id = namespaced(platform, message.sender_id)
        if edge is not None and not _within_limits(platform, conversation_id, message.text, edge):
            dedup.finish(key)
            continue
        output = output_for(message)
        user_message = UserMessage(
            message.text,
            output,
            conversation_id,
            input_channel=platform,
            message_id=message.message_id,
            metadata=dict(message.metadata),
        )
        try:
            await on_new_message(user_message)
            flush = getattr(output, "flush", None)  # channels that batch the answers of one message (LINE)
            if flush is not None:
                await flush()
        except Exception:
            logger.exception("%s message %s could not be handled", platform, message.message_id)
        dedup.finish(key)
        handed += 1
    return Dispatched(handed, tuple(in_progress))


def _within_limits(platform: str, conversation_id: str, text: str, edge: Edge) -> bool:
    if len(text) > edge.settings.max_message_chars:
        logger.warning("%s message longer than %d characters dropped", platform, edge.settings.max_message_chars)
        return False
    if edge.senders.allow(conversation_id) is not None:
        logger.warning("%s sender over its message rate: message dropped", platform)
        return False
    return True
