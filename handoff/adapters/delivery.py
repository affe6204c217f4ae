"""Agent replies and close notices reach the customer through an outbox that is retried until delivered.

Services add :class:`OutboxEntry` rows in the same transaction as the reply or close; the worker
hands due entries, oldest first and in order per conversation, to a :class:`DeliveryPort`. The real
port calls Rasa's external-event endpoint (``/conversations/{id}/trigger_intent``) so channel code
lives only in the bot.

A reply is never given up silently: after ``delivery_max_attempts`` it shows as failed (API and a live
``message.delivery`` event to the console) and is still retried with back-off while its handoff is open.

Sending again is harmless: a reply carries its id (``reply_id``), the action that sends it sends nothing for an id the
conversation already shows, and the delivery check counts that id in the tracker as delivered. So an entry whose
worker died between Rasa's answer and marking it ``sent`` is simply sent again: a claim (``sending``) older than
:func:`claim_lease` is taken back by any worker, and a younger one is left to the worker that holds it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from sqlalchemy import or_, select, update
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
REPLY_ID_ENTITY = "reply_id"


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
        if delivery.intent == "agent_reply" and not reply_uttered(response, delivery.entities.get(REPLY_ID_ENTITY)):
            raise DeliveryError("Rasa took the reply but its action sent nothing (action server down?)")

    def ready(self) -> bool:
        """Whether Rasa answers ``GET /nimbus/ready`` (open, 200 once its model is loaded): back after a restart."""
        try:
            return self._client.get(f"{self._base_url}/nimbus/ready").status_code == 200
        except httpx.HTTPError:
            return False


def reply_id(handoff_id: str, message_id: int) -> str:
    """The id a reply carries to Rasa, unique across handoffs (and across a reset of the service's database)."""
    return f"{handoff_id}:{message_id}"


def carries_reply(event: dict[str, Any], reply: str) -> bool:
    """Whether a tracker event is the bot message that delivered the reply ``reply``."""
    if event.get("event") != "bot":
        return False
    metadata = event.get("metadata") or {}
    # Metadata an action gives a message is nested under "metadata" by Rasa; read both places.
    return reply in (metadata.get(REPLY_ID_ENTITY), (metadata.get("metadata") or {}).get(REPLY_ID_ENTITY))


def reply_uttered(response: httpx.Response, reply: str | None = None) -> bool:
    """Whether the tracker in Rasa's answer shows the reply sent: a bot message carrying its id ``reply`` anywhere
    (a second delivery of it sends nothing), or else a bot message after the triggered event. Rasa answers 200 even
    when the action that sends the reply failed, and the reply must then be tried again, not counted as delivered."""
    try:
        events = response.json()["tracker"]["events"]
    except (ValueError, KeyError, TypeError):
        return True  # an answer without the tracker's events cannot tell: taken as Rasa's 200 says
    if reply is not None and any(carries_reply(event, reply) for event in events or []):
        return True
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
    """Add a delivery (of the reply ``message_id``, if it is one, which then carries its reply id) to the current
    transaction."""
    if message_id is not None:
        entities = {**entities, REPLY_ID_ENTITY: reply_id(handoff.id, message_id)}
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


def claim_lease(timeout_seconds: float) -> timedelta:
    """How long a claim (``sending``) stays its worker's: an attempt's connect, write, read and pool waits are each
    bounded by the HTTP timeout, so a live worker has finished with it well before four of them and a margin."""
    return timedelta(seconds=4 * timeout_seconds + 5)


def deliver_due(ctx: ServiceContext, port: DeliveryPort, batch: int = 100) -> DeliveryReport:
    """Send due pending entries in id order; a conversation whose earlier entry waits blocks later ones."""
    report = DeliveryReport()
    now = ctx.clock()
    blocked: set[str] = set()
    events: list[Event] = []
    lease = claim_lease(ctx.settings.delivery_timeout_seconds)
    with ctx.sessions() as session:
        _take_back_expired(session, now - lease, unclaimed=False)
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
                .values(status=OutboxStatus.SENDING, attempts=OutboxEntry.attempts + 1, claimed_at=ctx.clock())
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


def _take_back_expired(session: Session, claimed_before: datetime, *, unclaimed: bool) -> int:
    """Return ``sending`` entries claimed before ``claimed_before`` (and, with ``unclaimed``, those without a claim
    time, claimed before claim times were kept) to ``pending``."""
    expired = OutboxEntry.claimed_at < claimed_before
    result = session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.status == OutboxStatus.SENDING,
            or_(expired, OutboxEntry.claimed_at.is_(None)) if unclaimed else expired,
        )
        .values(status=OutboxStatus.PENDING, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount if isinstance(result, CursorResult) else 0


def release_stuck(ctx: ServiceContext) -> int:
    """At start-up, return entries left ``sending`` by a worker that died to ``pending``: those claimed longer ago
    than the lease; a younger claim may be another live worker's, sending it right now, and waits for the lease."""
    lease = claim_lease(ctx.settings.delivery_timeout_seconds)
    with ctx.sessions() as session:
        return _take_back_expired(session, ctx.clock() - lease, unclaimed=True)


def backing_off(ctx: ServiceContext) -> bool:
    """Whether some entry waits for a later attempt after a failure."""
    with ctx.sessions() as session:
        waiting = session.scalar(
            select(OutboxEntry.id)
            .where(OutboxEntry.status == OutboxStatus.PENDING, OutboxEntry.next_attempt_at > ctx.clock())
            .limit(1)
        )
        return waiting is not None


def retry_waiting_now(ctx: ServiceContext) -> int:
    """Make every entry waiting out its back-off due now (Rasa answers again)."""
    now = ctx.clock()
    with ctx.sessions() as session:
        result = session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.status == OutboxStatus.PENDING, OutboxEntry.next_attempt_at > now)
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return result.rowcount if isinstance(result, CursorResult) else 0


class DeliveryWorker:
    """Background thread running :func:`deliver_due` every ``interval`` seconds until stopped.

    With a ``probe`` (is Rasa answering?), it asks while entries wait out their back-off; when Rasa answers again after
    the probe saw it down, those entries are sent at once instead of after a back-off of up to minutes.
    """

    def __init__(
        self, ctx: ServiceContext, port: DeliveryPort, interval: float, probe: Callable[[], bool] | None = None
    ) -> None:
        self._ctx = ctx
        self._port = port
        self._interval = interval
        self._probe = probe
        self._rasa_down = False
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
                if self._rasa_back():
                    continue
            except Exception:  # keep the worker alive; the entry stays pending
                logger.exception("delivery pass failed")
            self._wake.wait(self._interval)
            self._wake.clear()

    def _rasa_back(self) -> bool:
        """Whether Rasa answers again after the probe saw it down, with entries backing off (now made due)."""
        if self._probe is None or not backing_off(self._ctx):
            return False
        if not self._probe():
            self._rasa_down = True
            return False
        if not self._rasa_down:
            return False
        self._rasa_down = False
        woken = retry_waiting_now(self._ctx)
        logger.info("Rasa answers again: %d waiting deliveries retried now", woken)
        return woken > 0
