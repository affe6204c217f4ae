"""At most a few customer messages in work at once in a Rasa server process; the others wait their turn.

Rasa starts handling every message the moment it arrives. Under load, a turn that awaits the action server or the
database goes to the back of a long line of other turns' NLU work each time it resumes, so turns with more hops (a
KB answer, an order lookup, a handoff) wait many times longer than a greeting, and the 95th percentile grows with the
number of conversations in flight. Here a turn first takes its conversation's lock (as Rasa does), then one of
``limit`` slots, held until the turn's answer is ready; waiting turns get slots in arrival order. The slots still
overlap one turn's I/O with another's CPU work, so throughput does not fall, and the latencies of different kinds of
turns move closer together (bench/e2e has the runs with and without the bound).

The limit is `NIMBUS_RASA_MAX_CONCURRENT_MESSAGES` (default 4; 0 turns the bound off). Only message handling is
bounded: Rasa's HTTP API (tracker events, trigger_intent), which the handoff service and the action server call, is
not, so an action that calls back into Rasa cannot wait for a slot its own turn holds.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor

LIMIT_VARIABLE = "NIMBUS_RASA_MAX_CONCURRENT_MESSAGES"
DEFAULT_LIMIT = 4

Handler = Callable[[MessageProcessor, UserMessage], Awaitable[Any]]

_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()
_original: Handler | None = None


def configured_limit(environ: dict[str, str] | os._Environ[str] = os.environ) -> int:
    """The limit from the environment; a clear error for anything but a whole number >= 0."""
    raw = environ.get(LIMIT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise ValueError(f"{LIMIT_VARIABLE} must be a whole number (0 = no bound), got {raw!r}") from None
    if limit < 0:
        raise ValueError(f"{LIMIT_VARIABLE} must be 0 (no bound) or more, got {limit}")
    return limit


def bounded(handler: Handler, limit: int) -> Handler:
    """`handler` run by at most `limit` turns at once per event loop."""

    async def handle_message(self: MessageProcessor, message: UserMessage) -> Any:
        loop = asyncio.get_running_loop()
        slots = _slots.get(loop)
        if slots is None:
            slots = _slots[loop] = asyncio.Semaphore(limit)
        async with slots:
            return await handler(self, message)

    handle_message.__doc__ = f"Rasa's MessageProcessor.handle_message, at most {limit} at once."
    return handle_message


def install(limit: int | None = None) -> None:
    """Bound Rasa's message handling in this process (idempotent; the first limit installed stays)."""
    global _original
    if _original is not None:
        return
    limit = configured_limit() if limit is None else limit
    _original = MessageProcessor.handle_message
    if limit > 0:
        MessageProcessor.handle_message = bounded(_original, limit)


__all__ = ["DEFAULT_LIMIT", "LIMIT_VARIABLE", "bounded", "configured_limit", "install"]
