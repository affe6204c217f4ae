"""Inactivity timeouts of assigned conversations.

- The customer went quiet: the agent answered and the customer has not written for `customer_inactivity_seconds`:
  the handoff is closed and the bot takes the conversation back (it greets and asks if anything else is needed).
- The agent went quiet: the customer has waited `agent_inactivity_seconds` for the assigned agent's answer: the
  handoff returns to its queue (and to auto-assignment), so another agent can take it.
Both are state transitions, audited with the actor `system:inactivity`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.adapters.delivery import enqueue
from handoff.adapters.events import Event
from handoff.adapters.periodic import PeriodicWorker
from handoff.services.assignment import auto_assign_queue
from handoff.services.context import ServiceContext
from handoff.services.transitions import transition
from handoff.states import HandoffStatus, MessageRole
from handoff.store.models import Handoff, Message

logger = logging.getLogger(__name__)

ACTOR = "system:inactivity"
CLOSE_CUSTOMER_INACTIVE = "close_customer_inactive"
REQUEUE_AGENT_INACTIVE = "requeue_agent_inactive"


@dataclass(frozen=True)
class Activity:
    """When each side last spoke in an assigned conversation."""

    assigned_at: datetime
    last_customer_at: datetime | None
    last_agent_at: datetime | None


def inactivity_action(
    activity: Activity, now: datetime, customer_timeout: timedelta | None, agent_timeout: timedelta | None
) -> str | None:
    """What an assigned conversation needs now because somebody went quiet, if anything (a timeout of None is off)."""
    customer = activity.last_customer_at
    agent = activity.last_agent_at
    agent_spoke_last = agent is not None and (customer is None or agent >= customer)
    if agent_spoke_last:
        assert agent is not None
        if customer_timeout is not None and now - agent >= customer_timeout:
            return CLOSE_CUSTOMER_INACTIVE
        return None
    waiting_since = max(customer or activity.assigned_at, activity.assigned_at)
    if agent_timeout is not None and now - waiting_since >= agent_timeout:
        return REQUEUE_AGENT_INACTIVE
    return None


def _latest(session: Session, handoff_id: str, role: str) -> datetime | None:
    query = select(func.max(Message.timestamp)).where(
        Message.handoff_id == handoff_id, Message.role == role, Message.private.is_(False)
    )
    return session.scalar(query)


def sweep(ctx: ServiceContext) -> dict[str, int]:
    """Applies the inactivity rules to every assigned handoff; returns how many were closed and requeued."""
    settings = ctx.settings
    customer_timeout = timedelta(seconds=settings.customer_inactivity_seconds) or None
    agent_timeout = timedelta(seconds=settings.agent_inactivity_seconds) or None
    now = ctx.clock()
    counts = {CLOSE_CUSTOMER_INACTIVE: 0, REQUEUE_AGENT_INACTIVE: 0}
    events: list[Event] = []
    with ctx.sessions() as session:
        assigned = session.scalars(select(Handoff).where(Handoff.status == HandoffStatus.ASSIGNED)).all()
        for handoff in assigned:
            activity = Activity(
                assigned_at=handoff.assigned_at or handoff.created_at,
                last_customer_at=_latest(session, handoff.id, MessageRole.CUSTOMER),
                last_agent_at=_latest(session, handoff.id, MessageRole.AGENT),
            )
            action = inactivity_action(activity, now, customer_timeout, agent_timeout)
            if action == CLOSE_CUSTOMER_INACTIVE:
                resolution = "closed automatically: the customer did not answer"
                updated = transition(
                    session, handoff.id, expected=(HandoffStatus.ASSIGNED,), to_status=HandoffStatus.CLOSED,
                    actor=ACTOR,
                    action="closed", at=now,
                    changes={"closed_at": now, "resolution": resolution, "return_to_bot": True},
                    details={"reason": "customer inactivity"},
                )  # fmt: skip
                enqueue(session, updated, "agent_handback", {"resolution": resolution}, now)
                events.append(Event("handoff.closed", updated.id, updated.queue, frozenset(), {"return_to_bot": True}))
            elif action == REQUEUE_AGENT_INACTIVE:
                previous = handoff.agent_id
                updated = transition(
                    session, handoff.id, expected=(HandoffStatus.ASSIGNED,), to_status=HandoffStatus.QUEUED,
                    actor=ACTOR,
                    action="requeued", at=now,
                    changes={"agent_id": None, "assigned_at": None, "queued_at": now},
                    details={"reason": "agent inactivity", "previous_agent": previous},
                )  # fmt: skip
                events.append(
                    Event("handoff.requeued", updated.id, updated.queue, frozenset({previous} if previous else ()), {})
                )
                events += auto_assign_queue(session, updated.queue, now, ctx.metrics)
            else:
                continue
            counts[action] += 1
            logger.info("handoff %s: %s", handoff.id, action)
        session.commit()
    if events:
        ctx.hub.publish(events)
    return counts


class InactivityWorker(PeriodicWorker):
    """Background thread running :func:`sweep` every `interval` seconds until stopped."""

    def __init__(self, ctx: ServiceContext, interval: float) -> None:
        super().__init__("handoff-inactivity", interval)
        self._ctx = ctx

    def run_pass(self) -> None:
        sweep(self._ctx)
