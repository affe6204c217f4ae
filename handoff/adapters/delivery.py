"""Agent replies and close notices reach the customer through an outbox that is retried until delivered.

Services add :class:`OutboxEntry` rows in the same transaction as the reply or close; the worker
hands due entries, oldest first and in order per conversation, to a :class:`DeliveryPort`. The real
port calls Rasa's external-event endpoint (``/conversations/{id}/trigger_intent``) so channel code
lives only in the bot.

A reply is never given up silently: after ``delivery_max_attempts`` it shows as failed (API and a live
``message.delivery`` event to the console) and is still retried with back-off while its handoff is open.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from handoff.adapters.events import Event
from handoff.errors import HandoffServiceError
from handoff.rasa_jwt import rasa_auth_headers
from handoff.services.context import ServiceContext
from handoff.services.transitions import OPEN_STATUSES
from handoff.states import DeliveryStatus, OutboxStatus
from handoff.store.models import Handoff, OutboxEntry
from structured_logs import bind_conversation, bind_request, new_request_id, outgoing_headers

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300


class DeliveryError(HandoffServiceError):
    """A delivery attempt failed; ``retryable`` false means retrying cannot help (e.g. 4xx)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a port needs to deliver one entry."""

    conversation_id: str
    channel: str
    intent: str
    entities: dict[str, Any]


class DeliveryPort(Protocol):
    """Delivers one entry or raises :class:`DeliveryError`."""

    def send(self, delivery: Delivery) -> None:
        """Deliver; return normally on success."""


class RasaDelivery:
    """Triggers an intent in the customer's Rasa conversation on their own output channel.

    Authenticates with a short-lived JWT signed with ``RASA_JWT_SECRET`` in the ``Authorization`` header;
    no secret ever goes into the URL.
    """

    def __init__(self, client: httpx.Client, base_url: str, jwt_secret: str | None) -> None:
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._jwt_secret = jwt_secret

    def send(self, delivery: Delivery) -> None:
        """``POST {RASA_URL}/conversations/{id}/trigger_intent?output_channel=...`` with a bearer JWT."""
        url = f"{self._base_url}/conversations/{quote(delivery.conversation_id, safe='')}/trigger_intent"
        try:
            response = self._client.post(
                url,
                params={"output_channel": delivery.channel},
                headers={**rasa_auth_headers(self._jwt_secret), **outgoing_headers()},
                json={"name": delivery.intent, "entities": delivery.entities},
            )
        except httpx.HTTPError as e:
            raise DeliveryError(f"Rasa unreachable: {type(e).__name__}: {e}") from e
        if response.status_code >= 500 or response.status_code in (408, 409, 429):
            raise DeliveryError(f"Rasa answered {response.status_code}")
        if response.status_code >= 400:
            raise DeliveryError(
                f"Rasa rejected the event: {response.status_code} {response.text[:200]}", retryable=False
            )
        if delivery.intent == "agent_reply" and not reply_uttered(response):
            raise DeliveryError("Rasa took the reply but its action sent nothing (action server down?)")


def reply_uttered(response: httpx.Response) -> bool:
    """Whether the tracker in Rasa's answer has a bot message after the triggered event: Rasa answers 200 even when
    the action that sends the reply failed, and the reply must then be tried again, not counted as delivered."""
    try:
        events = response.json()["tracker"]["events"]
    except (ValueError, KeyError, TypeError):
        return True  # an answer without the tracker's events cannot tell: taken as Rasa's 200 says
    for event in reversed(events or []):
        if event.get("event") == "bot":
            return True
        if event.get("event") == "user":
            return False
    return False


def delivery_status(status: str, attempts: int, last_error: str | None, max_attempts: int) -> DeliveryStatus:
    """What the agent sees: delivered, failed (given up, or still failing after ``max_attempts``), else pending."""
    if status == OutboxStatus.SENT:
        return DeliveryStatus.DELIVERED
    if status == OutboxStatus.FAILED or (last_error is not None and attempts >= max_attempts):
        return DeliveryStatus.FAILED
    return DeliveryStatus.PENDING


def keeps_retrying(attempts: int, *, retryable: bool, handoff_open: bool, max_attempts: int) -> bool:
    """After a failed attempt: retry while the handoff is open; otherwise up to ``max_attempts``; never a 4xx."""
    if not retryable:
        return False
    return handoff_open or attempts < max_attempts


def enqueue(
    session: Session,
    handoff: Handoff,
    intent: str,
    entities: dict[str, Any],
    now: datetime,
    message_id: int | None = None,
) -> None:
    """Add a delivery (of the reply ``message_id``, if it is one) to the current transaction."""
    session.add(
        OutboxEntry(
            handoff_id=handoff.id,
            conversation_id=handoff.conversation_id,
            channel=handoff.channel,
            intent=intent,
            entities=entities,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            message_id=message_id,
        )
    )


@dataclass(slots=True)
class DeliveryReport:
    """Outcome counts of one :func:`deliver_due` pass."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** max(0, attempts - 1)))


