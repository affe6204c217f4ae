"""The agent's typing, and that the agent has read the customer's messages, shown to the customer: throttled per
conversation, then asked of Rasa, whose channel shows it where the platform supports it (typing: web chat,
Messenger, WhatsApp; read marks: WhatsApp, Messenger)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.rasa_jwt import rasa_auth_headers
from handoff.store.models import Message

logger = logging.getLogger(__name__)

# Platforms show a typing bubble for several seconds, so one signal per few seconds keeps it on.
TYPING_INTERVAL_SECONDS = 5.0
MAX_TRACKED = 10_000
SIGNAL_TIMEOUT_SECONDS = 3.0


@dataclass
class TypingThrottle:
    """At most one "typing" per conversation every ``interval`` seconds; a "stopped" only after a "typing"."""

    interval: float = TYPING_INTERVAL_SECONDS
    clock: Callable[[], float] = time.monotonic
    _last: dict[str, tuple[bool, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, key: str, on: bool) -> bool:
        """Whether this signal goes out now (and remember it if so)."""
        now = self.clock()
        with self._lock:
            last = self._last.get(key)
            if on:
                allowed = last is None or not last[0] or now - last[1] >= self.interval
            else:
                allowed = last is not None and last[0]
            if allowed:
                if len(self._last) >= MAX_TRACKED:  # forget conversations idle for longer than the interval
                    self._last = {k: v for k, v in self._last.items() if now - v[1] < self.interval}
                self._last[key] = (on, now)
            return allowed


def last_customer_message_id(session: Session, handoff_id: str) -> str | None:
    """The platform's id of the customer's latest message (WhatsApp marks read and types against it)."""
    return session.scalar(
        select(Message.client_message_id)
        .where(Message.handoff_id == handoff_id, Message.role == "customer", Message.client_message_id.is_not(None))
        .order_by(Message.timestamp.desc(), Message.id.desc())
        .limit(1)
    )


def send_signal(rasa_url: str, jwt_secret: str | None, conversation_id: str, kind: str, body: dict[str, Any]) -> bool:
    """Ask Rasa for ``typing`` or ``seen``; False when the channel cannot, or Rasa fails (logged, never raised)."""
    url = f"{rasa_url.rstrip('/')}/nimbus/conversations/{quote(conversation_id, safe='')}/{kind}"
    try:
        response = httpx.post(url, json=body, headers=rasa_auth_headers(jwt_secret), timeout=SIGNAL_TIMEOUT_SECONDS)
    except httpx.HTTPError as e:
        logger.warning("%s signal not sent: %s", kind, type(e).__name__)
        return False
    if response.status_code != 200:
        logger.warning("%s signal refused by Rasa (%s)", kind, response.status_code)
        return False
    return bool(response.json().get("sent"))