def deliver_due(ctx: ServiceContext, port: DeliveryPort, batch: int = 100) -> DeliveryReport:
    """Send due pending entries in id order; a conversation whose earlier entry waits blocks later ones."""
    report = DeliveryReport()
    now = ctx.clock()
    blocked: set[str] = set()
    events: list[Event] = []
    with ctx.sessions() as session:
        # An entry another worker is sending (or a dead one left sending until its restart) goes first: with several
        # workers, a conversation's next entry sent meanwhile would overtake it.
        blocked.update(
            session.scalars(select(OutboxEntry.conversation_id).where(OutboxEntry.status == OutboxStatus.SENDING)).all()
        )
        pending = session.scalars(
            select(OutboxEntry).where(OutboxEntry.status == OutboxStatus.PENDING).order_by(OutboxEntry.id).limit(batch)
        ).all()
        for entry in pending:
            if entry.conversation_id in blocked:
                continue
            if entry.next_attempt_at > now:
                blocked.add(entry.conversation_id)
                continue
            claimed = session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id == entry.id, OutboxEntry.status == OutboxStatus.PENDING)
                .values(status=OutboxStatus.SENDING, attempts=OutboxEntry.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            if not isinstance(claimed, CursorResult) or claimed.rowcount != 1:
                blocked.add(entry.conversation_id)
                continue
            attempts = entry.attempts + 1
            values: dict[str, Any]
            # Each attempt is a request of its own: its id reaches Rasa's log, its lines here name the conversation.
            bind_request(new_request_id())
            bind_conversation(entry.conversation_id)
            try:
                port.send(Delivery(entry.conversation_id, entry.channel, entry.intent, entry.entities))
            except DeliveryError as e:
                values = _after_failure(ctx, session, entry, attempts, e, now, report, events)
                blocked.add(entry.conversation_id)
            else:
                values = {"status": OutboxStatus.SENT, "sent_at": now, "last_error": None}
                report.sent += 1
                ctx.metrics.deliveries.labels("sent").inc()
                logger.info(
                    "delivery %s of handoff %s sent",
                    entry.id,
                    entry.handoff_id,
                    extra={"event": "delivery", "outcome": "sent", "attempt": attempts},
                )
                if entry.last_error is not None and entry.message_id is not None:
                    events.append(_delivery_event(session, entry, DeliveryStatus.DELIVERED, None))
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id == entry.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            session.commit()
    ctx.hub.publish(events)
    return report


def _after_failure(
    ctx: ServiceContext,
    session: Session,
    entry: OutboxEntry,
    attempts: int,
    error: DeliveryError,
    now: datetime,
    report: DeliveryReport,
    events: list[Event],
) -> dict[str, Any]:
    """New outbox values after a failed attempt; a reply that now counts as failed is announced live."""
    handoff = session.get(Handoff, entry.handoff_id)
    handoff_open = handoff is not None and handoff.status in OPEN_STATUSES
    max_attempts = ctx.settings.delivery_max_attempts
    retry = keeps_retrying(attempts, retryable=error.retryable, handoff_open=handoff_open, max_attempts=max_attempts)
    message = str(error)[:1000]
    values: dict[str, Any] = {"status": OutboxStatus.PENDING if retry else OutboxStatus.FAILED, "last_error": message}
    if retry:
        values["next_attempt_at"] = now + _backoff(attempts)
        report.retried += 1
        ctx.metrics.deliveries.labels("retry").inc()
    else:
        report.failed += 1
        ctx.metrics.deliveries.labels("failed").inc()
        logger.error("delivery %s of handoff %s failed for good: %s", entry.id, entry.handoff_id, message)
    newly_failed = not retry or attempts == max_attempts
    if newly_failed and entry.message_id is not None:
        events.append(_delivery_event(session, entry, DeliveryStatus.FAILED, message))
    return values


def _delivery_event(session: Session, entry: OutboxEntry, status: str, error: str | None) -> Event:
    """``message.delivery`` for the reply's author and the handoff's queue watchers."""
    handoff = session.get(Handoff, entry.handoff_id)
    recipients = frozenset({handoff.agent_id}) if handoff is not None and handoff.agent_id else frozenset()
    return Event(
        "message.delivery",
        entry.handoff_id,
        handoff.queue if handoff is not None else None,
        recipients,
        {"message_id": entry.message_id, "status": status, "error": error},
    )


def retry_now(session: Session, message_id: int, now: datetime) -> bool:
    """Make a reply's failed or waiting delivery due now; False when there is nothing to retry."""
    result = session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.message_id == message_id, OutboxEntry.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED))
        )
        .values(status=OutboxStatus.PENDING, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


def release_stuck(ctx: ServiceContext) -> int:
    """Return entries left ``sending`` by a crashed worker to ``pending`` (called at start-up)."""
    with ctx.sessions() as session:
        result = session.execute(
            update(OutboxEntry).where(OutboxEntry.status == OutboxStatus.SENDING).values(status=OutboxStatus.PENDING)
        )
        session.commit()
        return result.rowcount if isinstance(result, CursorResult) else 0


class DeliveryWorker:
    """Background thread running :func:`deliver_due` every ``interval`` seconds until stopped."""

    def __init__(self, ctx: ServiceContext, port: DeliveryPort, interval: float) -> None:
        self._ctx = ctx
        self._port = port
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="handoff-delivery", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def wake(self) -> None:
        """Run a pass now (after a reply was stored)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop and join the thread."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_due(self._ctx, self._port)
            except Exception:  # keep the worker alive; the entry stays pending
                logger.exception("delivery pass failed")
            self._wake.wait(self._interval)
            self._wake.clear()
